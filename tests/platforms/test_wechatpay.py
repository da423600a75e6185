"""The WeChat Pay adapter against the sandbox: prepay and the wx.requestPayment signature,
query, close, refunds, statements, and every way a notification must be refused."""

import base64
import datetime as dt
import json
import time
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.utils import timezone

from platforms.base import (
    InvalidNotification,
    PlatformError,
    PlatformUnavailable,
    get_payment_provider,
    reset_platform_clients,
)
from platforms.sandbox import delivery, faults
from platforms.sandbox.models import Delivery, PayTrade
from platforms.sandbox.wechat_keys import sandbox_keys
from platforms.sandbox.wechatpay_views import complete_refund, notification_body, pay_trade, signed_headers

pytestmark = pytest.mark.django_db
NOTIFY_URL = "http://127.0.0.1:8000/api/v1/notify/wechatpay/"


def prepay(provider, number="T20261125001", amount="128.00", openid="o_payer", expires_at=None):
    # One order's prepays share its deadline, as checkout's do: WeChat Pay refuses a second
    # prepay whose time_expire differs, and two "now + 30 minutes" can fall either side of a second.
    return provider.prepay(
        out_trade_no=number,
        amount=Decimal(amount),
        description="明前龙井 250g",
        payer_id=openid,
        expires_at=expires_at or timezone.now().replace(microsecond=0) + dt.timedelta(minutes=30),
        notify_url=NOTIFY_URL,
    )


def paid(provider, number="T20261125001", amount="128.00"):
    result = prepay(provider, number, amount)
    return pay_trade(PayTrade.objects.get(prepay_id=result.reference), success=True)


def trade_resource(trade, **overrides):
    resource = {
        "appid": trade.appid,
        "mchid": trade.mchid,
        "out_trade_no": trade.out_trade_no,
        "transaction_id": "4200000001",
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "success_time": "2026-11-25T12:00:00+08:00",
        "payer": {"openid": trade.payer_openid},
        "amount": {"total": trade.total, "payer_total": trade.total, "currency": "CNY", "payer_currency": "CNY"},
    }
    resource.update(overrides)
    return resource


def signed(body, **kwargs):
    return signed_headers(body, **kwargs), body.encode()


def test_prepay_answers_the_prepay_id_and_a_pay_sign_made_with_the_merchant_key(wechatpay):
    result = prepay(wechatpay)
    trade = PayTrade.objects.get()
    assert result.reference == trade.prepay_id and trade.total == 12800
    params = result.client_params
    assert params["package"] == f"prepay_id={trade.prepay_id}" and params["signType"] == "RSA"
    message = f"{trade.appid}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    public = serialization.load_pem_public_key(sandbox_keys().merchant_public_key.encode())
    public.verify(base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())


def test_prepay_twice_for_one_order_answers_the_same_prepay(wechatpay):
    deadline = timezone.now() + dt.timedelta(minutes=30)
    assert prepay(wechatpay, expires_at=deadline).reference == prepay(wechatpay, expires_at=deadline).reference


def test_a_prepay_with_an_order_number_wechat_pay_refuses_is_a_param_error(wechatpay):
    with pytest.raises(PlatformError) as caught:
        prepay(wechatpay, number="T#1")
    assert caught.value.code == "param_error" and "out_trade_no" in caught.value.message


def test_query_tells_unpaid_then_paid_with_amount_in_yuan(wechatpay):
    prepay(wechatpay)
    assert wechatpay.query("T20261125001").state == "not_paid"
    pay_trade(PayTrade.objects.get(), success=True)
    state = wechatpay.query("T20261125001")
    assert state.is_paid and state.amount == Decimal("128.00") and state.transaction_id
    assert state.paid_at is not None and state.payer_id == "o_payer"


def test_query_of_an_order_wechat_pay_never_saw_is_not_found(wechatpay):
    assert wechatpay.query("NOPE000001").state == "not_found"


def test_close_closes_an_unpaid_order(wechatpay):
    prepay(wechatpay)
    wechatpay.close("T20261125001")
    assert wechatpay.query("T20261125001").state == "closed"


