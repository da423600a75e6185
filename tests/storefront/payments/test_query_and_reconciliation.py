"""Asking the provider: the shopper's refresh, the unpaid-order task, and the daily statement."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from platforms.base import PlatformUnavailable, StatementLine
from storefront.payments import reconciliation, refunds
from storefront.payments import services as payments
from storefront.payments.models import PaymentAttempt, PaymentProblem, ReconciliationRun
from storefront.payments.unpaid import cancel_overdue_unpaid_orders
from tests.conftest import client_for
from tests.factories import member_with_identity, pending_order

pytestmark = pytest.mark.django_db


def order_with_prepay(provider="wechat", **kwargs):
    member = member_with_identity(provider)
    order = pending_order(user=member, method=provider, **kwargs)
    payments.start_payment(order=order, member=member, provider=provider)
    return member, order


def test_refresh_shows_paid_before_the_notification_arrives(providers, committed):
    member, order = order_with_prepay()
    providers["wechat"].paid_trade(order)

    with committed():
        response = client_for(member).post(f"/api/v1/orders/{order.number}/payment-status/")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["paid"]) == ("paid", True)
    assert body["payments"][0]["amount"] == "10.00"
    assert body["payments"][0]["refunds"] == []


def test_refresh_of_an_unpaid_order_asks_once_and_changes_nothing(providers):
    member, order = order_with_prepay()

    response = client_for(member).post(f"/api/v1/orders/{order.number}/payment-status/")

    assert response.json()["status"] == "pending_payment"
    assert len(providers["wechat"].calls_of("query")) == 1


def test_refresh_with_the_provider_down_still_answers(providers):
    member, order = order_with_prepay()
    providers["wechat"].down = True

    response = client_for(member).post(f"/api/v1/orders/{order.number}/payment-status/")

    assert response.status_code == 200
    assert response.json()["status"] == "pending_payment"


def test_refresh_of_another_shoppers_order_is_not_found(providers):
    _, order = order_with_prepay()
    stranger = member_with_identity("wechat")

    assert client_for(stranger).post(f"/api/v1/orders/{order.number}/payment-status/").status_code == 404


def test_the_unpaid_order_task_marks_a_paid_order_paid_instead_of_cancelling(providers, committed):
    _, order = order_with_prepay(pay_before=timezone.now() + dt.timedelta(seconds=1))
    providers["wechat"].paid_trade(order)

    with committed():
        cancelled = cancel_overdue_unpaid_orders(now=timezone.now() + dt.timedelta(minutes=1))

    order.refresh_from_db()
    assert (cancelled, order.status) == (0, "paid")
    assert providers["wechat"].calls_of("close") == []


def test_the_unpaid_order_task_closes_an_unpaid_order_at_the_provider_then_cancels(providers, committed):
    _, order = order_with_prepay(pay_before=timezone.now() + dt.timedelta(seconds=1))

    with committed():
        cancelled = cancel_overdue_unpaid_orders(now=timezone.now() + dt.timedelta(minutes=1))

    order.refresh_from_db()
    assert (cancelled, order.status) == (1, "cancelled")
    assert providers["wechat"].calls_of("close") == [("close", order.number)]
    assert PaymentAttempt.objects.get().status == "closed"


def test_the_unpaid_order_task_leaves_the_order_when_the_provider_is_down(providers):
    _, order = order_with_prepay()
    providers["wechat"].down = True

    with pytest.raises(PlatformUnavailable):
        payments.reconcile_before_cancel(order)
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_an_order_never_sent_to_a_provider_is_cancelled_without_asking(providers):
    order = pending_order(user=member_with_identity("wechat"))

    assert payments.reconcile_before_cancel(order) is False
    assert providers["wechat"].calls == []


def paid_today(providers, committed, provider="wechat"):
    member, order = order_with_prepay(provider)
    with committed():
        payments.record_payment(provider=provider, trade=providers[provider].paid_trade(order))
    return order


def test_reconciliation_of_a_matching_statement_is_clean(providers, committed):
    order = paid_today(providers, committed)
    with committed():
        refund = refunds.start_refund(order=order, amount=Decimal("3.00"), key="AS1")
    today = timezone.localdate()
    providers["wechat"].statement_lines = [
        StatementLine(
            provider="wechat",
            kind="payment",
            out_trade_no=order.number,
            transaction_id=f"T{order.number}",
            amount=Decimal("10.00"),
        ),
        StatementLine(
            provider="wechat",
            kind="refund",
            out_trade_no=order.number,
            transaction_id=f"T{order.number}",
            amount=Decimal("3.00"),
            out_refund_no=refund.out_refund_no,
        ),
    ]

    run = reconciliation.reconcile_day(provider="wechat", day=today)

    assert run.is_clean
    assert (run.statement_lines, run.matched) == (2, 2)
    assert not PaymentProblem.objects.exists()


def test_reconciliation_finds_planted_mismatches(providers, committed):
    ours_only = paid_today(providers, committed)
    differs = paid_today(providers, committed)
    today = timezone.localdate()
    providers["wechat"].statement_lines = [
        StatementLine(
            provider="wechat",
            kind="payment",
            out_trade_no=differs.number,
            transaction_id=f"T{differs.number}",
            amount=Decimal("9.99"),
        ),
        StatementLine(
            provider="wechat", kind="payment", out_trade_no="GHOST1", transaction_id="TGHOST", amount=Decimal("5.00")
        ),
    ]

    run = reconciliation.reconcile_day(provider="wechat", day=today)

    found = {(line.kind, line.reference) for line in run.lines.all()}
    assert found == {
        ("amount_differs", f"T{differs.number}"),
        ("missing_ours", "TGHOST"),
        ("missing_theirs", f"T{ours_only.number}"),
    }
    assert run.mismatches == 3 and not run.is_clean
    assert PaymentProblem.objects.filter(kind="reconciliation").count() == 3

    again = reconciliation.reconcile_day(provider="wechat", day=today)
    assert again.pk == run.pk and again.lines.count() == 3
    assert PaymentProblem.objects.filter(kind="reconciliation").count() == 3


def test_reconciliation_with_the_provider_down_records_the_error(providers):
    providers["alipay"].down = True

    run = reconciliation.reconcile_day(provider="alipay", day=timezone.localdate())

    assert run.error.startswith("platform_unavailable")
    assert not run.is_clean


def test_the_daily_task_reconciles_yesterday_for_every_provider(providers):
    from storefront.payments.tasks import reconcile_payments

    reconcile_payments.delay()

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert set(ReconciliationRun.objects.values_list("provider", "day")) == {
        ("wechat", yesterday),
        ("alipay", yesterday),
    }


def test_the_order_detail_with_refresh_asks_the_provider_and_lists_the_payment(providers, committed):
    member, order = order_with_prepay()
    providers["wechat"].paid_trade(order)

    with committed():
        response = client_for(member).get(f"/api/v1/orders/{order.number}/?refresh=1")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "paid"
    assert [(p["provider"], p["amount"], p["status"]) for p in body["payments"]] == [("wechat", "10.00", "paid")]


def test_the_payments_section_costs_two_queries_whatever_the_number_of_refunds(
    providers, committed, django_assert_num_queries
):
    from storefront.payments.serializers import order_detail_payments as payments_section

    order = paid_today(providers, committed)
    with django_assert_num_queries(2):
        assert len(payments_section(order)) == 1
    for key in ("AS1", "AS2", "AS3"):
        with committed():
            refunds.start_refund(order=order, amount=Decimal("1.00"), key=key)
    with django_assert_num_queries(2):
        assert len(payments_section(order)[0]["refunds"]) == 3
