"""A WeChat shopper who subscribed to the demo's "order paid" and "refund succeeded" notices
is told of the refund once, with its amount and time in the template's typed fields."""

import re

import pytest
from django.urls import reverse

from platforms import demo
from platforms.models import NoticeLog
from platforms.sandbox.models import SubscribeMessage
from tests.steps import add_to_basket, ok, order_of, pay_wechat, place_order, tea_shop, wechat_login

pytestmark = pytest.mark.django_db


def test_a_refunded_shopper_gets_the_demo_refund_notice_once(api, operations, committed):
    demo.load_demo()
    shop = tea_shop()
    shopper, openid, _login = wechat_login(api)
    granted = [demo.template_id("wechat", "order_paid"), demo.template_id("wechat", "order_refunded")]
    ok(shopper.post("/api/v1/notifications/grants/", {"platform": "wechat", "accepted": granted}, format="json"))
    add_to_basket(shopper, shop.keemun.pk, 2)
    pickup = {"store_id": shop.store.pk, "shipping_method": "pickup", "payment_method": "wechat"}
    placed, _preview, _key = place_order(shopper, pickup)
    number = placed["number"]
    pay_wechat(api, shopper, number, committed)

    asked = ok(
        shopper.post(
            f"/api/v1/orders/{number}/refund-request/", {"type": "refund_only", "reason": "买错了"}, format="json"
        ),
        201,
    )
    with committed():
        operations.post(
            reverse("admin:storefront_aftersalesrequest_changelist"),
            {"action": "approve", "_selected_action": [asked["id"]]},
        )
    assert order_of(shopper, number)["status"] == "refunded"

    [refunded] = SubscribeMessage.objects.filter(touser=openid, template_id=granted[1])
    data = {key: value["value"] for key, value in refunded.data.items()}
    assert data["character_string1"] == number
    assert data["amount2"] == "¥91.00"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", data["time3"])
    assert data["phrase4"] == "退款成功"
    assert refunded.page == f"pages/order/detail?number={number}"
    assert sorted(NoticeLog.objects.filter(status="sent").values_list("event", flat=True)) == [
        "order_paid",
        "order_refunded",
    ]
