"""The Alipay sandbox as a person and the tests drive it: control endpoints, notification
faults, the gateway's own checks and its part of the /sandbox/ page."""

import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
from django.utils import timezone

from platforms.sandbox import delivery, faults
from platforms.sandbox.alipay_models import AlipayTrade
from platforms.sandbox.models import Delivery
from tests.platforms.alipay.conftest import NOTIFY_URL


def prepay(pay, out_trade_no="A20261125001"):
    return pay.prepay(
        out_trade_no=out_trade_no,
        amount=Decimal("12.50"),
        description="Longjing 250 g",
        payer_id="2088000011112222",
        expires_at=timezone.now() + dt.timedelta(minutes=30),
        notify_url=NOTIFY_URL,
    )


def notify_ids(rows):
    return [dict(parse_qsl(row.body))["notify_id"] for row in rows]


# --- control endpoints -----------------------------------------------------------------------------------------
def test_login_code_control_gives_a_code_the_adapter_can_use_once(api, miniprogram):
    answer = api.post("/sandbox/alipay/login-code/", {"phone": "13800138000"}, format="json")
    assert answer.status_code == 200
    body = answer.json()
    assert body["user_id"].startswith("2088") and len(body["user_id"]) == 16
    assert miniprogram.login(body["code"]).openid == body["user_id"]


def test_login_code_control_for_a_known_user_keeps_the_user(api):
    first = api.post("/sandbox/alipay/login-code/", {}, format="json").json()
    again = api.post("/sandbox/alipay/login-code/", {"user_id": first["user_id"]}, format="json").json()
    assert again["user_id"] == first["user_id"] and again["code"] != first["code"]


