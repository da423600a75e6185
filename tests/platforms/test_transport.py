"""The adapters reach the sandbox through a transport mounted on the libraries' own base
URLs; these tests fail if a library upgrade moves a base URL or the way it makes requests."""

import inspect

import alipay
import pytest
import requests
import wechatpayv3.core
from django.db import connection, transaction
from django.utils import translation
from wechatpy.client import WeChatClient
from wechatpy.client.api.wxa import WeChatWxa

from platforms import base, transport
from platforms.base import PlatformUnavailable
from platforms.sandbox import faults
from platforms.tracking.kuaidi100 import BASE_URL as KUAIDI100_URL
from platforms.tracking.kuaidi100 import Kuaidi100


def test_wechatpy_base_urls_are_the_ones_the_transport_mounts():
    assert WeChatWxa.API_BASE_URL == transport.BASE_URLS["wechat"]
    assert WeChatClient.API_BASE_URL == transport.BASE_URLS["wechat"] + "cgi-bin/"
    # Every HTTP call of the client goes through its session, where the adapter is mounted.
    assert "self._http.request(" in inspect.getsource(WeChatClient._request)


def test_wechatpayv3_gateway_and_module_level_requests_are_where_the_transport_expects():
    source = inspect.getsource(wechatpayv3.core.Core)
    assert f"self._gate_way = '{transport.BASE_URLS['wechatpay']}'" in source
    assert "requests.post(url=self._gate_way + path" in source
    assert hasattr(wechatpayv3.core, "requests")


def test_alipay_gateway_and_urlopen_are_where_the_transport_expects():
    assert f'self._gateway = "{transport.BASE_URLS["alipay"]}"' in inspect.getsource(alipay.BaseAliPay.__init__)
    assert hasattr(alipay, "urlopen")


@pytest.mark.django_db
def test_a_request_to_the_real_wechat_host_is_answered_by_the_sandbox_in_process():
    session = transport.platform_session("wechat")
    response = transport.send(
        session,
        "GET",
        "https://api.weixin.qq.com/sns/jscode2session?js_code=nope&appid=wxdemo0000000001&secret=demo-wechat-secret",
    )
    assert response.status_code == 200
    assert response.json()["errcode"] == 40029


def test_without_the_sandbox_the_session_uses_real_http(settings):
    settings.PLATFORM_SANDBOX = False
    session = transport.platform_session()
    adapter = session.get_adapter(transport.BASE_URLS["wechatpay"] + "/v3/pay/transactions/jsapi")
    assert isinstance(adapter, requests.adapters.HTTPAdapter)


@pytest.mark.django_db
def test_the_sandbox_timeout_fault_raises_what_a_real_timeout_raises():
    faults.set_fault("wechat", "timeout")
    with pytest.raises(requests.exceptions.ReadTimeout):
        transport.send(transport.platform_session("wechat"), "POST", "https://api.weixin.qq.com/wxa/msg_sec_check")


@pytest.mark.django_db
def test_an_in_process_call_keeps_the_callers_transaction_and_language():
    translation.activate("en")
    with transaction.atomic():
        transport.send(
            transport.platform_session("wechat"),
            "GET",
            "https://api.weixin.qq.com/cgi-bin/token",
            headers={"Accept-Language": "zh-hans"},
        )
        assert connection.in_atomic_block
        assert not connection.needs_rollback
    assert translation.get_language() == "en"


def test_routed_requests_fill_in_the_platform_timeout(settings):
    settings.PLATFORM_TIMEOUT_SECONDS = 2.5
    seen = {}

    class Recorder(requests.Session):
        def request(self, method, url, **kwargs):
            seen.update(kwargs, method=method, url=url)
            return "answered"

    routed = transport.RoutedRequests(Recorder())
    assert routed.post("https://api.mch.weixin.qq.com/v3/x", json={}, timeout=None) == "answered"
    assert seen["timeout"] == 2.5 and seen["method"] == "POST"


# --- one mapping of outages, whichever adapter (transport.unavailable_from and friends) -----------------
class _FailingAdapter(requests.adapters.BaseAdapter):
    """Mounted on an adapter's session: every request raises `exc`, or is answered with `status`."""

    def __init__(self, *, exc=None, status=None):
        super().__init__()
        self.exc, self.status = exc, status

    def send(self, request, **kwargs):
        if self.exc:
            raise self.exc("the network broke", request=request)
        response = requests.Response()
        response.status_code, response._content, response.url = self.status, b"<html>503</html>", request.url
        response.headers["Content-Type"] = "text/html"
        response.request = request
        return response

    def close(self):
        pass


