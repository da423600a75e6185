"""Alipay writes every amount as yuan with at most two decimals ("68", "68.5", "68.00"), and
the kit reads nothing else: a correctly signed notification whose amount is "68.004", "6.8e1",
"+68.00", " 68.00" or "068" is refused and the order stays unpaid, never rounded to 68.00.
The same reader serves trade.query, the refund answers and the bills; a paid trade must name
its trade_no."""

import io
import zipfile
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from django.utils import timezone

from platforms.alipay.pay import alipay_yuan, parse_bill
from platforms.base import InvalidNotification, PlatformError, get_payment_provider
from platforms.sandbox import faults
from platforms.sandbox.alipay_gateway import notification_content, rsa2_sign
from platforms.sandbox.alipay_views import bill_csv
from platforms.sandbox.models import Delivery
from storefront.payments.models import NotificationLog, PaymentTransaction, Refund
from tests.conftest import client_for
from tests.factories import member_with_identity, pending_order

# What Alipay never writes, each once taken for 68.00 (or for another number) before.
NOT_ALIPAYS = [
    "68.004",  # a third decimal
    "68.005",
    "6.8e1",  # an exponent
    "6.8E1",
    "+68.00",  # a sign
    "-68.00",
    " 68.00",  # spaces
    "68.00 ",
    "68.00\n",
    "068",  # a leading zero
    "068.00",
    "68.",
    ".5",
    "6_8.00",  # Python's digit separator
    "68,00",
    "٦٨.٠٠",  # Arabic-Indic digits, which Decimal reads as 68.00
    "６８.００",  # full-width digits
    "NaN",
    "Infinity",
    "0x44",
]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def shopper_paid_at_alipay(api, committed, price="68.00"):
    """A shopper's pending order paid in Alipay's cashier, its notification held back by the
    sandbox: (order, the notification's fields as Alipay signed them)."""
    member = member_with_identity("alipay")
    order = pending_order(user=member, price=Decimal(price), method="alipay")
    answer = client_for(member).post(f"/api/v1/orders/{order.number}/pay/", {"provider": "alipay"}, format="json")
    assert answer.status_code == 200, answer.json()
    faults.set_fault("alipay", "delayed_notification")
    with committed():
        done = api.post("/sandbox/alipay/complete/", {"trade_no": answer.json()["trade_no"]}, format="json")
    assert done.status_code == 200, done.content
    held = Delivery.objects.get(platform="alipay", event_type="TRADE_SUCCESS")
    return order, dict(parse_qsl(held.body, keep_blank_values=True))


def signed(fields: dict, **changes) -> bytes:
    """The form with `changes`, signed again with the sandbox's Alipay key: as if Alipay wrote it."""
    form = {k: v for k, v in {**fields, **changes}.items() if k not in ("sign", "sign_type")}
    return urlencode({**form, "sign_type": "RSA2", "sign": rsa2_sign(notification_content(form))}).encode()


def notify(api, body: bytes):
    return api.generic("POST", "/api/v1/notify/alipay/", body, content_type="application/x-www-form-urlencoded")


def assert_unpaid(order):
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert not PaymentTransaction.objects.exists()


# --- notifications ---------------------------------------------------------------------------------
@pytest.mark.parametrize("amount", NOT_ALIPAYS)
def test_a_signed_notification_with_an_amount_alipay_never_writes_is_refused_and_the_order_stays_unpaid(
    api, committed, amount
):
    order, fields = shopper_paid_at_alipay(api, committed)

    answer = notify(api, signed(fields, total_amount=amount))

    assert (answer.status_code, answer.content) == (400, b"fail")
    assert_unpaid(order)
    log = NotificationLog.objects.get()
    assert (log.verified, log.outcome) == (False, "rejected")
    assert log.reason.startswith("bad_amount:") and repr(amount) in log.reason


@pytest.mark.parametrize("field", ["receipt_amount", "buyer_pay_amount", "invoice_amount", "point_amount"])
def test_any_amount_of_the_notification_in_another_form_refuses_it_even_one_the_kit_does_not_use(api, committed, field):
    order, fields = shopper_paid_at_alipay(api, committed)

    answer = notify(api, signed(fields, **{field: "68.004"}))

    assert answer.status_code == 400
    assert_unpaid(order)
    assert NotificationLog.objects.get().reason.startswith("bad_amount:")


