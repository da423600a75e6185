"""The sandbox's control endpoints and its page for a person (API.md, "The sandbox's control
endpoints")."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from platforms.sandbox import faults
from platforms.sandbox.models import Delivery, PayTrade
from platforms.wechat.miniprogram import WeChatMiniProgram

pytestmark = pytest.mark.django_db


def test_a_login_code_for_a_new_user_and_for_a_known_one(api):
    new = api.post("/sandbox/wechat/login-code/", {}, format="json").json()
    again = api.post("/sandbox/wechat/login-code/", {"openid": new["openid"]}, format="json").json()
    assert again["openid"] == new["openid"] and again["code"] != new["code"]
    assert WeChatMiniProgram().login(again["code"]).openid == new["openid"]


def test_a_phone_code_gives_that_phone_number(api):
    openid = api.post("/sandbox/wechat/login-code/", {}, format="json").json()["openid"]
    code = api.post("/sandbox/wechat/phone-code/", {"openid": openid, "phone": "13900001111"}, format="json").json()
    assert WeChatMiniProgram().phone_number(code=code["code"]).phone == "13900001111"


def test_a_bad_phone_is_refused_in_the_kits_error_shape(api):
    response = api.post("/sandbox/wechat/phone-code/", {"openid": "o1", "phone": "12"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"]["phone"]


def test_completing_a_payment_notifies_the_notify_url(api, wechatpay):
    prepay = wechatpay.prepay(
        out_trade_no="T3000000001",
        amount=Decimal("9.90"),
        description="茶包",
        payer_id="o1",
        expires_at=timezone.now() + dt.timedelta(minutes=30),
        notify_url="http://127.0.0.1:8000/api/v1/notify/wechatpay/",
    )
    response = api.post(
        "/sandbox/wechatpay/complete/", {"prepay_id": prepay.reference, "result": "success"}, format="json"
    )
    assert response.status_code == 200 and response.json()["trade_state"] == "SUCCESS"
    assert Delivery.objects.get().event_type == "TRANSACTION.SUCCESS"


def test_a_failed_payment_sends_nothing(api, wechatpay):
    prepay = wechatpay.prepay(
        out_trade_no="T3000000002",
        amount=Decimal("9.90"),
        description="茶包",
        payer_id="o1",
        expires_at=timezone.now() + dt.timedelta(minutes=30),
        notify_url="http://127.0.0.1:8000/api/v1/notify/wechatpay/",
    )
    response = api.post(
        "/sandbox/wechatpay/complete/", {"prepay_id": prepay.reference, "result": "fail"}, format="json"
    )
    assert response.json()["trade_state"] == "PAYERROR" and Delivery.objects.count() == 0


def test_completing_an_unknown_prepay_is_404(api):
    response = api.post("/sandbox/wechatpay/complete/", {"prepay_id": "wx_nope"}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "prepay_not_found"


def test_faults_are_switched_on_and_off_by_the_control_endpoint(api):
    api.post("/sandbox/faults/", {"platform": "wechat", "mode": "busy", "times": None}, format="json")
    assert faults.active_faults() == {"wechat:busy": -1}
    assert api.get("/sandbox/faults/").json() == {"wechat:busy": -1}
    api.delete("/sandbox/faults/")
    assert faults.active_faults() == {}


def test_the_page_shows_pending_payments_with_pay_buttons(client, wechatpay):
    wechatpay.prepay(
        out_trade_no="T3000000003",
        amount=Decimal("9.90"),
        description="白茶饼",
        payer_id="o1",
        expires_at=timezone.now() + dt.timedelta(minutes=30),
        notify_url="http://127.0.0.1:8000/api/v1/notify/wechatpay/",
    )
    WeChatMiniProgram().send_notice(openid="o1", template_id="tpl_1", page="", data={"thing1": "已发货"})
    page = client.get("/sandbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "T3000000003" in html and "白茶饼" in html and "tpl_1" in html and ">付款<" in html


def test_the_pay_button_pays_and_comes_back_to_the_page(client, wechatpay):
    prepay = wechatpay.prepay(
        out_trade_no="T3000000004",
        amount=Decimal("9.90"),
        description="茶",
        payer_id="o1",
        expires_at=timezone.now() + dt.timedelta(minutes=30),
        notify_url="http://127.0.0.1:8000/api/v1/notify/wechatpay/",
    )
    response = client.post("/sandbox/wechatpay/complete/", {"prepay_id": prepay.reference, "result": "success"})
    assert response.status_code == 302 and response["Location"] == "/sandbox/"
    assert PayTrade.objects.get().state == "SUCCESS"


def test_requests_not_signed_by_the_merchant_are_refused_by_the_sandbox(client):
    response = client.post("/sandbox/wechatpay/v3/pay/transactions/jsapi", "{}", content_type="application/json")
    assert response.status_code == 401 and response.json()["code"] == "SIGN_ERROR"
