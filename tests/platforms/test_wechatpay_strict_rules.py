"""Issue 23: the WeChat Pay sandbox refuses what WeChat Pay refuses, with its own codes, and the
adapter never sends it. Raw requests are signed with the merchant key exactly as WeChat Pay v3
expects (method, path as sent, timestamp, nonce, body), so only the rule under test fails.

Rules: JSAPI prepay (time_expire fixed after the first prepay, no payment after it, notify_url
without query and HTTPS outside loopback, CNY only, paySign checked when the payer pays), bill
download (SHA1 hash_value, three months kept), close (mchid in the body), refunds (out_refund_no
charset, reuse with another amount), and a `|` in a path signed as sent.
"""

import base64
import datetime as dt
import json
import secrets
import time
from decimal import Decimal
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.utils import timezone

from platforms.base import PlatformError
from platforms.sandbox import wechatpay_views
from platforms.sandbox.models import Delivery, PayRefund, PayTrade
from platforms.sandbox.wechat_keys import sandbox_keys
from platforms.sandbox.wechatpay_views import pay_trade

pytestmark = pytest.mark.django_db
NOTIFY_URL = "http://127.0.0.1:8000/api/v1/notify/wechatpay/"


# --- a raw, correctly signed request ---------------------------------------------------------------
def signed(client, method, path, body=None):
    """`path` is what follows /sandbox/wechatpay, percent-encoded as it is sent and signed."""
    text = "" if body is None else json.dumps(body, ensure_ascii=False)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    keys = sandbox_keys()
    key = serialization.load_pem_private_key(keys.merchant_private_key.encode(), password=None)
    message = f"{method}\n{path}\n{timestamp}\n{nonce}\n{text}\n".encode()
    signature = base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    authorization = (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{settings.WECHATPAY_MCH_ID}",nonce_str="{nonce}",'
        f'signature="{signature}",timestamp="{timestamp}",serial_no="{keys.merchant_serial_no}"'
    )
    call = client.post if method == "POST" else client.get
    kwargs = {"content_type": "application/json"} if method == "POST" else {}
    return call(
        f"/sandbox/wechatpay{path}", text if method == "POST" else None, HTTP_AUTHORIZATION=authorization, **kwargs
    )


def jsapi_body(number="T2026112501", **overrides):
    body = {
        "appid": settings.WECHAT_APP_ID,
        "mchid": settings.WECHATPAY_MCH_ID,
        "description": "明前龙井",
        "out_trade_no": number,
        "time_expire": (timezone.localtime() + dt.timedelta(minutes=30)).isoformat(timespec="seconds"),
        "notify_url": NOTIFY_URL,
        "amount": {"total": 12800, "currency": "CNY"},
        "payer": {"openid": "o_payer"},
    }
    body.update(overrides)
    return body


def code_of(response):
    return response.status_code, response.json()["code"]


def prepay(wechatpay, number="T2026112501", minutes=30, notify_url=NOTIFY_URL):
    return wechatpay.prepay(
        out_trade_no=number,
        amount=Decimal("128.00"),
        description="明前龙井",
        payer_id="o_payer",
        expires_at=timezone.now() + dt.timedelta(minutes=minutes),
        notify_url=notify_url,
    )


@pytest.fixture
def pay_calls(monkeypatch):
    """The requests wechatpayv3 sends (method, url) through the transport."""
    import wechatpayv3.core

    calls = []
    routed = wechatpayv3.core.requests

    class Spy:
        def __getattr__(self, name):
            method = getattr(routed, name)

            def call(*args, **kwargs):
                calls.append((name, kwargs.get("url") or args[0]))
                return method(*args, **kwargs)

            return call

    monkeypatch.setattr(wechatpayv3.core, "requests", Spy())
    return calls