@pytest.mark.parametrize(
    ("price", "written"), [("68.00", "68.00"), ("68.00", "68"), ("68.50", "68.5"), ("0.01", "0.01")]
)
def test_the_forms_alipay_writes_pay_the_order(api, committed, price, written):
    order, fields = shopper_paid_at_alipay(api, committed, price=price)

    with committed():
        answer = notify(api, signed(fields, total_amount=written))

    assert (answer.status_code, answer.content) == (200, b"success")
    order.refresh_from_db()
    assert order.status == "paid"
    assert PaymentTransaction.objects.get().amount == Decimal(price)


def test_a_refused_amount_then_alipays_own_notification_pays_once(api, committed):
    order, fields = shopper_paid_at_alipay(api, committed)
    assert notify(api, signed(fields, total_amount="6.8e1")).status_code == 400
    assert_unpaid(order)

    with committed():
        answer = notify(api, signed(fields))  # Alipay retries with what it signed: "68.00"

    assert answer.content == b"success"
    order.refresh_from_db()
    assert order.status == "paid"
    assert PaymentTransaction.objects.count() == 1


@pytest.mark.parametrize("trade_no", ["", "   "])
def test_a_paid_notification_without_trade_no_is_refused(api, committed, trade_no):
    order, fields = shopper_paid_at_alipay(api, committed)

    answer = notify(api, signed(fields, trade_no=trade_no))

    assert answer.status_code == 400
    assert_unpaid(order)
    assert NotificationLog.objects.get().reason.startswith("missing_transaction_id:")


def test_a_refund_notification_with_a_refund_amount_in_another_form_is_refused_and_the_refund_stays_in_flight(
    api, committed
):
    from storefront.payments.refunds import start_refund

    order, fields = shopper_paid_at_alipay(api, committed)
    with committed():
        assert notify(api, signed(fields)).content == b"success"
    faults.set_fault("alipay", "refund_pending")  # Alipay answers fund_change=N: the notification decides
    with committed():
        refund = start_refund(order=order, amount=Decimal("8.00"), key="AS1")
    assert Refund.objects.get().status == Refund.Status.PROCESSING
    form = {
        **fields,
        "out_biz_no": refund.out_refund_no,
        "trade_status": "TRADE_SUCCESS",
        "refund_fee": "8.00",
        "send_back_fee": "8.004",
    }

    answer = notify(api, signed(form))

    assert answer.status_code == 400
    refund.refresh_from_db()
    order.refresh_from_db()
    assert (refund.status, order.status) == (Refund.Status.PROCESSING, "refunding")
    assert NotificationLog.objects.latest("id").reason.startswith("bad_amount:")


def test_the_adapter_refuses_the_notification_itself(pay, api, committed):
    _, fields = shopper_paid_at_alipay(api, committed)
    with pytest.raises(InvalidNotification) as caught:
        pay.parse_notification(headers={}, body=signed(fields, total_amount="068"))
    assert caught.value.code == "bad_amount"
    assert pay.parse_notification(headers={}, body=signed(fields, total_amount="68")).trade.amount == Decimal("68.00")


# --- trade.query, refund answers ------------------------------------------------------------------
@pytest.fixture
def doctored(monkeypatch):
    """answers[method] = changes: the kit's Alipay client gets the sandbox's answer to that
    method with those fields changed (as if Alipay had signed them)."""
    answers = {}
    client = get_payment_provider("alipay").client
    original = client.call

    def call(method, biz_content=None, **params):
        body = original(method, biz_content, **params)
        return {**body, **answers.get(method, {})}

    monkeypatch.setattr(client, "call", call)
    return answers


