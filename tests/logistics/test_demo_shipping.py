"""The demo's shipped orders: the WeChat one has a waybill token the shipment API returns, the
Alipay one is in the sandbox's order center with its status history; loading twice changes nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.apps.order.models import Order
from oscar.test.factories import create_product, create_stockrecord

from logistics import demo
from logistics.models import WechatWaybill
from platforms.sandbox.models import SandboxAlipayOrder
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_demo_ships_a_wechat_order_with_a_token_and_an_alipay_order_into_the_order_center(committed):
    create_stockrecord(create_product(title="青山绿茶"), num_in_stock=50, price=Decimal("30.00"))
    with committed():
        demo.load_demo()
    wechat = Order.objects.get(number=demo.WECHAT_NUMBER)
    shipment = wechat.shipments.get()
    waybill = WechatWaybill.objects.get(shipment=shipment)
    assert waybill.state == WechatWaybill.State.READY
    body = client_for(wechat.user).get(reverse("shipment-detail", args=[shipment.pk])).json()
    assert body["wechat_tracking"]["waybill_token"] == waybill.waybill_token

    center = SandboxAlipayOrder.objects.get(out_biz_no=demo.ALIPAY_NUMBER)
    assert [step["status"] for step in center.history] == ["PAID", "IN_DELIVERY"]

    with committed():
        demo.load_demo()
    assert Order.objects.filter(number__startswith="DEMO").count() == 2
    assert len(SandboxAlipayOrder.objects.get(pk=center.pk).history) == 2
