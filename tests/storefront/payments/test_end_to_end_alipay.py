"""End to end through the real Alipay adapter and the sandbox: place, pay with my.tradePay's
trade_no, the signed form notification arrives, the order is paid; refunds and tampering."""

from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest

from platforms.base import reset_platform_clients
from storefront.payments.models import NotificationLog, PaymentTransaction, Refund
from tests.conftest import client_for
from tests.factories import member_with_identity, pending_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.SANDBOX_DELIVERY = "inline"
    reset_platform_clients()
    yield
    reset_platform_clients()


def pay(client, order):
    response = client.post(f"/api/v1/orders/{order.number}/pay/", {"provider": "alipay"}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["trade_no"]


def complete(api, trade_no, committed, result="success"):
    with committed():
        response = api.post("/sandbox/alipay/complete/", {"trade_no": trade_no, "result": result}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_shopper_pays_with_alipay_and_the_notification_makes_the_order_paid(api, committed):
    member = member_with_identity("alipay")
    order = pending_order(user=member, price=Decimal("12.50"), quantity=2, method="alipay")
    client = client_for(member)

    trade_no = pay(client, order)
    assert pay(client, order) == trade_no  # a repeated call reuses the trade
    complete(api, trade_no, committed)

    order.refresh_from_db()
    assert order.status == "paid"
    txn = PaymentTransaction.objects.get()
    assert (txn.provider, txn.transaction_id, txn.amount) == ("alipay", trade_no, Decimal("25.00"))
    log = NotificationLog.objects.get()
    assert (log.verified, log.outcome) == (True, "processed")


def test_with_the_alipay_notification_delayed_the_refresh_shows_paid(api, committed):
    from platforms.sandbox import delivery, faults

    member = member_with_identity("alipay")
    order = pending_order(user=member, method="alipay")
    client = client_for(member)
    trade_no = pay(client, order)
    faults.set_fault("alipay", "delayed_notification")
    complete(api, trade_no, committed)
    order.refresh_from_db()
    assert order.status == "pending_payment"

    with committed():
        detail = client.post(f"/api/v1/orders/{order.number}/payment-status/").json()

    assert detail["status"] == "paid"
    assert PaymentTransaction.objects.get().source == "query"
    with committed():
        delivery.flush()
    assert PaymentTransaction.objects.count() == 1
    assert NotificationLog.objects.get().outcome == "duplicate"


def test_a_tampered_alipay_notification_changes_nothing(api, committed):
    from platforms.sandbox import faults
    from platforms.sandbox.models import Delivery

    member = member_with_identity("alipay")
    order = pending_order(user=member, method="alipay")
    trade_no = pay(client_for(member), order)
    faults.set_fault("alipay", "delayed_notification")
    complete(api, trade_no, committed)
    fields = dict(parse_qsl(Delivery.objects.get(platform="alipay").body))
    fields["total_amount"] = "0.01"

    response = api.generic(
        "POST", "/api/v1/notify/alipay/", urlencode(fields), content_type="application/x-www-form-urlencoded"
    )

    assert (response.status_code, response.content) == (400, b"fail")
    order.refresh_from_db()
    assert order.status == "pending_payment"
    log = NotificationLog.objects.get()
    assert (log.verified, log.outcome) == (False, "rejected")


def test_alipay_full_and_partial_refunds(api, committed):
    from storefront.payments.refunds import start_refund

    member = member_with_identity("alipay")
    order = pending_order(user=member, price=Decimal("10.00"), quantity=2, method="alipay")
    complete(api, pay(client_for(member), order), committed)

    with committed():
        partial = start_refund(order=order, amount=Decimal("5.00"), key="AS1")
    order.refresh_from_db()
    assert order.status == "paid"
    with committed():
        start_refund(order=order, key="AS2")

    order.refresh_from_db()
    partial.refresh_from_db()
    assert partial.status == "success"
    assert order.status == "refunded"
    assert list(Refund.objects.order_by("pk").values_list("amount", flat=True)) == [Decimal("5.00"), Decimal("15.00")]


def test_alipay_reconciliation_is_clean_then_finds_a_planted_mismatch(api, committed):
    import datetime as dt

    from django.utils import timezone
    from freezegun import freeze_time

    from platforms.sandbox.alipay_models import AlipayTrade
    from storefront.payments import reconciliation
    from storefront.payments.refunds import start_refund

    member = member_with_identity("alipay")
    order = pending_order(user=member, price=Decimal("10.00"), quantity=2, method="alipay")
    complete(api, pay(client_for(member), order), committed)
    with committed():
        refund = start_refund(order=order, amount=Decimal("4.00"), key="AS1")

    today = timezone.localdate()
    bill_ready = freeze_time(  # Alipay's bill of a day is there from 09:00 the next day
        dt.datetime.combine(today + dt.timedelta(days=1), dt.time(9, 30), tzinfo=timezone.get_current_timezone())
    )
    with bill_ready:
        run = reconciliation.reconcile_day(provider="alipay", day=today)
    assert run.is_clean, list(run.lines.values())
    assert (run.statement_lines, run.matched) == (2, 2)

    AlipayTrade.objects.update(total_amount=Decimal("19.00"))
    Refund.objects.filter(pk=refund.pk).update(amount=Decimal("3.00"))
    with bill_ready:
        run = reconciliation.reconcile_day(provider="alipay", day=today)

    assert sorted((line.kind, line.entry, line.their_amount, line.our_amount) for line in run.lines.all()) == [
        ("amount_differs", "payment", Decimal("19.00"), Decimal("20.00")),
        ("amount_differs", "refund", Decimal("4.00"), Decimal("3.00")),
    ]
