"""The total a shopper saw comes back as the preview wrote it: money in the API is a string in
yuan ("68.00"), so expected_total is such a string with at most two decimals. A JSON number
(68.0, 6.8e1), an exponent, a sign, spaces, leading zeros or a third decimal is refused as
invalid_input naming the field, and nothing is placed; it is never rounded to a total."""

import pytest

from storefront.checkout.models import CheckoutRequest
from tests.factories import address_of, fill_basket, sku

pytestmark = pytest.mark.django_db

REFUSED = [
    68.0,  # JSON numbers: the parser has made them floats already
    68,
    6.8e1,
    True,
    "6.8e1",
    "68.004",
    "68.005",
    "+68.00",
    "-68.00",
    " 68.00",
    "68.00 ",
    "68.00\n",
    "068",
    "68.",
    ".5",
    "6_8.00",
    "٦٨.٠٠",
    "NaN",
    "",
    ["68.00"],
    {"yuan": "68.00"},
]


def sixty_eight_yuan_basket(member):
    """58.00 of tea and 10.00 standard shipping: the preview's total is "68.00"."""
    fill_basket(member, (sku(price="58.00"), 1))
    return address_of(member)


def place(api, key="k-1", **body):
    return api.post("/api/v1/checkout/", {"payment_method": "wechat", **body}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_preview_writes_the_total_as_a_string_and_placing_with_it_places_the_order(member, member_api):
    address = sixty_eight_yuan_basket(member)
    total = member_api.post(
        "/api/v1/checkout/preview/", {"payment_method": "wechat", "address_id": address.pk}, format="json"
    ).json()["total"]
    assert total == "68.00"

    answer = place(member_api, address_id=address.pk, expected_total=total)

    assert answer.status_code == 201, answer.json()
    assert answer.json()["total"] == "68.00"


@pytest.mark.parametrize("written", ["68", "68.0", "68.00"])
def test_fewer_decimals_are_the_same_total(member, member_api, written):
    address = sixty_eight_yuan_basket(member)

    assert place(member_api, address_id=address.pk, expected_total=written).status_code == 201


@pytest.mark.parametrize("expected_total", REFUSED)
def test_a_total_not_written_as_the_api_writes_money_is_refused_and_nothing_is_placed(
    member, member_api, expected_total
):
    address = sixty_eight_yuan_basket(member)

    answer = place(member_api, address_id=address.pk, expected_total=expected_total)

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"
    assert "expected_total" in error["fields"] and "yuan" in error["fields"]["expected_total"]
    assert not CheckoutRequest.objects.exists()
    assert member.orders.count() == 0


def test_an_exponent_in_the_raw_json_body_is_refused(member, member_api):
    address = sixty_eight_yuan_basket(member)
    body = f'{{"payment_method": "wechat", "address_id": {address.pk}, "expected_total": 6.8e1}}'

    answer = member_api.generic(
        "POST", "/api/v1/checkout/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert answer.status_code == 400
    assert (
        answer.json()["error"]["fields"]["expected_total"] == 'Money is a string in yuan, like "128.00", not a number.'
    )
    assert member.orders.count() == 0


def test_a_third_decimal_that_would_round_to_the_total_is_refused_not_charged(member, member_api):
    address = sixty_eight_yuan_basket(member)

    answer = place(member_api, address_id=address.pk, expected_total="68.004")

    assert answer.status_code == 400
    assert "at most two decimals" in answer.json()["error"]["fields"]["expected_total"]


def test_null_or_no_expected_total_compares_with_the_last_preview(member, member_api):
    address = sixty_eight_yuan_basket(member)
    member_api.post("/api/v1/checkout/preview/", {"payment_method": "wechat", "address_id": address.pk}, format="json")

    assert place(member_api, address_id=address.pk, expected_total=None).status_code == 201


def test_the_same_key_with_68_then_68_00_is_the_same_request(member, member_api):
    address = sixty_eight_yuan_basket(member)
    first = place(member_api, address_id=address.pk, expected_total="68")

    again = place(member_api, address_id=address.pk, expected_total="68.00")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]


def test_the_schema_gives_the_pattern_the_api_takes(api):
    import re

    from config.money import YUAN_PATTERN

    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    field = schema["components"]["schemas"]["PlaceOrderInputRequest"]["properties"]["expected_total"]
    assert (field["type"], field["pattern"], field["nullable"]) == ("string", YUAN_PATTERN, True)
    assert re.fullmatch(field["pattern"], "68.00") and not re.search(field["pattern"], "6.8e1")
