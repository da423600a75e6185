"""Alipay payments against the sandbox: a shopper pays, the kit queries, closes, refunds,
reads notifications (and refuses forged ones) and reconciles the daily bill."""

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from django.utils import timezone
from freezegun import freeze_time

from platforms.base import InvalidNotification, PlatformError
from platforms.sandbox.alipay_gateway import notification_content, rsa2_sign
from platforms.sandbox.alipay_models import AlipayTrade
from platforms.sandbox.alipay_notify import pay_trade
from platforms.sandbox.models import Delivery
from tests.platforms.alipay.conftest import NOTIFY_URL

BUYER = "2088000011112222"


def prepay(pay, out_trade_no="A20261125001", amount="12.50", payer_id=BUYER):
    return pay.prepay(
        out_trade_no=out_trade_no,
        amount=Decimal(amount),
        description="Longjing 250 g",
        payer_id=payer_id,
        expires_at=timezone.now() + dt.timedelta(minutes=30),
        notify_url=NOTIFY_URL,
    )


def paid_trade(pay, out_trade_no="A20261125001", amount="12.50"):
    result = prepay(pay, out_trade_no, amount)
    pay_trade(result.reference)
    return result


def last_form() -> dict:
    return dict(parse_qsl(Delivery.objects.filter(platform="alipay").latest("id").body))


def resign(form: dict, **changes) -> bytes:
    """A notification Alipay's key really signed, but with other content (tests of the id checks)."""
    form = {k: v for k, v in {**form, **changes}.items() if k not in ("sign", "sign_type") and v is not None}
    return urlencode({**form, "sign_type": "RSA2", "sign": rsa2_sign(notification_content(form))}).encode()


# --- prepay, query, close ------------------------------------------------------------------------------------
def test_prepay_creates_a_jsapi_trade_and_gives_the_trade_no_for_my_trade_pay(pay):
    result = prepay(pay)
    trade = AlipayTrade.objects.get(out_trade_no="A20261125001")
    assert result.reference == trade.trade_no
    assert result.client_params == {"tradeNO": trade.trade_no}
    assert trade.total_amount == Decimal("12.50")
    assert trade.buyer_id == BUYER
    assert trade.notify_url == NOTIFY_URL
    assert trade.status == "WAIT_BUYER_PAY"


def test_prepay_for_an_open_id_buyer_sends_buyer_open_id(pay):
    prepay(pay, payer_id="0" + "c" * 44)
    trade = AlipayTrade.objects.get()
    assert trade.buyer_open_id == "0" + "c" * 44 and trade.buyer_id == ""


def test_prepay_twice_for_the_same_order_gives_the_same_trade(pay):
    assert prepay(pay).reference == prepay(pay).reference
    assert AlipayTrade.objects.count() == 1


def test_prepay_of_a_paid_order_is_refused(pay):
    paid_trade(pay)
    with pytest.raises(PlatformError) as caught:
        prepay(pay)
    assert caught.value.code == "ACQ.TRADE_HAS_SUCCESS"


def test_query_before_payment_is_not_paid(pay):
    prepay(pay)
    state = pay.query("A20261125001")
    assert state.state == "not_paid" and not state.is_paid


def test_query_after_payment_is_paid_with_amount_payer_and_time(pay):
    result = paid_trade(pay)
    state = pay.query("A20261125001")
    assert state.is_paid
    assert state.amount == Decimal("12.50")
    assert state.transaction_id == result.reference
    assert state.payer_id == BUYER
    assert state.paid_at is not None
    assert abs((state.paid_at - timezone.now()).total_seconds()) < 60


def test_query_of_an_order_alipay_never_saw_is_not_found(pay):
    assert pay.query("A20261125999").state == "not_found"


def test_close_closes_an_unpaid_trade(pay):
    prepay(pay)
    pay.close("A20261125001")
    assert pay.query("A20261125001").state == "closed"


def test_close_of_an_order_alipay_never_saw_is_fine(pay):
    pay.close("A20261125999")