# --- 6. JSAPI prepay -------------------------------------------------------------------------------
def test_time_expire_cannot_change_after_the_first_prepay(client):
    body = jsapi_body()
    assert signed(client, "POST", "/v3/pay/transactions/jsapi", body).status_code == 200
    moved = {**body, "time_expire": (timezone.localtime() + dt.timedelta(hours=2)).isoformat(timespec="seconds")}
    assert code_of(signed(client, "POST", "/v3/pay/transactions/jsapi", moved)) == (400, "INVALID_REQUEST")
    # The same time_expire again is the same prepay.
    assert signed(client, "POST", "/v3/pay/transactions/jsapi", body).status_code == 200


@pytest.mark.parametrize(
    "overrides",
    [
        {"notify_url": NOTIFY_URL + "?order=1"},
        {"notify_url": "http://shop.example.com/api/v1/notify/wechatpay/"},
        {"amount": {"total": 12800, "currency": "USD"}},
        {"time_expire": (timezone.localtime() - dt.timedelta(minutes=1)).isoformat(timespec="seconds")},
    ],
)
def test_the_sandbox_refuses_a_prepay_wechat_pay_refuses(client, overrides):
    assert code_of(signed(client, "POST", "/v3/pay/transactions/jsapi", jsapi_body(**overrides))) == (
        400,
        "PARAM_ERROR",
    )
    assert not PayTrade.objects.exists()


def test_https_notify_urls_are_accepted(client):
    body = jsapi_body(notify_url="https://shop.example.com/api/v1/notify/wechatpay/")
    assert signed(client, "POST", "/v3/pay/transactions/jsapi", body).status_code == 200


def test_the_kit_keeps_time_expire_across_prepays_of_an_order(wechatpay):
    expires_at = timezone.now() + dt.timedelta(minutes=30)
    kwargs = dict(
        out_trade_no="T2026112502",
        amount=Decimal("9.90"),
        description="茶",
        payer_id="o_payer",
        expires_at=expires_at,
        notify_url=NOTIFY_URL,
    )
    first, again = wechatpay.prepay(**kwargs), wechatpay.prepay(**kwargs)
    assert first.reference == again.reference


@pytest.mark.parametrize(
    ("notify_url", "minutes", "code"),
    [
        (NOTIFY_URL + "?order=1", 30, "invalid_notify_url"),
        ("http://shop.example.com/notify/", 30, "invalid_notify_url"),
        (NOTIFY_URL, -1, "time_expired"),
    ],
)
def test_the_adapter_never_sends_a_prepay_wechat_pay_would_refuse(wechatpay, pay_calls, notify_url, minutes, code):
    with pytest.raises(PlatformError) as caught:
        prepay(wechatpay, notify_url=notify_url, minutes=minutes)
    assert caught.value.code == code
    assert pay_calls == []


