"""A shopper scans a code: the scene resolves to the page and its parameters, or to a stable
error the mini program can switch on. A marketer's codes and links are made through the
platforms as WeChat and Alipay want them (the sandbox checks)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns import services
from campaigns.errors import LinkTooLong
from platforms.base import PlatformError, reset_platform_clients
from tests.factories import EntryPointFactory, staff_code, standalone

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"


def resolve(scene):
    return APIClient().get(f"/api/v1/campaigns/scenes/{scene}/")


def test_a_scanned_staff_code_opens_its_page_with_its_parameters():
    entry = staff_code(page="pages/product/detail", params={"id": 12, "from": "store"})

    answer = resolve(entry.scene)

    assert answer.status_code == 200
    assert answer.json() == {
        "page": "pages/product/detail",
        "params": {"id": 12, "from": "store"},
        "kind": "staff",
        "scene": entry.scene,
    }


def test_a_scene_with_slashes_and_symbols_from_the_allowed_set_resolves():
    entry = EntryPointFactory(scene="a/b=c&d:1")
    assert resolve("a/b=c%26d:1").json()["page"] == entry.page


@pytest.mark.parametrize(
    ("scene", "status", "code"),
    [
        ("nosuchscene", 404, "scene_not_found"),
        ("x" * 33, 400, "scene_too_long"),
        ("海报", 400, "scene_invalid"),
        ("a%20b", 400, "scene_invalid"),
    ],
)
def test_unknown_too_long_or_refused_scenes_answer_a_stable_code(scene, status, code):
    answer = resolve(scene)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code


def test_an_ended_or_switched_off_entry_point_is_not_opened():
    ended = EntryPointFactory(ends_at=timezone.now() - dt.timedelta(minutes=1))
    later = EntryPointFactory(starts_at=timezone.now() + dt.timedelta(days=1))
    off = EntryPointFactory(is_active=False)

    assert resolve(ended.scene).status_code == 410
    assert resolve(ended.scene).json()["error"]["code"] == "scene_expired"
    assert resolve(later.scene).json()["error"]["code"] == "scene_expired"
    assert resolve(off.scene).json()["error"]["code"] == "scene_not_found"


def test_resolving_a_scene_takes_one_query(django_assert_max_num_queries):
    entry = EntryPointFactory()
    with django_assert_max_num_queries(1):
        assert resolve(entry.scene).status_code == 200


def test_the_wechat_code_is_a_png_of_the_scene_for_a_published_page():
    entry = EntryPointFactory(page="pages/product/detail")
    image = services.wechat_code(entry_point=entry)
    assert image.startswith(PNG)


def test_a_release_code_for_an_unpublished_page_is_refused_but_a_trial_build_may_open_it(settings):
    entry = EntryPointFactory(page="pages/new/launch")
    with pytest.raises(PlatformError) as refused:
        services.wechat_code(entry_point=entry)
    assert refused.value.code == "41030"

    settings.WECHAT_ENV_VERSION = "trial"  # check_path off: the trial build has the new page
    reset_platform_clients()
    assert services.wechat_code(entry_point=entry).startswith(PNG)


def test_the_alipay_code_is_a_png_from_qrcode_create():
    entry = EntryPointFactory(page="pages/product/detail")
    assert services.alipay_code(entry_point=entry).startswith(PNG)


def test_a_url_link_lasts_at_most_30_days():
    entry = EntryPointFactory(page="pages/campaign/index")
    with pytest.raises(LinkTooLong):
        services.make_url_link(entry_point=entry, days=31)

    made = services.make_url_link(entry_point=entry, days=30)

    assert made.link.startswith("https://wxaurl.cn/")
    assert dt.timedelta(days=29) < made.link_expires_at - timezone.now() <= dt.timedelta(days=30)


def test_a_product_entry_point_needs_its_product():
    from django.core.exceptions import ValidationError

    from campaigns.models import EntryPoint

    entry = EntryPoint(name="新品码", kind=EntryPoint.Kind.PRODUCT, page="pages/product/detail")
    with pytest.raises(ValidationError) as refused:
        entry.full_clean()
    assert "product" in refused.value.message_dict
    entry.product = standalone("明前龙井")
    entry.params = {"id": entry.product.pk}
    entry.full_clean()


def test_a_page_with_a_query_is_refused_in_the_form():
    from django.core.exceptions import ValidationError

    entry = EntryPointFactory.build(page="pages/product/detail?id=1")
    with pytest.raises(ValidationError) as refused:
        entry.full_clean()
    assert "page" in refused.value.message_dict
