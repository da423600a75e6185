"""WeChat Pay writes amounts as whole fen in JSON ("total": 6800) and names every paid
transaction: a correctly signed notification whose total is a float, a string, a bool or
negative, or whose transaction_id is empty, is refused and nothing is paid. Query and refund
answers are read the same way."""

import json
from decimal import Decimal

import pytest

from config.money import MoneyFormatError, parse_fen
from platforms.base import InvalidNotification, PlatformError, get_payment_provider
from platforms.sandbox import delivery, faults
from platforms.sandbox.models import PayTrade
from platforms.sandbox.wechatpay_views import notification_body, pay_trade, signed_headers
from storefront.payments.models import NotificationLog, PaymentTransaction, Refund
from tests.conftest import client_for
from tests.factories import member_with_identity, pending_order

pytestmark = pytest.mark.django_db

NOT_FEN = [68.0, 6800.0, "6800", "68.00", True, False, -6800, None, [6800], {"fen": 6800}]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def shopper_paid_at_wechat(api, committed, price="68.00"):
    """A shopper's pending order paid in WeChat Pay, its notification held back by the sandbox:
    (order, the sandbox's trade)."""
    member = member_with_identity("wechat")
    order = pending_order(user=member, price=Decimal(price))
    answer = client_for(member).post(f"/api/v1/orders/{order.number}/pay/", {"provider": "wechat"}, format="json")
    assert answer.status_code == 200, answer.json()
    faults.set_fault("wechatpay", "delayed_notification")
    trade = PayTrade.objects.get(out_trade_no=order.number)
    with committed():
        pay_trade(trade, success=True)
    trade.refresh_from_db()
    return order, trade


def resource_of(trade, **changes) -> dict:
    """The TRANSACTION.SUCCESS resource WeChat Pay sends for the trade, with `changes`."""
    resource = {
        "appid": trade.appid,
        "mchid": trade.mchid,
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.transaction_id,
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "success_time": "2026-11-25T12:00:00+08:00",
        "payer": {"openid": trade.payer_openid},
        "amount": {"total": trade.total, "payer_total": trade.total, "currency": "CNY", "payer_currency": "CNY"},
    }
    return {**resource, **changes}


def notify(api, resource: dict, event_type="TRANSACTION.SUCCESS"):
    body = notification_body(event_type, resource)
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in signed_headers(body).items()}
    return api.generic("POST", "/api/v1/notify/wechatpay/", body, content_type="application/json", **meta)


def assert_unpaid(order):
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert not PaymentTransaction.objects.exists()


# --- notifications ---------------------------------------------------------------------------------
@pytest.mark.parametrize("total", NOT_FEN)
def test_a_signed_notification_whose_total_is_not_whole_fen_is_refused_and_nothing_is_paid(api, committed, total):
    order, trade = shopper_paid_at_wechat(api, committed)
    resource = resource_of(trade)
    resource["amount"]["total"] = total

    answer = notify(api, resource)

    assert answer.status_code == 400 and answer.json()["code"] == "FAIL"
    assert_unpaid(order)
    log = NotificationLog.objects.get()
    assert (log.verified, log.outcome) == (False, "rejected")
    assert log.reason.startswith("bad_amount:")


@pytest.mark.parametrize("payer_total", [68.0, "6800", -1])
def test_a_payer_total_that_is_not_whole_fen_refuses_the_notification_too(api, committed, payer_total):
    order, trade = shopper_paid_at_wechat(api, committed)
    resource = resource_of(trade)
    resource["amount"]["payer_total"] = payer_total

    assert notify(api, resource).status_code == 400
    assert_unpaid(order)


@pytest.mark.parametrize("transaction_id", ["", "   ", None, 4200000001])
def test_a_success_notification_without_a_transaction_id_is_refused_and_nothing_is_stored(
    api, committed, transaction_id
):
    order, trade = shopper_paid_at_wechat(api, committed)

    answer = notify(api, resource_of(trade, transaction_id=transaction_id))

    assert answer.status_code == 400
    assert_unpaid(order)
    assert NotificationLog.objects.get().reason.startswith("missing_transaction_id:")


def test_a_success_notification_missing_the_transaction_id_field_is_refused(api, committed):
    order, trade = shopper_paid_at_wechat(api, committed)
    resource = resource_of(trade)
    del resource["transaction_id"]

    assert notify(api, resource).status_code == 400
    assert_unpaid(order)