# Each returns one call of the production adapter; with `failing`, its session gets that adapter.
def _wechat_miniprogram(monkeypatch, failing=None):
    from platforms.sandbox.views import issue_login_code

    issue_login_code(openid="o1")  # "o1" opened the mini program: msg_sec_check takes its openid
    miniprogram = base.get_miniprogram("wechat")
    if failing:
        miniprogram.client._http.mount(transport.BASE_URLS["wechat"], failing)
    return lambda: miniprogram.check_text("你好", openid="o1")


def _wechat_pay(monkeypatch, failing=None):
    pay = base.get_payment_provider("wechat")
    if failing:  # wechatpayv3 calls module-level requests, routed through one session
        session = requests.Session()
        session.mount(transport.BASE_URLS["wechatpay"], failing)
        monkeypatch.setattr(wechatpayv3.core, "requests", transport.RoutedRequests(session))
    return lambda: pay.query("T2026112500001")


def _alipay(monkeypatch, failing=None):
    pay = base.get_payment_provider("alipay")
    if failing:
        pay.client._session.mount(transport.BASE_URLS["alipay"], failing)
    return lambda: pay.query("A2026112500001")


def _kuaidi100(monkeypatch, failing=None):
    tracking = Kuaidi100()
    if failing:
        tracking.session.mount(KUAIDI100_URL, failing)
    return lambda: tracking.poll(carrier_code="SF", tracking_number="SF1234567890123")


ADAPTERS = {
    "wechat mini program": _wechat_miniprogram,
    "wechat pay": _wechat_pay,
    "alipay": _alipay,
    "kuaidi100": _kuaidi100,
}
FAILURES = {
    "read timeout": (dict(exc=requests.exceptions.ReadTimeout), transport.TIMEOUT),
    "connect timeout": (dict(exc=requests.exceptions.ConnectTimeout), transport.TIMEOUT),
    "connection refused": (dict(exc=requests.exceptions.ConnectionError), transport.CONNECTION_ERROR),
    "HTTP 503": (dict(status=503), transport.HTTP_5XX),
}


@pytest.mark.django_db
@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("adapter", ADAPTERS)
def test_every_adapter_turns_an_outage_into_the_same_platform_unavailable(adapter, failure, monkeypatch):
    failing, code = FAILURES[failure]
    call = ADAPTERS[adapter](monkeypatch, _FailingAdapter(**failing))
    with pytest.raises(PlatformUnavailable) as caught:
        call()
    assert caught.value.code == code and caught.value.retryable


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fault_platform", "adapter"),
    [("wechat", "wechat mini program"), ("wechatpay", "wechat pay"), ("alipay", "alipay")],
)
def test_the_sandbox_timeout_fault_is_the_same_timeout_on_every_platform(fault_platform, adapter, monkeypatch):
    call = ADAPTERS[adapter](monkeypatch)
    faults.set_fault(fault_platform, "timeout")
    try:
        with pytest.raises(PlatformUnavailable) as caught:
            call()
    finally:
        faults.clear_faults()
    assert caught.value.code == transport.TIMEOUT and caught.value.retryable


def test_the_outage_codes_are_the_ones_the_module_documents():
    assert transport.UNAVAILABLE_CODES == ("timeout", "connection_error", "http_5xx", "bad_response", "platform_busy")
    for code in transport.UNAVAILABLE_CODES:
        assert f"``{code}``" in transport.__doc__


def test_json_answer_reads_json_and_refuses_what_is_not():
    def answer(status, content):
        response = requests.Response()
        response.status_code, response._content = status, content
        return response

    assert transport.json_answer(answer(200, b'{"ok": true}'), platform="alipay", action="x") == {"ok": True}
    with pytest.raises(PlatformUnavailable) as caught:
        transport.json_answer(answer(200, b"<html>proxy</html>"), platform="kuaidi100", action="poll")
    assert caught.value.code == transport.BAD_RESPONSE and caught.value.platform == "kuaidi100"
    with pytest.raises(PlatformUnavailable) as caught:
        transport.json_answer(answer(502, b"{}"), platform="kuaidi100", action="poll")
    assert caught.value.code == transport.HTTP_5XX and "HTTP 502" in caught.value.message
