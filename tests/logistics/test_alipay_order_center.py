"""Alipay orders in Alipay's order center: each order event of an Alipay order syncs its status once,
forward only, the link page with the first; a failure is retried with backoff; operations see the
state on the order."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from logistics import alipay_orders, receivers, services
from logistics.models import AlipayOrderSync
from platforms.sandbox import faults
from platforms.sandbox.models import AlipayTrade, SandboxAlipayOrder
from tests.factories import StaffFactory, paid_order, tracking_number

pytestmark = pytest.mark.django_db
Status, State = AlipayOrderSync.Status, AlipayOrderSync.State


@pytest.fixture(autouse=True)
def _clean_sandbox():
    faults.clear_faults()
    yield
    faults.clear_faults()


def alipay_order():
    """A paid Alipay order, and its trade as the (sandbox) Alipay knows it."""
    order = paid_order(method="alipay")
    AlipayTrade.objects.create(
        trade_no=f"4200{order.pk:012d}",
        out_trade_no=order.number,
        app_id=settings.ALIPAY_APP_ID,
        seller_id=settings.ALIPAY_SELLER_ID,
        subject="青山绿茶",
        total_amount=Decimal(order.total_incl_tax),
        buyer_id=f"2088{order.user_id:012d}",
        status=AlipayTrade.Status.TRADE_SUCCESS,
        paid_at=timezone.now(),
    )
    return order


def happened(receiver, order, committed, **kwargs):
    with committed():
        receiver(sender=type(order), order=order, **kwargs)


def history(order):
    return [step["status"] for step in SandboxAlipayOrder.objects.get(out_biz_no=order.number).history]


def test_an_alipay_order_appears_in_the_order_center_as_it_moves(carriers, committed):
    order = alipay_order()
    happened(receivers.alipay_order_paid, order, committed)
    with committed():
        shipment = services.ship_order(order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"))
    happened(receivers.alipay_order_delivered, order, committed)
    happened(receivers.alipay_order_completed, order, committed)

    assert history(order) == ["PAID", "IN_DELIVERY", "SIGNED", "FINISHED"]
    row = SandboxAlipayOrder.objects.get(out_biz_no=order.number)
    assert row.link_page == f"pages/order/detail?number={order.number}"
    assert row.buyer == f"2088{order.user_id:012d}"
    shipped = next(step for step in row.history if step["status"] == "IN_DELIVERY")
    assert shipped["logistics"] == [{"tracking_no": shipment.tracking_number, "logistics_code": "ZTO"}]
    assert set(AlipayOrderSync.objects.filter(order=order).values_list("state", flat=True)) == {State.SYNCED}


def test_each_status_goes_once(carriers, committed):
    order = alipay_order()
    happened(receivers.alipay_order_paid, order, committed)
    happened(receivers.alipay_order_paid, order, committed)
    assert history(order) == ["PAID"]
    assert AlipayOrderSync.objects.filter(order=order).count() == 1


def test_a_late_event_is_skipped_never_sent_backwards(carriers, committed):
    order = alipay_order()
    happened(receivers.alipay_order_delivered, order, committed)
    happened(receivers.alipay_order_paid, order, committed)  # arrived late
    assert history(order) == ["SIGNED"]
    assert AlipayOrderSync.objects.get(order=order, status=Status.PAID).state == State.SKIPPED


def test_a_failure_is_retried_with_backoff_and_later_statuses_wait(carriers, committed):
    order = alipay_order()
    faults.set_fault("alipay", "http_500")
    happened(receivers.alipay_order_paid, order, committed)
    paid = AlipayOrderSync.objects.get(order=order, status=Status.PAID)
    assert paid.state == State.PENDING and paid.attempts == 1 and paid.next_attempt_at > timezone.now()
    happened(receivers.alipay_order_delivered, order, committed)
    assert not SandboxAlipayOrder.objects.exists()  # SIGNED waits behind PAID

    later = paid.next_attempt_at + dt.timedelta(seconds=1)
    assert alipay_orders.due_orders(now=later) == [order.pk]
    assert alipay_orders.push_order_syncs(order_id=order.pk, now=later) == 2
    assert history(order) == ["PAID", "SIGNED"]


def test_a_refused_sync_fails_and_operations_see_it_in_chinese(carriers, committed, client):
    order = paid_order(method="alipay")  # no trade at Alipay: it was not paid in the mini program
    happened(receivers.alipay_order_paid, order, committed)
    sync = AlipayOrderSync.objects.get(order=order)
    assert (sync.state, sync.error_code) == (State.FAILED, "TRADE_NOT_EXIST")

    client.force_login(StaffFactory(is_superuser=True))
    page = client.get(reverse("admin:logistics_alipayordersync_changelist")).content.decode()
    assert "同步失败" in page and "交易不存在" in page
    page = client.get(reverse("admin:storefront_operationsorder_change", args=[order.pk])).content.decode()
    assert "支付宝订单中心：已付款" in page


def test_a_wechat_order_is_not_synced_to_alipay(carriers, committed):
    order = paid_order()
    happened(receivers.alipay_order_paid, order, committed)
    assert not AlipayOrderSync.objects.exists()
