"""The Alipay mini program adapter against the sandbox: login, phone numbers, content checks,
codes, links, notices and the documented no-ops."""

import base64
import datetime as dt
import io
import json
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.utils import timezone
from PIL import Image

from platforms.base import InvalidCode, PlatformError
from platforms.sandbox.alipay_gateway import encrypted_phone_response, issue_login_code
from platforms.sandbox.alipay_models import AlipayAuthCode, AlipayMessage
from tests.factories import AlipayUserFactory


# --- login ------------------------------------------------------------------------------------------------
def test_login_code_gives_the_alipay_user_id(miniprogram):
    code = issue_login_code()
    result = miniprogram.login(code.code)
    assert result.platform == "alipay"
    assert result.openid == code.user.user_id
    assert result.app_id == miniprogram.app_id


def test_a_newer_app_gets_only_an_open_id_and_logs_in_with_it(miniprogram):
    code = issue_login_code(open_id="0" + "a" * 44)
    assert miniprogram.login(code.code).openid == "0" + "a" * 44


def test_an_unknown_code_is_invalid(miniprogram):
    with pytest.raises(InvalidCode) as caught:
        miniprogram.login("no-such-code")
    assert caught.value.code == "invalid_code"


def test_an_empty_code_is_invalid_without_calling_alipay(miniprogram):
    with pytest.raises(InvalidCode):
        miniprogram.login("")


def test_a_code_older_than_five_minutes_is_invalid(miniprogram):
    code = issue_login_code()
    AlipayAuthCode.objects.filter(pk=code.pk).update(created_at=timezone.now() - dt.timedelta(minutes=6))
    with pytest.raises(InvalidCode):
        miniprogram.login(code.code)


# --- phone number -------------------------------------------------------------------------------------------
def test_the_encrypted_phone_response_decrypts_to_the_number(miniprogram):
    phone = miniprogram.phone_number(encrypted_response=encrypted_phone_response("13912345678"))
    assert phone.phone == "13912345678"
    assert phone.country_code == "86"


def test_a_tampered_ciphertext_is_refused(miniprogram):
    envelope = json.loads(encrypted_phone_response("13912345678"))
    raw = bytearray(base64.b64decode(envelope["response"]))
    raw[0] ^= 0x01
    envelope["response"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(InvalidCode) as caught:
        miniprogram.phone_number(encrypted_response=json.dumps(envelope))
    assert caught.value.code == "invalid_phone_response"


def test_a_response_signed_by_someone_else_is_refused(miniprogram):
    with pytest.raises(InvalidCode):
        miniprogram.phone_number(encrypted_response=encrypted_phone_response("13912345678", impostor=True))


def test_a_response_without_signature_is_refused(miniprogram):
    envelope = json.loads(encrypted_phone_response("13912345678"))
    del envelope["sign"]
    with pytest.raises(InvalidCode):
        miniprogram.phone_number(encrypted_response=json.dumps(envelope))


@pytest.mark.parametrize("garbage", ["", "not json", "[]", '{"response": 5}'])
def test_garbage_instead_of_a_phone_response_is_refused(miniprogram, garbage):
    with pytest.raises(InvalidCode):
        miniprogram.phone_number(encrypted_response=garbage)


def test_the_sandbox_control_gives_a_phone_response_for_a_user(miniprogram, api):
    user = AlipayUserFactory(phone="13700001111")
    answer = api.post("/sandbox/alipay/phone-response/", {"user_id": user.user_id}, format="json")
    assert answer.status_code == 200
    assert miniprogram.phone_number(encrypted_response=answer.json()["response"]).phone == "13700001111"


def test_the_phone_response_control_refuses_an_unknown_user(api):
    answer = api.post("/sandbox/alipay/phone-response/", {"user_id": "2088999999999999"}, format="json")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "user_not_found"


# --- content, codes, links, notices ------------------------------------------------------------------------------
def test_ordinary_text_passes(miniprogram):
    verdict = miniprogram.check_text("这款龙井很香", openid="2088000011112222")
    assert verdict.passed
    assert verdict.trace_id


def test_text_with_a_risky_word_is_risky_with_the_word_as_label(miniprogram, settings):
    settings.SANDBOX_RISKY_WORDS = ["代开发票"]
    verdict = miniprogram.check_text("可以代开发票吗", openid="2088000011112222")
    assert verdict.suggest == "risky"
    assert verdict.label == "代开发票"


def test_the_mini_program_code_is_a_real_png_fetched_through_the_transport(miniprogram):
    png = miniprogram.unlimited_code(scene="g=42", page="pages/giveaway/index")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size[0] > 100


def test_the_url_link_opens_the_page_with_its_query(miniprogram):
    link = miniprogram.url_link(path="/pages/product/index", query="id=7&from=sms")
    assert link.startswith("https://ds.alipay.com/?scheme=")
    scheme = unquote(parse_qs(urlsplit(link).query)["scheme"][0])
    assert scheme.startswith(f"alipays://platformapi/startapp?appId={miniprogram.app_id}")
    assert "page=pages/product/index" in scheme
    assert "query=id=7&from=sms" in unquote(scheme)


def test_a_notice_reaches_alipay_as_a_template_message(miniprogram):
    miniprogram.send_notice(
        openid="2088000011112222",
        template_id="TPL-shipped",
        page="pages/order/index?id=1",
        data={"keyword1": {"value": "已发货"}},
    )
    message = AlipayMessage.objects.get()
    assert message.to_user_id == "2088000011112222"
    assert message.template_id == "TPL-shipped"
    assert message.data == {"keyword1": {"value": "已发货"}}


def test_a_notice_to_an_open_id_user_is_addressed_by_open_id(miniprogram):
    miniprogram.send_notice(openid="0" + "b" * 44, template_id="TPL", page="", data={})
    assert AlipayMessage.objects.get().to_user_id == "0" + "b" * 44


def test_a_notice_without_template_is_a_platform_error(miniprogram):
    with pytest.raises(PlatformError) as caught:
        miniprogram.send_notice(openid="2088000011112222", template_id="", page="", data={})
    assert caught.value.code == "INVALID_PARAMETER"


def test_the_wechat_only_calls_are_documented_no_ops(miniprogram):
    assert miniprogram.upload_shipping({"order_key": {}}) is None
    assert miniprogram.submit_pages([{"path": "pages/index", "query": ""}]) is None
    assert miniprogram.user_risk_rank("2088000011112222", client_ip="1.2.3.4") == 0
    assert miniprogram.check_image_async("https://example.com/a.jpg", openid="2088000011112222") == ""