def test_nothing_is_paid_after_time_expire(api, wechatpay):
    result = prepay(wechatpay)
    PayTrade.objects.update(time_expire=(timezone.localtime() - dt.timedelta(seconds=1)).isoformat(timespec="seconds"))
    answer = api.post("/sandbox/wechatpay/complete/", {**result.client_params, "result": "success"}, format="json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "order_expired"
    assert PayTrade.objects.get().state == "NOTPAY" and not Delivery.objects.exists()


def test_the_payer_pays_with_the_adapters_pay_sign(api, wechatpay):
    result = prepay(wechatpay)
    answer = api.post("/sandbox/wechatpay/complete/", {**result.client_params, "result": "success"}, format="json")
    assert answer.status_code == 200 and answer.json()["trade_state"] == "SUCCESS"


@pytest.mark.parametrize(
    "tamper",
    [
        {"paySign": base64.b64encode(b"x" * 256).decode()},
        {"timeStamp": "1"},  # signed with another timestamp
        {"signType": "MD5"},
        {"package": "prepay_id=wx_someone_elses"},
    ],
)
def test_a_pay_sign_that_does_not_verify_pays_nothing(api, wechatpay, tamper):
    result = prepay(wechatpay)
    params = {**result.client_params, **tamper, "prepay_id": result.reference, "result": "success"}
    answer = api.post("/sandbox/wechatpay/complete/", params, format="json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "pay_sign_invalid"
    assert PayTrade.objects.get().state == "NOTPAY"


# --- 12. bill download ------------------------------------------------------------------------------
def _yesterdays_payment(wechatpay):
    pay_trade(PayTrade.objects.get(prepay_id=prepay(wechatpay).reference), success=True)
    PayTrade.objects.update(success_time=timezone.now() - dt.timedelta(days=1))
    return timezone.localdate() - dt.timedelta(days=1)


def test_a_bill_whose_hash_does_not_match_is_not_parsed(wechatpay, monkeypatch):
    day = _yesterdays_payment(wechatpay)
    assert len(wechatpay.statement(day)) == 1
    # The file downloaded differs from the one the hash_value was computed for.
    real = wechatpay_views.trade_bill_csv
    calls = []

    def changed_between_calls(bill_day):
        calls.append(bill_day)
        text = real(bill_day)
        return text if len(calls) == 1 else text.replace("128.00", "1.28")

    monkeypatch.setattr(wechatpay_views, "trade_bill_csv", changed_between_calls)
    with pytest.raises(PlatformError) as caught:
        wechatpay.statement(day)
    assert caught.value.code == "bill_hash_mismatch" and caught.value.retryable


def test_the_sandbox_keeps_bills_for_three_months(client):
    old = (timezone.localdate() - dt.timedelta(days=100)).isoformat()
    answer = signed(client, "GET", f"/v3/bill/tradebill?bill_date={old}&bill_type=ALL&tar_type=GZIP")
    assert code_of(answer) == (400, "PARAM_ERROR")
    recent = (timezone.localdate() - dt.timedelta(days=80)).isoformat()
    assert (
        signed(client, "GET", f"/v3/bill/tradebill?bill_date={recent}&bill_type=ALL&tar_type=GZIP").status_code == 200
    )


def test_the_adapter_does_not_ask_for_a_bill_older_than_three_months(wechatpay, pay_calls):
    with pytest.raises(PlatformError) as caught:
        wechatpay.statement(timezone.localdate() - dt.timedelta(days=100))
    assert caught.value.code == "statement_expired" and pay_calls == []


# --- 13. close and refunds ------------------------------------------------------------------------
def test_a_close_without_mchid_in_the_body_is_refused(client, wechatpay):
    prepay(wechatpay)
    path = "/v3/pay/transactions/out-trade-no/T2026112501/close"
    assert code_of(signed(client, "POST", path, {})) == (400, "PARAM_ERROR")
    assert signed(client, "POST", path, {"mchid": settings.WECHATPAY_MCH_ID}).status_code == 204


def test_the_adapter_closes_with_the_mchid_in_the_body(wechatpay):
    prepay(wechatpay)
    wechatpay.close("T2026112501")
    assert PayTrade.objects.get().state == "CLOSED"


def _paid(wechatpay, number="T2026112501"):
    return pay_trade(PayTrade.objects.get(prepay_id=prepay(wechatpay, number).reference), success=True)


@pytest.mark.parametrize("out_refund_no", ["R 1", "R#1", "R" * 65, "退款1"])
def test_the_sandbox_refuses_an_out_refund_no_outside_the_charset(client, wechatpay, out_refund_no):
    _paid(wechatpay)
    body = {
        "out_trade_no": "T2026112501",
        "out_refund_no": out_refund_no,
        "amount": {"refund": 100, "total": 12800, "currency": "CNY"},
    }
    assert code_of(signed(client, "POST", "/v3/refund/domestic/refunds", body)) == (400, "PARAM_ERROR")


def test_a_reused_out_refund_no_with_another_amount_is_refused(wechatpay, django_capture_on_commit_callbacks):
    _paid(wechatpay)
    with django_capture_on_commit_callbacks(execute=True):
        wechatpay.refund(
            out_trade_no="T2026112501", out_refund_no="T2026112501R1", amount=Decimal("10.00"), total=Decimal("128.00")
        )
    again = wechatpay.refund(
        out_trade_no="T2026112501", out_refund_no="T2026112501R1", amount=Decimal("10.00"), total=Decimal("128.00")
    )
    assert again.state == "success"  # the same request: the same refund, once
    with pytest.raises(PlatformError) as caught:
        wechatpay.refund(
            out_trade_no="T2026112501", out_refund_no="T2026112501R1", amount=Decimal("20.00"), total=Decimal("128.00")
        )
    assert caught.value.code == "invalid_request"
    assert PayRefund.objects.get().refund == 1000


def test_the_adapter_never_sends_a_bad_out_refund_no(wechatpay, pay_calls):
    with pytest.raises(PlatformError) as caught:
        wechatpay.refund(
            out_trade_no="T2026112501", out_refund_no="R#1", amount=Decimal("1.00"), total=Decimal("128.00")
        )
    assert caught.value.code == "invalid_out_refund_no" and pay_calls == []


def test_the_kit_never_reuses_an_out_refund_no_with_another_amount():
    """The refunds service refuses it first (refund_not_possible): WeChat Pay never sees it."""
    from storefront.payments.errors import RefundRefused
    from storefront.payments.refunds import start_refund
    from tests.factories import paid_order

    order = paid_order(quantities=(1,))
    first = start_refund(order=order, amount=Decimal("10.00"), key="AS1")
    with pytest.raises(RefundRefused) as caught:
        start_refund(order=order, amount=Decimal("20.00"), key="AS1")
    assert caught.value.code == "refund_not_possible"
    assert start_refund(order=order, amount=Decimal("10.00"), key="AS1").pk == first.pk


# --- 16. a | in a path ---------------------------------------------------------------------------------
def test_the_sandbox_checks_the_signature_over_the_path_as_sent(client):
    number = "T2026|1125"
    assert signed(client, "POST", "/v3/pay/transactions/jsapi", jsapi_body(number)).status_code == 200
    encoded = f"/v3/pay/transactions/out-trade-no/{quote(number, safe='')}?mchid={settings.WECHATPAY_MCH_ID}"
    answer = signed(client, "GET", encoded)
    assert answer.status_code == 200 and answer.json()["out_trade_no"] == number


def test_the_sandbox_refuses_a_path_signed_other_than_sent(client, monkeypatch):
    number = "T2026|1126"
    signed(client, "POST", "/v3/pay/transactions/jsapi", jsapi_body(number))
    # Signed with the raw |, sent encoded: what wechatpayv3 alone would do.
    raw_path = f"/v3/pay/transactions/out-trade-no/{number}?mchid={settings.WECHATPAY_MCH_ID}"
    timestamp, nonce = str(int(time.time())), "N1"
    keys = sandbox_keys()
    key = serialization.load_pem_private_key(keys.merchant_private_key.encode(), password=None)
    signature = base64.b64encode(
        key.sign(f"GET\n{raw_path}\n{timestamp}\n{nonce}\n\n".encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()
    authorization = (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{settings.WECHATPAY_MCH_ID}",nonce_str="{nonce}",'
        f'signature="{signature}",timestamp="{timestamp}",serial_no="{keys.merchant_serial_no}"'
    )
    answer = client.get(
        f"/sandbox/wechatpay/v3/pay/transactions/out-trade-no/{quote(number, safe='')}?mchid={settings.WECHATPAY_MCH_ID}",
        HTTP_AUTHORIZATION=authorization,
    )
    assert code_of(answer) == (401, "SIGN_ERROR")


def test_the_adapter_queries_and_closes_an_out_trade_no_with_a_bar(client, wechatpay, pay_calls):
    number = "T2026|1127"
    signed(client, "POST", "/v3/pay/transactions/jsapi", jsapi_body(number))
    assert wechatpay.query(number).state == "not_paid"
    wechatpay.close(number)
    assert PayTrade.objects.get(out_trade_no=number).state == "CLOSED"
    assert len(pay_calls) == 2 and all("%7C" in url and "|" not in url for _method, url in pay_calls)