# --- refunds -----------------------------------------------------------------------------------------------------
def test_partial_refund_succeeds_and_can_be_queried(pay):
    paid_trade(pay)
    refund = pay.refund(out_trade_no="A20261125001", out_refund_no="R1", amount=Decimal("2.50"), total=Decimal("12.50"))
    assert refund.state == "success" and refund.amount == Decimal("2.50")
    queried = pay.query_refund(out_trade_no="A20261125001", out_refund_no="R1")
    assert queried.state == "success" and queried.amount == Decimal("2.50")


def test_repeating_a_refund_with_the_same_out_request_no_refunds_once(pay):
    paid_trade(pay)
    for _ in range(2):
        pay.refund(out_trade_no="A20261125001", out_refund_no="R1", amount=Decimal("2.50"), total=Decimal("12.50"))
    assert AlipayTrade.objects.get().refunded_amount == Decimal("2.50")


def test_refunding_more_than_was_paid_is_refused(pay):
    paid_trade(pay)
    with pytest.raises(PlatformError) as caught:
        pay.refund(out_trade_no="A20261125001", out_refund_no="R1", amount=Decimal("12.51"), total=Decimal("12.50"))
    assert caught.value.code == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"


def test_a_refund_alipay_does_not_show_yet_stays_processing_never_failed(pay):
    # "not returned: not received or not done", and a failed one could be sent again under a new
    # number while this one still settles: it is asked again later instead.
    paid_trade(pay)
    assert pay.query_refund(out_trade_no="A20261125001", out_refund_no="R404").state == "processing"


def test_a_full_refund_closes_the_trade_and_its_notification_says_refunded(pay):
    paid_trade(pay)
    pay.refund(out_trade_no="A20261125001", out_refund_no="R1", amount=Decimal("12.50"), total=Decimal("12.50"))
    note = pay.parse_notification(headers={}, body=Delivery.objects.latest("id").body.encode())
    assert note.kind == "refund"
    assert note.trade.state == "refunded"
    assert note.refund.out_refund_no == "R1" and note.refund.amount == Decimal("12.50")


# --- notifications ---------------------------------------------------------------------------------------------------
def test_the_payment_notification_verifies_and_says_paid(pay):
    result = paid_trade(pay)
    delivery = Delivery.objects.get(platform="alipay")
    assert delivery.url == NOTIFY_URL
    assert delivery.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    note = pay.parse_notification(headers=delivery.headers, body=delivery.body.encode())
    assert note.kind == "payment"
    assert note.notification_id == last_form()["notify_id"]
    assert note.trade.is_paid
    assert note.trade.amount == Decimal("12.50")
    assert note.trade.transaction_id == result.reference
    assert note.trade.app_id == pay.credentials.app_id
    assert note.trade.merchant_id == pay.credentials.seller_id
    assert note.trade.payer_id == BUYER


def test_a_partial_refund_notification_carries_this_refund_amount(pay):
    paid_trade(pay)
    pay.refund(out_trade_no="A20261125001", out_refund_no="R1", amount=Decimal("2.50"), total=Decimal("12.50"))
    pay.refund(out_trade_no="A20261125001", out_refund_no="R2", amount=Decimal("3.00"), total=Decimal("12.50"))
    note = pay.parse_notification(headers={}, body=Delivery.objects.latest("id").body.encode())
    assert note.kind == "refund"
    assert note.refund.out_refund_no == "R2"
    assert note.refund.amount == Decimal("3.00")
    assert note.trade.state == "paid"


def test_a_notification_without_signature_is_refused(pay):
    paid_trade(pay)
    form = last_form()
    del form["sign"]
    with pytest.raises(InvalidNotification) as caught:
        pay.parse_notification(headers={}, body=urlencode(form).encode())
    assert caught.value.code == "missing_signature"


def test_a_notification_signed_with_another_key_is_refused(pay):
    from platforms.sandbox import faults

    trade_no = prepay(pay).reference
    faults.set_fault("alipay", "wrong_signature")
    pay_trade(trade_no)
    with pytest.raises(InvalidNotification) as caught:
        pay.parse_notification(headers={}, body=Delivery.objects.get().body.encode())
    assert caught.value.code == "invalid_signature"


