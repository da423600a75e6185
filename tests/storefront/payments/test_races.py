"""Races and faults on PostgreSQL, through the real WeChat Pay adapter and the sandbox's
signed notifications: each notification counts once, a payment racing the unpaid-order
cancellation ends paid or refunded (never both, never neither), and a handler failing
midway is retried to completion."""

import time

import pytest
from django.db import DatabaseError
from django.test import Client

from platforms.base import reset_platform_clients
from storefront.payments import services as payments
from storefront.payments.models import NotificationLog, PaymentAttempt, PaymentTransaction, Refund
from tests.concurrency import run_concurrently
from tests.factories import member_with_identity, pending_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.SANDBOX_DELIVERY = "inline"
    reset_platform_clients()
    yield
    reset_platform_clients()


def paid_in_sandbox(order, member):
    """The payer has paid in the sandbox; its signed notification is held back and returned
    (headers as Django test client extras, body) for the test to deliver."""
    from platforms.sandbox import faults
    from platforms.sandbox.models import Delivery, PayTrade
    from platforms.sandbox.wechatpay_views import pay_trade

    attempt = payments.start_payment(order=order, member=member, provider="wechat")
    faults.set_fault("wechatpay", "delayed_notification")
    pay_trade(PayTrade.objects.get(prepay_id=attempt.reference), success=True)
    delivery = Delivery.objects.filter(platform="wechatpay").latest("id")
    extra = {
        f"HTTP_{k.upper().replace('-', '_')}": v for k, v in delivery.headers.items() if k.lower() != "content-type"
    }
    return extra, delivery.body


def deliver(extra, body):
    return Client().generic("POST", "/api/v1/notify/wechatpay/", body, content_type="application/json", **extra)


def test_the_same_notification_ten_times_at_once_pays_once_and_notifies_once():
    from platforms.models import NoticeGrant, NoticeLog, NoticeTemplate

    member = member_with_identity("wechat")
    order = pending_order(user=member, quantity=2)
    NoticeTemplate.objects.create(
        platform="wechat", event="order_paid", template_id="tpl-paid", field_map={"character_string1": "{order_number}"}
    )
    NoticeGrant.objects.create(member=member, platform="wechat", template_id="tpl-paid", remaining=5)
    from storefront.orders.events import order_paid

    hook_calls = []
    order_paid.connect(lambda sender, order, **kw: hook_calls.append(order), weak=False, dispatch_uid="test-race")
    extra, body = paid_in_sandbox(order, member)
    try:
        results = run_concurrently(lambda i: deliver(extra, body).status_code, times=10)
    finally:
        order_paid.disconnect(dispatch_uid="test-race")

    assert results.errors == []
    assert results.values == [204] * 10
    order.refresh_from_db()
    assert order.status == "paid"
    assert PaymentTransaction.objects.count() == 1
    assert len(hook_calls) == 1
    assert NoticeLog.objects.filter(event="order_paid").count() == 1
    assert order.status_changes.filter(new_status="paid").count() == 1
    outcomes = sorted(NotificationLog.objects.values_list("outcome", flat=True))
    assert outcomes == ["duplicate"] * 9 + ["processed"]


@pytest.mark.parametrize("round_", range(4))
@pytest.mark.parametrize("cancel_with", ["unpaid_order_task", "direct_cancel"])
def test_a_notification_racing_the_cancellation_ends_paid_or_cancelled_and_refunded(cancel_with, round_):
    from storefront.orders.errors import InvalidOrderState
    from storefront.orders.status import change_order_status
    from storefront.payments.unpaid import cancel_unpaid_order

    member = member_with_identity("wechat")
    order = pending_order(user=member)
    extra, body = paid_in_sandbox(order, member)

    def race(i):
        if i == 0:
            return deliver(extra, body).status_code
        try:
            if cancel_with == "unpaid_order_task":
                cancel_unpaid_order(order=order, actor="system:unpaid-timeout", reason="race")
            else:
                # The task asked the provider a moment before the payer paid; it reaches the
                # cancellation a little later each round, so either side may win.
                time.sleep(0.03 * round_)
                change_order_status(order, "cancelled", actor="system:unpaid-timeout", reason="race")
        except InvalidOrderState:
            return "already paid"
        return "cancelled"

    results = run_concurrently(race, times=2)

    assert results.errors == []
    assert 204 in results.values
    order.refresh_from_db()
    txn = PaymentTransaction.objects.get()
    if order.status == "paid":
        assert txn.status == "paid"
        assert not Refund.objects.exists()
        assert "already paid" in results.values
    else:
        assert order.status == "cancelled"
        assert txn.status == "late"
        refund = Refund.objects.get()
        assert (refund.status, refund.amount) == ("success", txn.amount)


def test_a_notification_failing_midway_is_retried_to_completion(monkeypatch):
    member = member_with_identity("wechat")
    order = pending_order(user=member)
    extra, body = paid_in_sandbox(order, member)
    original = payments.SourceType.objects.get_or_create

    def broken(*args, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(payments.SourceType.objects, "get_or_create", broken)
    first = deliver(extra, body)
    monkeypatch.setattr(payments.SourceType.objects, "get_or_create", original)

    assert first.status_code >= 400 and first.json()["code"] == "FAIL"
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert not PaymentTransaction.objects.exists()
    assert PaymentAttempt.objects.get().status == "open"

    second = deliver(extra, body)

    assert second.status_code == 204
    order.refresh_from_db()
    assert order.status == "paid"
    assert order.sources.get().amount_debited == order.total_incl_tax
    assert list(NotificationLog.objects.order_by("pk").values_list("outcome", flat=True)) == ["error", "processed"]


def test_the_first_payments_of_a_new_shop_arriving_together_are_all_recorded():
    """No payment source type exists yet: eight orders' notifications at once must not
    create two "WeChat Pay" types (after which every later payment would fail)."""
    from oscar.apps.payment.models import SourceType

    SourceType.objects.all().delete()
    deliveries = []
    orders = []
    for _ in range(8):
        member = member_with_identity("wechat")
        order = pending_order(user=member)
        orders.append(order)
        deliveries.append(paid_in_sandbox(order, member))

    results = run_concurrently(lambda i: deliver(*deliveries[i]).status_code, times=8)

    assert results.errors == []
    assert results.values == [204] * 8
    assert SourceType.objects.filter(name="WeChat Pay").count() == 1
    for order in orders:
        order.refresh_from_db()
        assert order.status == "paid"