def test_after_a_refused_one_wechat_pays_own_notification_pays_the_order_once(api, committed):
    order, trade = shopper_paid_at_wechat(api, committed)
    assert notify(api, resource_of(trade, transaction_id="")).status_code == 400

    with committed():
        answer = notify(api, resource_of(trade))

    assert answer.status_code == 204
    order.refresh_from_db()
    assert order.status == "paid"
    txn = PaymentTransaction.objects.get()
    assert (txn.transaction_id, txn.amount) == (trade.transaction_id, Decimal("68.00"))


def test_a_refund_notification_whose_refund_is_not_whole_fen_is_refused_and_the_refund_stays_in_flight(api, committed):
    from storefront.payments.refunds import start_refund

    order, trade = shopper_paid_at_wechat(api, committed)
    with committed():
        assert notify(api, resource_of(trade)).status_code == 204
    faults.set_fault("wechatpay", "delayed_notification")  # WeChat Pay's own refund notification is late
    with committed():
        refund = start_refund(order=order, amount=Decimal("8.00"), key="AS1")
    assert Refund.objects.get().status == Refund.Status.PROCESSING
    resource = {
        "mchid": trade.mchid,
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.transaction_id,
        "out_refund_no": refund.out_refund_no,
        "refund_id": "50000000001",
        "refund_status": "SUCCESS",
        "success_time": "2026-11-25T12:30:00+08:00",
        "amount": {"total": 6800, "refund": 800.0, "payer_total": 6800, "payer_refund": 800},
    }

    answer = notify(api, resource, event_type="REFUND.SUCCESS")

    assert answer.status_code == 400
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PROCESSING
    assert NotificationLog.objects.latest("id").reason.startswith("bad_amount:")


# --- query and refund answers ------------------------------------------------------------------------
def answering(monkeypatch, method: str, change):
    """The adapter's `method` call answers the sandbox's JSON changed by change(data)."""
    client = get_payment_provider("wechat")._client
    original = getattr(client, method)

    def call(**kwargs):
        status, text = original(**kwargs)
        data = json.loads(text)
        change(data)
        return status, json.dumps(data)

    monkeypatch.setattr(client, method, call)


def test_a_query_answering_success_without_transaction_id_leaves_the_order_unpaid(api, committed, monkeypatch):
    order, _ = shopper_paid_at_wechat(api, committed)
    answering(monkeypatch, "query", lambda data: data.update(transaction_id=""))

    with pytest.raises(PlatformError) as caught:
        get_payment_provider("wechat").query(order.number)
    assert caught.value.code == "missing_transaction_id"
    with committed():
        status = client_for(order.user).post(f"/api/v1/orders/{order.number}/payment-status/").json()
    assert status["status"] == "pending_payment"
    assert_unpaid(order)


def test_a_query_answering_a_float_total_is_not_believed(api, committed, monkeypatch):
    order, _ = shopper_paid_at_wechat(api, committed)
    answering(monkeypatch, "query", lambda data: data["amount"].update(total=6800.0))

    with pytest.raises(PlatformError) as caught:
        get_payment_provider("wechat").query(order.number)

    assert caught.value.code == "bad_amount"


def test_a_refund_answer_whose_amount_is_not_whole_fen_keeps_the_refund_in_flight_not_failed(
    api, committed, monkeypatch
):
    """A refund WeChat Pay took is never taken for refused (it could be started again and paid
    twice): the refund notification settles it."""
    from storefront.payments.refunds import start_refund

    order, trade = shopper_paid_at_wechat(api, committed)
    with committed():
        notify(api, resource_of(trade))
    answering(monkeypatch, "refund", lambda data: data["amount"].update(refund="800"))
    faults.set_fault("wechatpay", "delayed_notification")
    with committed():
        refund = start_refund(order=order, amount=Decimal("8.00"), key="AS1")
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PROCESSING

    with committed():
        delivery.flush()  # WeChat Pay's own refund notification, in whole fen

    refund.refresh_from_db()
    assert (refund.status, refund.amount) == (Refund.Status.SUCCESS, Decimal("8.00"))


def test_the_adapter_refuses_the_notification_itself(wechatpay, api, committed):
    _, trade = shopper_paid_at_wechat(api, committed)
    resource = resource_of(trade)
    resource["amount"]["total"] = True
    body = notification_body("TRANSACTION.SUCCESS", resource)
    with pytest.raises(InvalidNotification) as caught:
        wechatpay.parse_notification(headers=signed_headers(body), body=body.encode())
    assert caught.value.code == "bad_amount"


def test_whole_fen_are_int_from_zero():
    assert [parse_fen(value) for value in (0, 1, 6800, 10**12 - 1)] == [0, 1, 6800, 10**12 - 1]
    for value in [*NOT_FEN, 10**12]:
        with pytest.raises(MoneyFormatError):
            parse_fen(value)