def test_a_notification_with_a_tampered_amount_is_refused(pay):
    paid_trade(pay)
    form = {**last_form(), "total_amount": "0.01"}
    with pytest.raises(InvalidNotification) as caught:
        pay.parse_notification(headers={}, body=urlencode(form).encode())
    assert caught.value.code == "invalid_signature"


def test_a_notification_for_another_app_is_refused_even_when_alipay_signed_it(pay):
    paid_trade(pay)
    with pytest.raises(InvalidNotification) as caught:
        pay.parse_notification(headers={}, body=resign(last_form(), app_id="2021000000009999"))
    assert caught.value.code == "wrong_app_id"


def test_a_notification_for_another_seller_is_refused(pay):
    paid_trade(pay)
    with pytest.raises(InvalidNotification) as caught:
        pay.parse_notification(headers={}, body=resign(last_form(), seller_id="2088999999999999"))
    assert caught.value.code == "wrong_merchant"


def test_a_notification_without_seller_is_refused(pay):
    paid_trade(pay)
    with pytest.raises(InvalidNotification) as caught:
        pay.parse_notification(headers={}, body=resign(last_form(), seller_id=None))
    assert caught.value.code == "wrong_merchant"


def test_a_notification_with_an_unknown_status_is_refused(pay):
    paid_trade(pay)
    with pytest.raises(InvalidNotification) as caught:
        pay.parse_notification(headers={}, body=resign(last_form(), trade_status="TRADE_PENDING"))
    assert caught.value.code == "unknown_status"


def test_a_signed_notification_with_a_non_numeric_amount_is_refused(pay):
    paid_trade(pay)
    with pytest.raises(InvalidNotification):
        pay.parse_notification(headers={}, body=resign(last_form(), total_amount="12,50"))


def test_a_closed_trade_notification_is_read_as_closed_not_paid(pay):
    paid_trade(pay)
    note = pay.parse_notification(headers={}, body=resign(last_form(), trade_status="TRADE_CLOSED"))
    assert note.trade.state == "closed" and not note.trade.is_paid


@pytest.mark.parametrize("body", [b"", b"\xff\xfe", b"a=1&a=2&sign=x", b"just text"])
def test_a_malformed_body_is_refused(pay, body):
    with pytest.raises(InvalidNotification):
        pay.parse_notification(headers={}, body=body)


def test_acknowledge_answers_alipay_in_plain_text(pay):
    ok = pay.acknowledge(ok=True)
    assert (ok.status_code, ok.content) == (200, b"success")
    refused = pay.acknowledge(ok=False, message="invalid notification")
    assert refused.status_code == 400 and refused.content == b"fail"


# --- the statement --------------------------------------------------------------------------------------------------
def test_the_daily_statement_lists_payments_and_refunds(pay):
    first = paid_trade(pay, "A20261125001", "12.50")
    paid_trade(pay, "A20261125002", "30.00")
    prepay(pay, "A20261125003", "8.00")  # never paid: not in the bill
    pay.refund(out_trade_no="A20261125001", out_refund_no="R1", amount=Decimal("2.50"), total=Decimal("12.50"))
    today = timezone.localdate()
    with freeze_time(
        dt.datetime.combine(today + dt.timedelta(days=1), dt.time(9, 30), tzinfo=timezone.get_current_timezone())
    ):
        lines = pay.statement(today)
    payments = {line.out_trade_no: line for line in lines if line.kind == "payment"}
    refunds = [line for line in lines if line.kind == "refund"]
    assert set(payments) == {"A20261125001", "A20261125002"}
    assert payments["A20261125001"].amount == Decimal("12.50")
    assert payments["A20261125001"].transaction_id == first.reference
    assert len(refunds) == 1
    assert (refunds[0].out_refund_no, refunds[0].amount) == ("R1", Decimal("2.50"))


def test_the_statement_of_a_quiet_day_is_empty(pay):
    assert pay.statement(timezone.localdate() - dt.timedelta(days=3)) == []


def test_a_future_day_has_no_bill_yet(pay):
    with pytest.raises(PlatformError) as caught:
        pay.statement(timezone.localdate() + dt.timedelta(days=1))
    assert caught.value.code == "bill_not_ready" and caught.value.retryable
