"""What the schema promises is what the API answers (found from outside: store hours were
documented as `format: time` and answered "09:00"; notify/alipay/ documented a JSON 400 and
answered the plain text `fail`)."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.factories import StoreFactory, StoreHoursFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_store_hours_are_answered_in_the_pattern_the_schema_gives(api, schema):
    store = StoreFactory(is_active=True) if hasattr(StoreFactory._meta.model, "is_active") else StoreFactory()
    StoreHoursFactory(store=store, weekday=0, opens="09:00", closes="21:30")
    pattern = schema["components"]["schemas"]["StoreHours"]["properties"]["opens"]["pattern"]
    assert "format" not in schema["components"]["schemas"]["StoreHours"]["properties"]["opens"]

    hours = api.get(f"/api/v1/stores/{store.pk}/").json()["hours"]

    assert hours and all(re.fullmatch(pattern, row["opens"]) and re.fullmatch(pattern, row["closes"]) for row in hours)


def test_alipay_notify_refusals_are_documented_and_answered_as_plain_text(api, schema):
    documented = schema["paths"]["/api/v1/notify/alipay/"]["post"]["responses"]["400"]["content"]
    assert list(documented) == ["text/plain"]

    response = api.post(
        "/api/v1/notify/alipay/", "out_trade_no=1&sign=forged", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain") and response.content == b"fail"


def test_platform_callbacks_do_not_claim_the_shopper_error_body_or_a_login(schema):
    for path, item in schema["paths"].items():
        for operation in item.values():
            if "notify" in operation.get("tags", []):
                assert "401" not in operation["responses"], path