def test_closing_a_paid_order_is_refused(wechatpay):
    paid(wechatpay)
    with pytest.raises(PlatformError) as caught:
        wechatpay.close("T20261125001")
    assert caught.value.code == "orderpaid"


def test_a_refund_is_processing_then_succeeds_with_a_notification(wechatpay, django_capture_on_commit_callbacks):
    paid(wechatpay)
    with django_capture_on_commit_callbacks(execute=True):
        state = wechatpay.refund(
            out_trade_no="T20261125001",
            out_refund_no="R1",
            amount=Decimal("28.00"),
            total=Decimal("128.00"),
            reason="少发一包",
            notify_url=NOTIFY_URL,
        )
    assert state.state == "processing" and state.amount == Decimal("28.00")
    assert wechatpay.query_refund(out_trade_no="T20261125001", out_refund_no="R1").state == "success"
    sent = Delivery.objects.get(event_type="REFUND.SUCCESS")
    notification = wechatpay.parse_notification(headers=sent.headers, body=sent.body.encode())
    assert notification.kind == "refund" and notification.refund.out_refund_no == "R1"
    assert notification.refund.state == "success" and notification.refund.amount == Decimal("28.00")


def test_refunding_more_than_was_paid_is_refused(wechatpay):
    paid(wechatpay)
    with pytest.raises(PlatformError) as caught:
        wechatpay.refund(
            out_trade_no="T20261125001", out_refund_no="R1", amount=Decimal("200.00"), total=Decimal("128.00")
        )
    assert caught.value.code == "not_enough"


def test_paying_sends_a_signed_encrypted_notification_the_adapter_accepts(wechatpay):
    paid(wechatpay)
    sent = Delivery.objects.get(event_type="TRANSACTION.SUCCESS")
    assert sent.url == NOTIFY_URL
    envelope = json.loads(sent.body)
    assert envelope["resource"]["algorithm"] == "AEAD_AES_256_GCM" and "out_trade_no" not in sent.body
    notification = wechatpay.parse_notification(headers=sent.headers, body=sent.body.encode())
    assert notification.kind == "payment" and notification.trade.is_paid
    assert notification.trade.amount == Decimal("128.00") and notification.trade.out_trade_no == "T20261125001"


def test_headers_as_django_meta_are_understood(wechatpay):
    trade = paid(wechatpay)
    headers, body = signed(notification_body("TRANSACTION.SUCCESS", trade_resource(trade)))
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    assert wechatpay.parse_notification(headers=meta, body=body).trade.is_paid


# --- notifications that must be refused -----------------------------------------------------------
def refused(wechatpay, headers, body) -> str:
    with pytest.raises(InvalidNotification) as caught:
        wechatpay.parse_notification(headers=headers, body=body)
    return caught.value.code


def test_a_notification_without_signature_headers_is_refused(wechatpay):
    trade = paid(wechatpay)
    headers, body = signed(notification_body("TRANSACTION.SUCCESS", trade_resource(trade)))
    del headers["Wechatpay-Signature"]
    assert refused(wechatpay, headers, body) == "missing_signature"


def test_a_notification_signed_with_another_key_is_refused(wechatpay):
    trade = paid(wechatpay)
    headers, body = signed(notification_body("TRANSACTION.SUCCESS", trade_resource(trade)), wrong_key=True)
    assert refused(wechatpay, headers, body) == "invalid_signature"


def test_a_notification_more_than_five_minutes_old_is_refused(wechatpay):
    trade = paid(wechatpay)
    headers, body = signed(
        notification_body("TRANSACTION.SUCCESS", trade_resource(trade)), timestamp=int(time.time()) - 301
    )
    assert refused(wechatpay, headers, body) == "stale_timestamp"


def test_the_signtest_probe_is_refused(wechatpay):
    trade = paid(wechatpay)
    headers, body = signed(notification_body("TRANSACTION.SUCCESS", trade_resource(trade)))
    headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    assert refused(wechatpay, headers, body) == "signature_probe"


