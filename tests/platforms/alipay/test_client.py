"""The one Alipay client: the SDK's gateway where the transport expects it, every answer
checked (signature, business code), and each sandbox fault turned into the right exception."""

import inspect
from decimal import Decimal

import pytest
from alipay import AliPay, BaseAliPay
from django.conf import settings

from platforms.alipay.client import KitAliPay, alipay_session, load_credentials
from platforms.base import InvalidCode, PlatformError, PlatformUnavailable
from platforms.sandbox import faults
from platforms.sandbox.alipay_gateway import issue_login_code
from platforms.sandbox.alipay_keys import sandbox_keys
from platforms.transport import BASE_URLS, SANDBOX_PATHS


def _prepay(pay, out_trade_no="A20261125001", payer_id="2088000011112222"):
    import datetime as dt

    from django.utils import timezone

    from tests.platforms.alipay.conftest import NOTIFY_URL

    return pay.prepay(
        out_trade_no=out_trade_no,
        amount=Decimal("12.50"),
        description="Longjing 250 g",
        payer_id=payer_id,
        expires_at=timezone.now() + dt.timedelta(minutes=30),
        notify_url=NOTIFY_URL,
    )


# --- where the SDK keeps its gateway ------------------------------------------------------------------
def test_sdk_still_sends_its_one_http_call_to_its_gateway_attribute():
    """Fails when an upgrade of python-alipay-sdk moves the gateway or the HTTP call that
    KitAliPay replaces: the kit would then silently bypass the transport."""
    keys = sandbox_keys()
    client = AliPay(
        appid="2021000000000001",
        app_private_key_string=keys.app_private_key,
        alipay_public_key_string=keys.alipay_public_key,
    )
    assert client._gateway == BASE_URLS["alipay"] == "https://openapi.alipay.com/gateway.do"
    assert "verified_sync_response" in inspect.getsource(BaseAliPay.server_api)
    source = inspect.getsource(BaseAliPay.verified_sync_response)
    assert "self._gateway" in source and "urlopen(" in source
    assert "_verify_and_return_sync_response" in source
    assert KitAliPay.verified_sync_response is not BaseAliPay.verified_sync_response
    assert SANDBOX_PATHS["alipay"] == "/sandbox/alipay/gateway/"


def test_the_production_client_keeps_the_sdk_gateway(miniprogram):
    assert miniprogram.client._gateway == BASE_URLS["alipay"]
    assert miniprogram.client._timeout == settings.PLATFORM_TIMEOUT_SECONDS


def test_sandbox_mode_uses_the_sandbox_generated_keys():
    credentials = load_credentials()
    assert credentials.app_private_key == sandbox_keys().app_private_key
    assert credentials.alipay_public_key == sandbox_keys().alipay_public_key
    assert credentials.app_id == settings.ALIPAY_APP_ID


def test_production_mode_reads_keys_from_settings_paths_including_bare_base64(settings, tmp_path):
    settings.PLATFORM_SANDBOX = False
    keys = sandbox_keys()
    private = tmp_path / "app_private.txt"
    # The Alipay console hands out bare base64 without PEM armour.
    private.write_text("".join(line for line in keys.app_private_key.splitlines() if "-----" not in line))
    public = tmp_path / "alipay_public.pem"
    public.write_text(keys.alipay_public_key)
    settings.ALIPAY_PRIVATE_KEY_PATH = str(private)
    settings.ALIPAY_PUBLIC_KEY_PATH = str(public)
    credentials = load_credentials()
    client = KitAliPay(
        session=alipay_session(),
        timeout=1,
        appid=credentials.app_id,
        app_private_key_string=credentials.app_private_key,
        alipay_public_key_string=credentials.alipay_public_key,
    )
    assert client._gateway == BASE_URLS["alipay"]
    # Off the sandbox the session has no in-process adapter: real HTTPS only.
    assert not any(prefix.startswith("https://openapi.alipay.com") for prefix in alipay_session().adapters)


