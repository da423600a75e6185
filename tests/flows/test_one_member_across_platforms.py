"""One person shops on WeChat and on Alipay: binding the same phone on both makes one member
with both identities, and each login sees the orders placed from the other."""

import pytest
from django.contrib.auth import get_user_model
from oscar.apps.order.models import Order

from logistics.services import ensure_default_carriers, ship_order
from platforms.models import NoticeLog
from platforms.sandbox.models import SubscribeMessage
from storefront.members.models import Identity
from tests.steps import (
    add_address,
    add_to_basket,
    alipay_login,
    bearer,
    bind_alipay_phone,
    bind_wechat_phone,
    new_phone,
    notice_templates,
    ok,
    pay_alipay,
    pay_wechat,
    place_order,
    tea_shop,
    wechat_login,
)

pytestmark = pytest.mark.django_db


def _buy(shopper, sku_id, method):
    address = ok(shopper.get("/api/v1/me/addresses/"))["results"] or [add_address(shopper)]
    add_to_basket(shopper, sku_id, 1)
    body = {"address_id": address[0]["id"], "shipping_method": "standard", "payment_method": method}
    return place_order(shopper, body)[0]["number"]


def test_the_same_phone_on_wechat_and_alipay_makes_one_member_seeing_both_orders(api, committed):
    shop = tea_shop()
    phone = new_phone()

    wechat, openid, wechat_login_answer = wechat_login(api)
    bind_wechat_phone(api, wechat, openid, phone)
    wechat_number = _buy(wechat, shop.keemun.pk, "wechat")
    pay_wechat(api, wechat, wechat_number, committed)

    alipay, user_id, alipay_login_answer = alipay_login(api)
    assert alipay_login_answer["member"]["id"] != wechat_login_answer["member"]["id"]
    alipay_number = _buy(alipay, shop.skus[0].pk, "alipay")
    pay_alipay(api, alipay, alipay_number, committed)

    # Binding the phone on Alipay finds the WeChat member: the older one survives, and the
    # Alipay login receives a new token for it.
    bound = bind_alipay_phone(api, alipay, user_id, phone)
    assert bound["merged"] is True
    alipay = bearer(bound["token"])
    survivor = wechat_login_answer["member"]["id"]
    assert bound["id"] == survivor

    member = get_user_model().objects.get(pk=survivor)
    assert sorted(Identity.objects.filter(member=member).values_list("platform", flat=True)) == ["alipay", "wechat"]
    assert sorted(ok(alipay.get("/api/v1/me/"))["platforms"]) == ["alipay", "wechat"]

    for client in (wechat, alipay):
        numbers = {order["number"] for order in ok(client.get("/api/v1/orders/"))["results"]}
        assert numbers == {wechat_number, alipay_number}
        for number in numbers:
            assert ok(client.get(f"/api/v1/orders/{number}/"))["status"] == "paid"

    # A later Alipay login lands on the same member.
    again, _user_id, answer = alipay_login(api, user_id=user_id)
    assert (answer["member"]["id"], answer["is_new"], answer["member"]["phone_bound"]) == (survivor, False, True)
    assert len(ok(again.get("/api/v1/orders/"))["results"]) == 2
    # The absorbed member's old token no longer works.
    old = bearer(alipay_login_answer["token"])
    assert old.get("/api/v1/me/").status_code == 401


def test_grants_given_before_the_merge_still_send_the_shipping_notice(api, committed):
    shop = tea_shop()
    notice_templates("wechat")
    ensure_default_carriers()
    phone = new_phone()
    # An older Alipay member with that phone, then the same person on WeChat for the first time.
    alipay, user_id, _ = alipay_login(api)
    bind_alipay_phone(api, alipay, user_id, phone)
    wechat, openid, _ = wechat_login(api)
    number = _buy(wechat, shop.keemun.pk, "wechat")
    ok(
        wechat.post(
            "/api/v1/notifications/grants/",
            {"platform": "wechat", "accepted": ["tpl-wechat-order_shipped"], "rejected": []},
            format="json",
        )
    )
    pay_wechat(api, wechat, number, committed)
    # Now the WeChat phone button: the WeChat member is absorbed into the older Alipay member.
    with committed():  # the notice grants follow the survivor once the merge commits
        assert bind_wechat_phone(api, wechat, openid, phone)["merged"] is True

    with committed():
        ship_order(order=Order.objects.get(number=number), carrier="ZTO", tracking_number="731234567890121")

    log = NoticeLog.objects.get(event="order_shipped")
    assert log.status == "sent", log.status
    assert SubscribeMessage.objects.filter(touser=openid, template_id="tpl-wechat-order_shipped").count() == 1