def test_login_code_control_rejects_a_malformed_user_id(api):
    answer = api.post("/sandbox/alipay/login-code/", {"user_id": "12345"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_input"


def test_complete_control_pays_and_notifies(api, pay):
    trade_no = prepay(pay).reference
    answer = api.post("/sandbox/alipay/complete/", {"trade_no": trade_no, "result": "success"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["trade_status"] == "TRADE_SUCCESS"
    assert pay.query("A20261125001").is_paid
    assert Delivery.objects.filter(platform="alipay", reference=trade_no).count() == 1


def test_complete_with_fail_leaves_the_trade_waiting_and_sends_nothing(api, pay):
    trade_no = prepay(pay).reference
    answer = api.post("/sandbox/alipay/complete/", {"trade_no": trade_no, "result": "fail"}, format="json")
    assert answer.json()["trade_status"] == "WAIT_BUYER_PAY"
    assert not Delivery.objects.exists()


def test_complete_of_an_unknown_trade_is_404_and_of_a_paid_one_409(api, pay):
    assert api.post("/sandbox/alipay/complete/", {"trade_no": "nope"}, format="json").status_code == 404
    trade_no = prepay(pay).reference
    api.post("/sandbox/alipay/complete/", {"trade_no": trade_no}, format="json")
    again = api.post("/sandbox/alipay/complete/", {"trade_no": trade_no}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "trade_not_payable"


def test_the_pay_button_of_the_sandbox_page_pays_and_goes_back_to_the_page(client, pay):
    trade_no = prepay(pay).reference
    page = client.get("/sandbox/")
    assert page.status_code == 200
    assert trade_no in page.content.decode()
    assert 'action="/sandbox/alipay/complete/"' in page.content.decode()
    answer = client.post("/sandbox/alipay/complete/", {"trade_no": trade_no, "result": "success"})
    assert answer.status_code == 302
    assert AlipayTrade.objects.get().status == "TRADE_SUCCESS"


def test_faults_control_switches_alipay_faults_on_and_off(api, pay):
    answer = api.post("/sandbox/alipay/faults/", {"mode": "timeout", "times": None}, format="json")
    assert answer.json() == {"timeout": -1}
    assert api.get("/sandbox/alipay/faults/").json() == {"timeout": -1}
    api.delete("/sandbox/alipay/faults/")
    assert api.get("/sandbox/alipay/faults/").json() == {}
    assert pay.query("A20261125404").state == "not_found"


# --- notification faults ------------------------------------------------------------------------------------------
def test_duplicate_fault_sends_the_same_notification_twice(pay, api):
    faults.set_fault("alipay", "duplicate_notification")
    api.post("/sandbox/alipay/complete/", {"trade_no": prepay(pay).reference}, format="json")
    rows = list(Delivery.objects.filter(platform="alipay").order_by("id"))
    assert len(rows) == 2
    assert rows[0].body == rows[1].body
    assert all(row.state in ("sent", "failed") for row in rows)  # both went out
    notes = [pay.parse_notification(headers={}, body=row.body.encode()) for row in rows]
    assert notes[0].notification_id == notes[1].notification_id


def test_delayed_fault_keeps_the_notification_until_its_time(pay, api):
    faults.set_fault("alipay", "delayed_notification")
    api.post("/sandbox/alipay/complete/", {"trade_no": prepay(pay).reference}, format="json")
    row = Delivery.objects.get(platform="alipay")
    assert row.state == "pending" and row.status_code is None
    # Meanwhile the shopper's client asks, and learns the order is paid before any notification.
    assert pay.query("A20261125001").is_paid
    assert delivery.flush() == 1
    row.refresh_from_db()
    assert row.status_code is not None


def test_out_of_order_fault_sends_the_refund_notification_before_the_payment(pay, api):
    faults.set_fault("alipay", "out_of_order")
    api.post("/sandbox/alipay/complete/", {"trade_no": prepay(pay).reference}, format="json")
    payment = Delivery.objects.get(platform="alipay")
    assert payment.state == "held"
    pay.refund(out_trade_no="A20261125001", out_refund_no="R1", amount=Decimal("12.50"), total=Decimal("12.50"))
    payment.refresh_from_db()
    refund = Delivery.objects.exclude(pk=payment.pk).get()
    assert payment.state != "held"
    assert refund.event_type == "refund TRADE_CLOSED"
    kinds = [pay.parse_notification(headers={}, body=r.body.encode()).kind for r in (refund, payment)]
    assert kinds == ["refund", "payment"]


def test_notifications_reach_the_notify_url_in_process(pay, api):
    api.post("/sandbox/alipay/complete/", {"trade_no": prepay(pay).reference}, format="json")
    row = Delivery.objects.get(platform="alipay")
    # The test notify URL is not a view of the kit: a 404 shows the POST really went there.
    assert row.status_code == 404
    assert row.state == "failed"


# --- the gateway's own checks --------------------------------------------------------------------------------------
def test_the_gateway_refuses_an_unsigned_request(client):
    answer = client.get(
        "/sandbox/alipay/gateway.do",
        {
            "app_id": "2021000000000001",
            "method": "alipay.trade.query",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": "2026-11-25 12:00:00",
            "version": "1.0",
            "biz_content": '{"out_trade_no":"x"}',
        },
    )
    assert answer.status_code == 200
    body = answer.json()["alipay_trade_query_response"]
    assert body["code"] == "40001" and body["sub_code"] == "isv.missing-signature"
    assert answer.json()["sign"]


def test_the_gateway_refuses_another_app(miniprogram, settings):
    miniprogram.client._appid = "2021000000009999"
    from platforms.base import PlatformError

    with pytest.raises(PlatformError) as caught:
        miniprogram.check_text("hello", openid="x")
    assert caught.value.code == "isv.invalid-app-id"


def test_the_sandbox_page_shows_the_alipay_state(client, pay, miniprogram):
    prepay(pay)
    miniprogram.send_notice(openid="2088000011112222", template_id="TPL-paid", page="", data={})
    faults.set_fault("alipay", "busy", times=3)
    html = client.get("/sandbox/").content.decode()
    assert "<h2>支付宝</h2>" in html
    assert "A20261125001" in html
    assert "TPL-paid" in html
    assert "busy" in html


@pytest.mark.django_db(transaction=True)
def test_outside_tests_the_notification_goes_over_http_from_a_thread_after_the_answer(settings, api, pay):
    """As Alipay does: the complete call is answered first, the POST follows from a thread
    (here nothing listens on SITE_URL, so the attempt is recorded as failed)."""
    import time

    settings.SANDBOX_DELIVERY = "thread"
    settings.PLATFORM_TIMEOUT_SECONDS = 1
    settings.SITE_URL = "http://127.0.0.1:9"  # the discard port: nothing answers
    trade_no = prepay(pay).reference
    AlipayTrade.objects.filter(trade_no=trade_no).update(notify_url="http://127.0.0.1:9/api/v1/notify/alipay/")
    answer = api.post("/sandbox/alipay/complete/", {"trade_no": trade_no}, format="json")
    assert answer.status_code == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        row = Delivery.objects.filter(platform="alipay").first()
        if row is not None and row.state != "pending":
            break
        time.sleep(0.1)
    assert row.state == "failed"
    assert "Connection" in row.response or "refused" in row.response.lower()
