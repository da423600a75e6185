"""Refunds: full and partial, idempotent, completed by the provider's answer, notification or
query; late payments refunded automatically."""

from decimal import Decimal

import pytest
from oscar.apps.partner.models import StockRecord

from config.errors import KitError
from storefront.payments import refunds
from storefront.payments import services as payments
from storefront.payments.models import PaymentProblem, PaymentTransaction, Refund
from storefront.payments.unpaid import cancel_unpaid_order
from tests.factories import member_with_identity, notification_body, pending_order

pytestmark = pytest.mark.django_db


def paid_order(providers, committed, *, provider="wechat", quantity=2, price=Decimal("10.00")):
    order = pending_order(user=member_with_identity(provider), quantity=quantity, price=price, method=provider)
    with committed():
        payments.record_payment(provider=provider, trade=providers[provider].paid_trade(order))
    order.refresh_from_db()
    assert order.status == "paid"
    return order


def test_a_full_refund_moves_the_order_to_refunded(providers, committed):
    order = paid_order(providers, committed)

    with committed():
        refund = refunds.start_refund(order=order, reason="changed my mind", key="AS1")

    refund.refresh_from_db()
    order.refresh_from_db()
    assert (refund.amount, refund.status, refund.refund_id) == (
        Decimal("20.00"),
        "success",
        f"RF{refund.out_refund_no}",
    )
    assert order.status == "refunded"
    assert order.sources.get().amount_refunded == Decimal("20.00")
    assert providers["wechat"].calls_of("refund") == [("refund", refund.out_refund_no, Decimal("20.00"))]


def test_a_partial_refund_puts_the_order_back_to_paid(providers, committed):
    order = paid_order(providers, committed)

    with committed():
        refunds.start_refund(order=order, amount=Decimal("5.00"), key="AS1")

    order.refresh_from_db()
    assert order.status == "paid"
    with committed():
        refunds.start_refund(order=order, amount=Decimal("15.00"), key="AS2")
    order.refresh_from_db()
    assert order.status == "refunded"


def test_the_same_request_refunds_once(providers, committed):
    order = paid_order(providers, committed)

    with committed():
        first = refunds.start_refund(order=order, amount=Decimal("5.00"), key="AS7")
    with committed():
        again = refunds.start_refund(order=order, amount=Decimal("5.00"), key="AS7")

    assert first.pk == again.pk
    assert Refund.objects.count() == 1
    assert len(providers["wechat"].calls_of("refund")) == 1


def test_more_than_was_paid_cannot_be_refunded(providers, committed):
    order = paid_order(providers, committed)
    with committed():
        refunds.start_refund(order=order, amount=Decimal("15.00"), key="AS1")

    with pytest.raises(KitError) as raised:
        refunds.start_refund(order=order, amount=Decimal("5.01"), key="AS2")

    assert raised.value.code == "refund_exceeds_payment"


def test_an_unpaid_order_cannot_be_refunded(providers):
    order = pending_order(user=member_with_identity("wechat"))

    with pytest.raises(KitError):
        refunds.start_refund(order=order, key="AS1")


def test_a_refund_in_processing_is_completed_by_the_wechat_refund_notification(api, providers, committed):
    order = paid_order(providers, committed)
    providers["wechat"].refund_result = "processing"
    with committed():
        refund = refunds.start_refund(order=order, key="AS1")
    order.refresh_from_db()
    assert order.status == "refunding"
    refund.refresh_from_db()
    assert refund.status == "processing"

    body = notification_body(
        providers["wechat"],
        order,
        kind="refund",
        out_refund_no=refund.out_refund_no,
        state="success",
        amount="20.00",
        id="N-refund",
    )
    with committed():
        response = api.generic(
            "POST", "/api/v1/notify/wechatpay/", body, content_type="application/json", HTTP_X_FAKE_SIGNATURE="good"
        )
        again = api.generic(
            "POST", "/api/v1/notify/wechatpay/", body, content_type="application/json", HTTP_X_FAKE_SIGNATURE="good"
        )

    assert (response.status_code, again.status_code) == (204, 204)
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == "success"
    assert order.status == "refunded"
    assert order.sources.get().amount_refunded == Decimal("20.00")