def test_a_trade_query_with_an_amount_in_another_form_leaves_the_order_unpaid(api, committed, doctored):
    order, _ = shopper_paid_at_alipay(api, committed)
    shopper = client_for(order.user)
    doctored["alipay.trade.query"] = {"total_amount": "+68.00"}

    with pytest.raises(PlatformError) as caught:
        get_payment_provider("alipay").query(order.number)
    assert caught.value.code == "bad_amount"
    with committed():
        status = shopper.post(f"/api/v1/orders/{order.number}/payment-status/").json()
    assert status["status"] == "pending_payment"
    assert_unpaid(order)

    doctored.clear()  # Alipay's own answer: paid
    with committed():
        assert shopper.post(f"/api/v1/orders/{order.number}/payment-status/").json()["status"] == "paid"


def test_a_paid_trade_query_without_trade_no_is_not_believed(api, committed, doctored):
    order, _ = shopper_paid_at_alipay(api, committed)
    doctored["alipay.trade.query"] = {"trade_no": ""}

    with pytest.raises(PlatformError) as caught:
        get_payment_provider("alipay").query(order.number)

    assert caught.value.code == "missing_transaction_id"


def test_a_refund_answer_with_an_amount_in_another_form_keeps_the_refund_in_flight_not_failed(api, committed, doctored):
    """A refund Alipay took is never taken for refused (it could be started again and paid
    twice): the refund query, in Alipay's own form, settles it."""
    from storefront.payments.refunds import start_refund, sync_refund

    order, fields = shopper_paid_at_alipay(api, committed)
    with committed():
        notify(api, signed(fields))
    faults.set_fault("alipay", "delayed_notification")  # its refund notification is late
    doctored["alipay.trade.refund"] = {"send_back_fee": "8.004"}
    with committed():
        refund = start_refund(order=order, amount=Decimal("8.00"), key="AS1")
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PROCESSING

    doctored["alipay.trade.fastpay.refund.query"] = {"refund_amount": "8.0000"}
    sync_refund(refund)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PROCESSING  # a malformed answer changes nothing

    doctored.clear()
    sync_refund(refund)
    refund.refresh_from_db()
    assert (refund.status, refund.amount) == (Refund.Status.SUCCESS, Decimal("8.00"))


# --- bills -----------------------------------------------------------------------------------------
def bill_zip_with(text: str) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("20881234_业务明细.csv", text.encode("gbk"))
    return archive.getvalue()


def test_a_bill_reads_payments_and_negative_refunds_and_refuses_an_amount_in_another_form(api, committed):
    from storefront.payments.refunds import start_refund

    order, fields = shopper_paid_at_alipay(api, committed)
    with committed():
        notify(api, signed(fields))
    with committed():
        start_refund(order=order, amount=Decimal("8.00"), key="AS1")
    text = bill_csv(timezone.localdate())
    assert "-8.00" in text  # Alipay writes a refund's amount negative

    lines = parse_bill(bill_zip_with(text))
    assert sorted((line.kind, line.amount) for line in lines) == [
        ("payment", Decimal("68.00")),
        ("refund", Decimal("8.00")),
    ]
    for bad in ("68.004", "6.8e1", "068.00"):  # (cells are stripped of their tab padding first)
        with pytest.raises(PlatformError) as caught:
            parse_bill(bill_zip_with(text.replace("68.00", bad)))
        assert caught.value.code == "bad_bill" and repr(bad) in caught.value.message


def test_the_one_reader_of_alipay_amounts():
    assert [alipay_yuan(text) for text in ("0", "0.01", "68", "68.5", "68.00", "9999999999.99")] == [
        Decimal("0.00"),
        Decimal("0.01"),
        Decimal("68.00"),
        Decimal("68.50"),
        Decimal("68.00"),
        Decimal("9999999999.99"),
    ]
    assert alipay_yuan("-8.00", signed=True) == Decimal("-8.00")
    for value in [*NOT_ALIPAYS, "", "10000000000", None, 68, Decimal("68.00"), 68.0]:
        with pytest.raises(PlatformError) as caught:
            alipay_yuan(value)
        assert caught.value.code == "bad_amount"


def test_the_sandbox_notification_itself_is_in_alipays_form(api, committed):
    _, fields = shopper_paid_at_alipay(api, committed)
    amounts = {k: v for k, v in fields.items() if k.endswith("_amount")}
    assert amounts["total_amount"] == "68.00"
    assert [alipay_yuan(v) for v in amounts.values()]  # none refused
