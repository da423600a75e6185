"""The WeChat push endpoint: nothing is dispatched before the signature verified and, in safe
mode, the message decrypted."""

import json
import time

import pytest
from django.conf import settings
from wechatpy.utils import WeChatSigner

from platforms import events
from platforms.wechat.miniprogram import WeChatMiniProgram

pytestmark = pytest.mark.django_db
URL = "/api/v1/notify/wechat/"


def sign(*parts):
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def plain_query(timestamp=None, nonce="n0nce", token=None):
    timestamp = str(timestamp or int(time.time()))
    return {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": sign(token or settings.WECHAT_PUSH_TOKEN, timestamp, nonce),
    }


@pytest.fixture
def received():
    seen = []

    def record(message):
        seen.append(message)

    events.on("wxa_media_check")(record)
    yield seen
    events.off("wxa_media_check", record)


def test_wechat_checks_the_server_url_with_echostr(api):
    response = api.get(URL, {**plain_query(), "echostr": "hello-wechat"})
    assert response.status_code == 200 and response.content == b"hello-wechat"


def test_an_echostr_check_with_a_wrong_signature_is_refused(api):
    response = api.get(URL, {**plain_query(token="not-our-token"), "echostr": "hello"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_signature"


def test_an_image_verdict_pushed_in_safe_mode_reaches_its_handler(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        trace_id = WeChatMiniProgram().check_image_async("https://cdn.example.com/ugc/risky-1.jpg", openid="o1")
    assert [(m["trace_id"], m["result"]["suggest"]) for m in received] == [(trace_id, "risky")]


def test_a_push_signed_wrongly_by_the_fault_is_refused_and_not_dispatched(received, django_capture_on_commit_callbacks):
    from platforms.sandbox import faults
    from platforms.sandbox.models import Delivery

    faults.set_fault("wechat", "wrong_signature")
    with django_capture_on_commit_callbacks(execute=True):
        WeChatMiniProgram().check_image_async("https://cdn.example.com/ugc/2.jpg", openid="o1")
    assert received == []
    assert Delivery.objects.get().status_code == 400


def test_a_plain_mode_push_with_a_good_signature_is_dispatched(api, received):
    body = {"Event": "wxa_media_check", "trace_id": "t1", "result": {"suggest": "pass"}}
    response = api.post(
        f"{URL}?" + "&".join(f"{k}={v}" for k, v in plain_query().items()),
        data=json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.content == b"success"
    assert received == [body]


# Built when the test runs, not when it is collected: a long suite would make them stale.
@pytest.mark.parametrize(
    "make_query, code",
    [
        (lambda: {}, "missing_signature"),
        (lambda: plain_query(token="forged"), "invalid_signature"),
        (lambda: plain_query(timestamp=int(time.time()) - 600), "stale_timestamp"),
    ],
)
def test_a_push_that_cannot_be_trusted_is_refused_and_not_dispatched(api, received, make_query, code):
    query = make_query()
    body = json.dumps({"Event": "wxa_media_check", "trace_id": "t1"})
    response = api.post(
        f"{URL}?" + "&".join(f"{k}={v}" for k, v in query.items()), data=body, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == code
    assert received == []


def test_a_safe_mode_push_with_a_wrong_msg_signature_is_refused(api, received):
    query = plain_query()
    query.update(encrypt_type="aes", msg_signature="0" * 40)
    response = api.post(
        f"{URL}?" + "&".join(f"{k}={v}" for k, v in query.items()),
        data=json.dumps({"ToUserName": "gh", "Encrypt": "AAAA"}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_signature"
    assert received == []


def test_a_safe_mode_push_whose_encrypt_was_tampered_with_is_refused(api, received):
    query = plain_query()
    encrypt = "dGFtcGVyZWQ="
    query.update(
        encrypt_type="aes", msg_signature=sign(settings.WECHAT_PUSH_TOKEN, query["timestamp"], query["nonce"], encrypt)
    )
    response = api.post(
        f"{URL}?" + "&".join(f"{k}={v}" for k, v in query.items()),
        data=json.dumps({"ToUserName": "gh", "Encrypt": encrypt}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "decrypt_failed"
    assert received == []


def test_a_failing_handler_does_not_stop_the_others():
    calls = []

    def broken(message):
        raise RuntimeError("boom")

    def fine(message):
        calls.append(message)

    events.on("some_event")(broken)
    events.on("some_event")(fine)
    try:
        assert events.dispatch("some_event", {"x": 1}) == 1
    finally:
        events.off("some_event", broken)
        events.off("some_event", fine)
    assert calls == [{"x": 1}]


def test_with_no_push_token_set_nothing_is_accepted_not_even_a_check_signed_with_the_empty_token(api, settings):
    # An empty token is one anybody can sign with (a deployment that forgot WECHAT_PUSH_TOKEN).
    settings.WECHAT_PUSH_TOKEN = ""
    response = api.get(URL, {**plain_query(token=""), "echostr": "hello"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_configured"