def test_production_mode_without_key_paths_refuses_to_start(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.PLATFORM_SANDBOX = False
    settings.ALIPAY_PRIVATE_KEY_PATH = ""
    with pytest.raises(ImproperlyConfigured):
        load_credentials()


# --- every answer is checked ---------------------------------------------------------------------------
def test_a_request_signed_with_another_app_key_is_refused_by_the_sandbox(miniprogram):
    from Cryptodome.PublicKey import RSA

    miniprogram.client._app_private_key = RSA.importKey(sandbox_keys().impostor_private_key)
    with pytest.raises(PlatformError) as caught:
        miniprogram.check_text("hello", openid="x")
    assert caught.value.code == "isv.invalid-signature"
    assert not caught.value.retryable


def test_a_business_failure_raises_instead_of_returning(pay):
    prepay = _prepay(pay)
    from platforms.sandbox.alipay_notify import pay_trade

    pay_trade(prepay.reference)
    with pytest.raises(PlatformError) as caught:
        pay.close(prepay.out_trade_no)
    assert caught.value.code == "ACQ.TRADE_STATUS_ERROR"
    assert caught.value.platform == "alipay"
    assert caught.value.raw["code"] == "40004"


def test_an_unknown_method_is_an_error_response(miniprogram):
    with pytest.raises(PlatformError) as caught:
        miniprogram.client.call("alipay.no.such.method")
    assert caught.value.code == "isv.invalid-method"


def test_a_used_login_code_is_invalid_code(miniprogram):
    code = issue_login_code().code
    miniprogram.login(code)
    with pytest.raises(InvalidCode):
        miniprogram.login(code)


# --- faults -------------------------------------------------------------------------------------------------
def test_timeout_becomes_retryable_platform_unavailable(pay):
    faults.set_fault("alipay", "timeout")
    with pytest.raises(PlatformUnavailable) as caught:
        pay.query("A20261125404")
    assert caught.value.code == "timeout"
    assert caught.value.retryable


def test_http_5xx_becomes_platform_unavailable(pay):
    faults.set_fault("alipay", "http_500")
    with pytest.raises(PlatformUnavailable) as caught:
        pay.query("A20261125404")
    assert caught.value.code == "http_5xx" and "HTTP 502" in caught.value.message


def test_busy_on_a_trade_call_is_acq_system_error_and_retryable(pay):
    faults.set_fault("alipay", "busy")
    with pytest.raises(PlatformUnavailable) as caught:
        _prepay(pay)
    assert caught.value.code == "platform_busy" and caught.value.raw["sub_code"] == "aop.ACQ.SYSTEM_ERROR"
    assert caught.value.retryable


def test_busy_elsewhere_is_service_unavailable_20000_and_retryable(miniprogram):
    faults.set_fault("alipay", "busy")
    code = issue_login_code().code
    with pytest.raises(PlatformUnavailable) as caught:
        miniprogram.login(code)
    assert caught.value.code == "platform_busy" and caught.value.raw["code"] == "20000"
    # The code was not consumed: the retry logs the shopper in.
    assert miniprogram.login(code).openid


def test_a_response_signed_with_another_key_is_refused(pay):
    faults.set_fault("alipay", "wrong_signature")
    with pytest.raises(PlatformError) as caught:
        pay.query("A20261125404")
    assert caught.value.code == "invalid_signature"
    assert not isinstance(caught.value, PlatformUnavailable)


def test_a_forged_failure_is_refused_too(pay):
    """A forged "trade does not exist" must not reach the unpaid-order task as "not paid"."""
    faults.set_fault("alipay", "wrong_signature")
    with pytest.raises(PlatformError) as caught:
        pay.query("A20261125404")  # the sandbox answers ACQ.TRADE_NOT_EXIST, signed wrongly
    assert caught.value.code == "invalid_signature"


def test_a_fault_counts_down_and_the_next_call_succeeds(pay):
    faults.set_fault("alipay", "timeout", times=2)
    for _ in range(2):
        with pytest.raises(PlatformUnavailable):
            pay.query("A20261125404")
    assert pay.query("A20261125404").state == "not_found"


# --- files Alipay answers with a URL to ------------------------------------------------------------------
class _AnswerAdapter:
    """A requests adapter for one host that answers with a fixed status or raises."""

    def __init__(self, status=200, content=b"", raises=None):
        self.status, self.content, self.raises = status, content, raises

    def send(self, request, **kwargs):
        import requests

        if self.raises:
            raise self.raises(request=request)
        response = requests.Response()
        response.status_code, response._content, response.url = self.status, self.content, request.url
        return response

    def close(self):
        pass


@pytest.mark.parametrize(
    ("adapter", "expected"),
    [
        (_AnswerAdapter(status=503), "http_5xx"),
        (_AnswerAdapter(raises=__import__("requests").exceptions.ReadTimeout), "timeout"),
        (_AnswerAdapter(raises=__import__("requests").exceptions.ConnectionError), "connection_error"),
    ],
)
def test_a_failing_file_download_is_retryable(miniprogram, adapter, expected):
    miniprogram.client._session.mount("https://files.example.com/", adapter)
    with pytest.raises(PlatformUnavailable) as caught:
        miniprogram.client.download("https://files.example.com/bill.zip", "bill")
    assert caught.value.code == expected


def test_a_missing_file_is_a_platform_error_that_is_not_retried(miniprogram):
    miniprogram.client._session.mount("https://files.example.com/", _AnswerAdapter(status=404))
    with pytest.raises(PlatformError) as caught:
        miniprogram.client.download("https://files.example.com/x", "bill")
    assert caught.value.code == "http_404" and not caught.value.retryable


def test_an_unsigned_business_failure_is_not_trusted(pay):
    """Only a signed "ACQ.TRADE_NOT_EXIST" may tell the unpaid-order task nothing was paid."""
    body = b'{"alipay_trade_query_response":{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST"}}'
    pay.client._session.mount(BASE_URLS["alipay"], _AnswerAdapter(status=200, content=body))
    with pytest.raises(PlatformError) as caught:
        pay.query("A20261125001")
    assert caught.value.code == "invalid_signature"


def test_an_unsigned_busy_answer_is_still_retryable(pay):
    body = b'{"alipay_trade_query_response":{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error"}}'
    pay.client._session.mount(BASE_URLS["alipay"], _AnswerAdapter(status=200, content=body))
    with pytest.raises(PlatformUnavailable):
        pay.query("A20261125001")


def test_a_non_json_answer_is_retryable(pay):
    pay.client._session.mount(BASE_URLS["alipay"], _AnswerAdapter(status=200, content=b"<html>proxy</html>"))
    with pytest.raises(PlatformUnavailable) as caught:
        pay.query("A20261125001")
    assert caught.value.code == "bad_response"
