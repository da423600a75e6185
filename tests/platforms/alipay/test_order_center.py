"""alipay.merchant.order.sync against the sandbox's order center: an order paid in the mini program
is synced, statuses go forward only, the order link page goes once (AE0515022537), an unpaid trade
is refused."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from platforms.alipay.miniprogram import sync_merchant_order
from platforms.base import PlatformError
from platforms.sandbox.models import AlipayTrade, SandboxAlipayOrder

BUYER = "2088000000000042"


def trade(*, paid=True, trade_no="2026120722001000000000000042"):
    return AlipayTrade.objects.create(
        trade_no=trade_no,
        out_trade_no="N0000042",
        app_id=settings.ALIPAY_APP_ID,
        seller_id=settings.ALIPAY_SELLER_ID,
        subject="青山绿茶",
        total_amount=Decimal("60.00"),
        buyer_id=BUYER,
        status=AlipayTrade.Status.TRADE_SUCCESS if paid else AlipayTrade.Status.WAIT_BUYER_PAY,
        paid_at=timezone.now() if paid else None,
    )


def order(status, *, link=False, **overrides):
    ext = [
        {"ext_key": "merchant_biz_type", "ext_value": "KX_SHOPPING"},
        {"ext_key": "merchant_order_status", "ext_value": status},
    ]
    if link:
        ext.append({"ext_key": "merchant_order_link_page", "ext_value": "pages/order/detail?number=N0000042"})
    body = {
        "out_biz_no": "N0000042",
        "buyer_id": BUYER,
        "trade_no": "2026120722001000000000000042",
        "amount": "60.00",
        "item_order_list": [{"item_name": "青山绿茶", "quantity": 2, "unit_price": "30.00"}],
        "order_create_time": "2026-12-07 10:00:00",
        "order_modified_time": "2026-12-07 10:05:00",
        "ext_info": ext,
    }
    if status == "IN_DELIVERY":
        body["logistics_info_list"] = [{"tracking_no": "731234000000011", "logistics_code": "ZTO"}]
    body.update(overrides)
    return body


def code_of(body):
    with pytest.raises(PlatformError) as caught:
        sync_merchant_order(body)
    return caught.value.code


def test_an_order_paid_in_the_mini_program_appears_with_its_status_history():
    trade()
    sync_merchant_order(order("PAID", link=True))
    sync_merchant_order(order("IN_DELIVERY"))
    row = SandboxAlipayOrder.objects.get(out_biz_no="N0000042")
    assert [step["status"] for step in row.history] == ["PAID", "IN_DELIVERY"]
    assert row.history[1]["logistics"] == [{"tracking_no": "731234000000011", "logistics_code": "ZTO"}]
    assert row.link_page == "pages/order/detail?number=N0000042"


def test_a_status_never_goes_back_nor_repeats():
    trade()
    sync_merchant_order(order("IN_DELIVERY"))
    assert code_of(order("PAID")) == "ORDER_STATUS_NOT_FORWARD"
    assert code_of(order("IN_DELIVERY")) == "ORDER_STATUS_NOT_FORWARD"


def test_the_order_link_page_goes_once():
    trade()
    sync_merchant_order(order("PAID", link=True))
    assert code_of(order("IN_DELIVERY", link=True)) == "AE0515022537"


def test_a_trade_not_paid_in_the_mini_program_is_refused():
    trade(paid=False)
    assert code_of(order("PAID")) == "TRADE_NOT_PAID"
    assert code_of(order("PAID", trade_no="2026000")) == "TRADE_NOT_EXIST"


@pytest.mark.parametrize(
    "overrides",
    [{"out_biz_no": ""}, {"buyer_id": ""}, {"item_order_list": []}, {"order_create_time": "2026/12/07"}],
)
def test_the_sandbox_refuses_an_order_without_its_required_fields(overrides):
    trade()
    assert code_of(order("PAID", **overrides)) == "INVALID_PARAMETER"


def test_the_adapter_refuses_a_status_that_is_not_ours_without_calling():
    with pytest.raises(PlatformError) as caught:
        sync_merchant_order(order("SHIPPED_MAYBE"))
    assert caught.value.code == "INVALID_PARAMETER"
    assert not SandboxAlipayOrder.objects.exists()