def test_a_tampered_body_is_refused(wechatpay):
    trade = paid(wechatpay)
    headers, body = signed(notification_body("TRANSACTION.SUCCESS", trade_resource(trade)))
    tampered = json.loads(body)
    tampered["event_type"] = "REFUND.SUCCESS"
    assert refused(wechatpay, headers, json.dumps(tampered).encode()) == "invalid_signature"


def test_a_resource_encrypted_with_another_apiv3_key_is_refused(wechatpay):
    trade = paid(wechatpay)
    headers, body = signed(notification_body("TRANSACTION.SUCCESS", trade_resource(trade), key="x" * 32))
    assert refused(wechatpay, headers, body) == "decrypt_failed"


def test_a_notification_for_another_app_is_refused(wechatpay):
    trade = paid(wechatpay)
    headers, body = signed(notification_body("TRANSACTION.SUCCESS", trade_resource(trade, appid="wxother")))
    assert refused(wechatpay, headers, body) == "wrong_app"


def test_a_notification_for_another_merchant_is_refused(wechatpay):
    trade = paid(wechatpay)
    headers, body = signed(notification_body("TRANSACTION.SUCCESS", trade_resource(trade, mchid="1900009999")))
    assert refused(wechatpay, headers, body) == "wrong_merchant"


def test_acknowledgements_are_what_wechat_pay_expects(wechatpay):
    assert wechatpay.acknowledge(ok=True).status_code == 204
    failure = wechatpay.acknowledge(ok=False, message="订单金额不符")
    assert failure.status_code == 400 and json.loads(failure.content) == {"code": "FAIL", "message": "订单金额不符"}


# --- statements -------------------------------------------------------------------------------------
def test_the_statement_of_a_day_lists_its_payments_and_refunds(wechatpay, django_capture_on_commit_callbacks):
    paid(wechatpay, "T1000000001", "10.00")
    paid(wechatpay, "T1000000002", "20.50")
    with django_capture_on_commit_callbacks(execute=True):
        wechatpay.refund(out_trade_no="T1000000002", out_refund_no="R2", amount=Decimal("5.50"), total=Decimal("20.50"))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    PayTrade.objects.update(success_time=timezone.now() - dt.timedelta(days=1))
    from platforms.sandbox.models import PayRefund

    PayRefund.objects.update(success_time=timezone.now() - dt.timedelta(days=1))
    lines = wechatpay.statement(yesterday)
    assert sorted((line.kind, line.out_trade_no, line.amount) for line in lines) == [
        ("payment", "T1000000001", Decimal("10.00")),
        ("payment", "T1000000002", Decimal("20.50")),
        ("refund", "T1000000002", Decimal("5.50")),
    ]


# --- faults -------------------------------------------------------------------------------------------
# The sandbox answers both http_500 and busy with HTTP 500 SYSTEM_ERROR, WeChat Pay's "busy".
@pytest.mark.parametrize(
    ("mode", "code"), [("timeout", "timeout"), ("http_500", "platform_busy"), ("busy", "platform_busy")]
)
def test_an_outage_of_wechat_pay_is_platform_unavailable(wechatpay, mode, code):
    faults.set_fault("wechatpay", mode)
    with pytest.raises(PlatformUnavailable) as caught:
        prepay(wechatpay)
    assert caught.value.code == code and caught.value.retryable
    assert prepay(wechatpay).reference


def test_an_answer_not_signed_by_wechat_pay_is_refused(wechatpay):
    faults.set_fault("wechatpay", "wrong_signature")
    with pytest.raises(PlatformError) as caught:
        prepay(wechatpay)
    assert caught.value.code == "invalid_signature"


def test_a_notification_signed_wrongly_by_the_fault_is_refused(wechatpay):
    prepay(wechatpay)
    faults.set_fault("wechatpay", "wrong_signature")
    pay_trade(PayTrade.objects.get(), success=True)
    sent = Delivery.objects.get()
    with pytest.raises(InvalidNotification):
        wechatpay.parse_notification(headers=sent.headers, body=sent.body.encode())


def test_a_duplicate_notification_arrives_twice(wechatpay):
    prepay(wechatpay)
    faults.set_fault("wechatpay", "duplicate_notification")
    pay_trade(PayTrade.objects.get(), success=True)
    assert Delivery.objects.filter(state__in=["sent", "failed"]).count() == 2


