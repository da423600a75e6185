"""A shopper's personal data across apps: what members' erasure (me/delete) leaves behind in
the other apps' tables once the shopper has ordered, paid and been sent notices."""

import pytest
from oscar.apps.order.models import Order

from logistics.services import ensure_default_carriers, ship_order
from platforms.models import NoticeGrant, NoticeLog
from storefront.members.models import Identity
from tests.steps import (
    add_address,
    add_to_basket,
    notice_templates,
    ok,
    pay_wechat,
    place_order,
    tea_shop,
    wechat_login,
)

pytestmark = pytest.mark.django_db


def _shopper_who_was_sent_notices(api, committed):
    shop = tea_shop()
    notice_templates("wechat")
    ensure_default_carriers()
    shopper, openid, login = wechat_login(api)
    ok(
        shopper.post(
            "/api/v1/notifications/grants/",
            {
                "platform": "wechat",
                "accepted": ["tpl-wechat-order_paid", "tpl-wechat-order_shipped", "tpl-wechat-order_shipped"],
                "rejected": [],
            },
            format="json",
        )
    )
    address = add_address(shopper)
    add_to_basket(shopper, shop.keemun.pk, 1)
    placed, _preview, _key = place_order(
        shopper, {"address_id": address["id"], "shipping_method": "standard", "payment_method": "wechat"}
    )
    pay_wechat(api, shopper, placed["number"], committed)
    with committed():
        ship_order(order=Order.objects.get(number=placed["number"]), carrier="ZTO", tracking_number="731234567890121")
    assert NoticeLog.objects.filter(openid=openid, status="sent").count() == 2
    return shopper, openid, login["member"]["id"]


def test_erasure_removes_the_platform_identity(api, committed):
    shopper, openid, member_id = _shopper_who_was_sent_notices(api, committed)

    with committed():
        assert shopper.post("/api/v1/me/delete/", {"confirm": True}, format="json").status_code == 204

    assert not Identity.objects.filter(openid=openid).exists()
    assert Order.objects.filter(user_id=member_id).count() == 1  # kept for accounting


def test_erasure_leaves_no_openid_or_grant_in_the_notice_tables(api, committed):
    shopper, openid, member_id = _shopper_who_was_sent_notices(api, committed)

    with committed():
        assert shopper.post("/api/v1/me/delete/", {"confirm": True}, format="json").status_code == 204

    assert not NoticeLog.objects.filter(openid=openid).exists()
    assert not NoticeGrant.objects.filter(member_id=member_id).exists()
