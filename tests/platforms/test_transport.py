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

from platforms import transport
from platforms.sandbox import faults


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
    response = transport.send(session, "GET", "https://api.weixin.qq.com/sns/jscode2session?js_code=nope"
                              "&appid=wxdemo0000000001&secret=demo-wechat-secret")
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
        transport.send(transport.platform_session("wechat"), "GET", "https://api.weixin.qq.com/cgi-bin/token",
                       headers={"Accept-Language": "zh-hans"})
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