def test_an_alipay_refund_in_processing_is_completed_by_the_periodic_query(providers, committed):
    order = paid_order(providers, committed, provider="alipay")
    providers["alipay"].refund_result = "processing"
    with committed():
        refund = refunds.start_refund(order=order, key="AS1")
    providers["alipay"].refunds[refund.out_refund_no] = (
        providers["alipay"]
        .refunds[refund.out_refund_no]
        .__class__(
            provider="alipay",
            out_trade_no=order.number,
            out_refund_no=refund.out_refund_no,
            state="success",
            amount=refund.amount,
        )
    )

    with committed():
        refunds.sync_open_refunds()

    refund.refresh_from_db()
    order.refresh_from_db()
    assert (refund.status, order.status) == ("success", "refunded")


def test_a_refused_refund_is_a_problem_and_the_order_goes_back(providers, committed):
    order = paid_order(providers, committed)
    providers["wechat"].refund_result = "error"

    with committed():
        refund = refunds.start_refund(order=order, key="AS1")

    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == "failed"
    assert order.status == "paid"
    assert PaymentProblem.objects.get().kind == "refund_failed"


def test_a_refund_with_the_provider_down_is_sent_later(providers, committed):
    order = paid_order(providers, committed)
    providers["wechat"].down = True
    with committed():
        refund = refunds.start_refund(order=order, key="AS1")
    refund.refresh_from_db()
    assert refund.status == "pending"

    providers["wechat"].down = False
    with committed():
        refunds.sync_open_refunds(older_than=payments.dt.timedelta(0))

    refund.refresh_from_db()
    assert refund.status == "success"


def test_returned_goods_go_back_on_sale_when_the_refund_succeeds(providers, committed):
    order = paid_order(providers, committed, quantity=3)
    line = order.lines.get()
    before = StockRecord.objects.get(pk=line.stockrecord_id).num_in_stock

    with committed():
        refunds.start_refund(order=order, amount=Decimal("20.00"), key="AS1", restock={line.pk: 2})

    assert StockRecord.objects.get(pk=line.stockrecord_id).num_in_stock == before + 2


def test_a_payment_after_the_order_was_cancelled_is_refunded_and_listed(providers, committed):
    order = pending_order(user=member_with_identity("wechat"), quantity=1)
    with committed():
        cancel_unpaid_order(order=order, actor="system:test", reason="too late")
    order.refresh_from_db()
    assert order.status == "cancelled"

    with committed():
        outcome = payments.record_payment(provider="wechat", trade=providers["wechat"].paid_trade(order))

    assert outcome == "late"
    order.refresh_from_db()
    assert order.status == "cancelled"
    txn = PaymentTransaction.objects.get()
    assert txn.status == "late"
    refund = Refund.objects.get()
    assert (refund.kind, refund.amount, refund.status) == ("late_payment", txn.amount, "success")
    assert PaymentProblem.objects.get().kind == "late_payment"


def test_a_second_payment_through_the_other_provider_is_refunded(providers, committed):
    member = member_with_identity("wechat")
    order = pending_order(user=member)
    with committed():
        payments.record_payment(provider="wechat", trade=providers["wechat"].paid_trade(order))
        payments.record_payment(provider="alipay", trade=providers["alipay"].paid_trade(order, transaction_id="A1"))

    order.refresh_from_db()
    assert order.status == "paid"
    late = PaymentTransaction.objects.get(provider="alipay")
    assert late.status == "late"
    assert late.refunds.get().status == "success"


def test_an_approved_return_refunds_through_the_provider_and_restocks(providers, committed):
    from storefront.orders.after_sales import request_refund
    from storefront.payments.refunds import approve_after_sales
    from tests.factories import StaffFactory

    order = paid_order(providers, committed, quantity=3)
    line = order.lines.get()
    stock_before = StockRecord.objects.get(pk=line.stockrecord_id).num_in_stock
    request = request_refund(
        order=order,
        member=order.user,
        kind="return_and_refund",
        reason="too bitter",
        lines=[{"line_id": line.pk, "quantity": 1}],
    )

    with committed():
        approve_after_sales(request=request, staff=StaffFactory(), restock=True)
    with committed():
        again = refunds.start_refund(order=order, amount=request.amount, key=f"AS{request.pk}")

    refund = Refund.objects.get()
    assert refund.pk == again.pk
    assert (refund.amount, refund.status, refund.kind) == (Decimal("10.00"), "success", "after_sales")
    order.refresh_from_db()
    assert order.status == "paid"
    assert StockRecord.objects.get(pk=line.stockrecord_id).num_in_stock == stock_before + 1