def test_a_delayed_notification_waits_until_it_is_flushed(wechatpay):
    prepay(wechatpay)
    faults.set_fault("wechatpay", "delayed_notification")
    pay_trade(PayTrade.objects.get(), success=True)
    assert Delivery.objects.get().state == Delivery.State.PENDING
    assert delivery.flush() == 1
    assert Delivery.objects.get().state != Delivery.State.PENDING


def test_out_of_order_notifications_arrive_after_the_next_one(wechatpay, django_capture_on_commit_callbacks):
    paid_trade = paid(wechatpay)
    Delivery.objects.all().delete()
    faults.set_fault("wechatpay", "out_of_order")
    with django_capture_on_commit_callbacks(execute=False) as refunds_done:
        wechatpay.refund(
            out_trade_no=paid_trade.out_trade_no,
            out_refund_no="R1",
            amount=Decimal("1.00"),
            total=Decimal("128.00"),
            notify_url=NOTIFY_URL,
        )
        wechatpay.refund(
            out_trade_no=paid_trade.out_trade_no,
            out_refund_no="R2",
            amount=Decimal("2.00"),
            total=Decimal("128.00"),
            notify_url=NOTIFY_URL,
        )
    assert len(refunds_done) == 2
    refunds_done[0]()
    assert Delivery.objects.get(reference="R1").state == Delivery.State.HELD
    refunds_done[1]()
    first, second = Delivery.objects.order_by("id")
    assert (first.reference, second.reference) == ("R1", "R2")
    # Sent in the order R2, R1: both have left, and R1 was held until R2 went.
    assert first.state != Delivery.State.HELD and second.state != Delivery.State.HELD


def test_certificate_mode_downloads_the_platform_certificate_through_the_sandbox(settings, tmp_path):
    settings.WECHATPAY_MODE = "certificate"
    settings.SANDBOX_DIR = str(tmp_path)  # no certificates there yet: the constructor downloads them
    reset_platform_clients()
    provider = get_payment_provider("wechat")
    assert list((tmp_path / "wechatpay-certs").glob("*.pem"))
    result = prepay(provider)
    pay_trade(PayTrade.objects.get(prepay_id=result.reference), success=True)
    sent = Delivery.objects.get()
    assert sent.headers["Wechatpay-Serial"] == sandbox_keys().platform_serial_no
    assert provider.parse_notification(headers=sent.headers, body=sent.body.encode()).trade.is_paid


def test_complete_refund_is_idempotent(wechatpay, django_capture_on_commit_callbacks):
    paid(wechatpay)
    with django_capture_on_commit_callbacks(execute=True):
        state = wechatpay.refund(
            out_trade_no="T20261125001", out_refund_no="R1", amount=Decimal("1.00"), total=Decimal("128.00")
        )
    from platforms.sandbox.models import PayRefund

    complete_refund(PayRefund.objects.get(out_refund_no=state.out_refund_no).pk)
    assert PayRefund.objects.get().status == "SUCCESS"


def test_configured_key_files_are_used_instead_of_the_sandboxs(settings, tmp_path):
    keys = sandbox_keys()
    (tmp_path / "merchant.pem").write_text(keys.merchant_private_key)
    (tmp_path / "wechatpay-public.pem").write_text(keys.platform_public_key)
    settings.WECHATPAY_PRIVATE_KEY_PATH = str(tmp_path / "merchant.pem")
    settings.WECHATPAY_PUBLIC_KEY_PATH = str(tmp_path / "wechatpay-public.pem")
    settings.WECHATPAY_PUBLIC_KEY_ID = keys.platform_public_key_id
    settings.WECHATPAY_CERT_SERIAL_NO = keys.merchant_serial_no
    settings.WECHATPAY_APIV3_KEY = keys.apiv3_key
    reset_platform_clients()
    assert prepay(get_payment_provider("wechat")).reference


def test_without_the_sandbox_missing_merchant_keys_stop_the_adapter(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.PLATFORM_SANDBOX = False
    reset_platform_clients()
    with pytest.raises(ImproperlyConfigured):
        get_payment_provider("wechat")
