"""The WeChat mini program adapter against the sandbox: the production class, talking to
WeChat's real paths, answered in-process by the emulated WeChat."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from platforms.base import InvalidCode, PlatformError, PlatformUnavailable
from platforms.sandbox import faults
from platforms.sandbox.models import AccessToken, SearchSubmission, ShippingUpload, SubscribeMessage
from platforms.sandbox.wechat_views import expire_access_tokens
from platforms.wechat.client import new_client
from platforms.wechat.miniprogram import WeChatMiniProgram
from tests.factories import login_code, phone_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _o1_opened_the_mini_program(db):
    """The shopper "o1" opened the mini program just now (wx.login): msg_sec_check takes only
    openids that visited in the last two hours."""
    login_code(openid="o1")


@pytest.fixture
def paid_trade(db):
    """The payment the shipping payload below names, paid five minutes ago."""
    from platforms.sandbox.models import PayTrade

    return PayTrade.objects.create(
        prepay_id="wx_ship_1",
        appid="wxdemo0000000001",
        mchid="1900000001",
        out_trade_no="T20261125001",
        description="明前龙井",
        total=12800,
        payer_openid="o_payer",
        notify_url="http://127.0.0.1:8000/api/v1/notify/wechatpay/",
        state=PayTrade.State.SUCCESS,
        transaction_id="4200000000000000000001",
        success_time=timezone.now() - dt.timedelta(minutes=5),
    )


def shipping_payload(**overrides):
    payload = {
        "order_key": {"order_number_type": 1, "mchid": "1900000001", "out_trade_no": "T20261125001"},
        "logistics_type": 1,
        "delivery_mode": 1,
        "shipping_list": [
            {
                "tracking_no": "SF1234567890",
                "express_company": "SF",
                "item_desc": "明前龙井 x1",
                "contact": {"receiver_contact": "*******0000"},
            }
        ],
        "upload_time": "2026-11-25T12:00:00+08:00",
        "payer": {"openid": "o_payer"},
    }
    payload.update(overrides)
    return payload


def test_a_shopper_logs_in_with_a_code_from_wx_login(wechat):
    code, openid = login_code(unionid="u_123")
    result = wechat.login(code)
    assert (result.openid, result.unionid, result.platform) == (openid, "u_123", "wechat")
    assert result.session_key


def test_a_login_code_works_only_once(wechat):
    code, _ = login_code()
    wechat.login(code)
    with pytest.raises(InvalidCode):
        wechat.login(code)


def test_an_unknown_login_code_is_an_invalid_code(wechat):
    with pytest.raises(InvalidCode) as caught:
        wechat.login("not-a-code")
    assert caught.value.code == "invalid_code" and not caught.value.retryable


def test_login_does_not_need_an_access_token(wechat):
    code, _ = login_code()
    wechat.login(code)
    assert AccessToken.objects.count() == 0


def test_the_phone_number_comes_from_a_one_time_phone_code(wechat):
    _, openid = login_code()
    code = phone_code(openid=openid, phone="13800138000")
    assert wechat.phone_number(code=code).phone == "13800138000"
    with pytest.raises(InvalidCode):
        wechat.phone_number(code=code)


def test_text_with_a_risky_word_is_judged_risky(wechat, settings):
    settings.SANDBOX_RISKY_WORDS = ["刷单"]
    assert wechat.check_text("明前龙井，好喝", openid="o1").passed
    verdict = wechat.check_text("加我刷单", openid="o1")
    assert verdict.suggest == "risky" and verdict.trace_id


def test_an_image_check_answers_a_trace_id(wechat):
    assert wechat.check_image_async("https://cdn.example.com/ugc/1.jpg", openid="o1")


def test_a_bot_is_a_high_risk_and_a_shopper_a_low_one(wechat):
    assert wechat.user_risk_rank("o_shopper", client_ip="1.2.3.4") == 0
    assert wechat.user_risk_rank("o_bot_7", client_ip="1.2.3.4") == 4


def test_an_unlimited_code_is_a_real_png_of_the_requested_width(wechat):
    png = wechat.unlimited_code(scene="c=SPRING26", page="pages/campaign/index", width=430)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (430, 430)


def test_an_unlimited_code_scene_longer_than_32_characters_is_refused(wechat):
    with pytest.raises(PlatformError) as caught:
        wechat.unlimited_code(scene="x" * 33, page="pages/index/index")
    assert caught.value.code == "invalid_scene"  # not sent: the sandbox answers 40169 (test_wechat_strict_rules)


def test_a_url_link_opens_the_mini_program(wechat):
    assert wechat.url_link(path="pages/campaign/index", query="c=SPRING26").startswith("https://wxaurl.cn/")


def test_a_subscribe_message_is_recorded_with_its_data(wechat):
    wechat.send_notice(
        openid="o_fan", template_id="tpl_ship", page="pages/order/detail?number=1", data={"thing2": "顺丰速运"}
    )
    message = SubscribeMessage.objects.get()
    assert message.data == {"thing2": {"value": "顺丰速运"}} and message.touser == "o_fan"


def test_subscribe_message_values_are_cut_to_what_their_field_type_allows(wechat):
    wechat.send_notice(
        openid="o_fan",
        template_id="tpl_ship",
        page="",
        data={"thing2": "一" * 30, "character_string1": "T" * 40, "time3": "2026-11-25 12:00"},
    )
    data = SubscribeMessage.objects.get().data
    assert data["thing2"]["value"] == "一" * 19 + "…"
    assert data["character_string1"]["value"] == "T" * 32 and data["time3"]["value"] == "2026-11-25 12:00"


def test_the_sandbox_refuses_a_value_too_long_for_its_field_like_wechat(wechat):
    from platforms.sandbox.models import AccessToken as Token

    wechat.check_text("warm up", openid="o1")
    response = wechat.client._http.post(
        "https://api.weixin.qq.com/cgi-bin/message/subscribe/send",
        params={"access_token": Token.objects.get().token},
        json={"touser": "o1", "template_id": "t", "data": {"thing1": {"value": "x" * 21}}},
    )
    assert response.json()["errcode"] == 47003


def test_a_subscribe_message_without_a_grant_is_no_grant(wechat):
    with pytest.raises(PlatformError) as caught:
        wechat.send_notice(openid="o_nogrant", template_id="tpl_ship", page="", data={"thing2": "x"})
    assert caught.value.code == "no_grant" and not caught.value.retryable


def test_a_well_formed_shipping_upload_is_recorded(wechat, paid_trade):
    wechat.upload_shipping(shipping_payload())
    assert ShippingUpload.objects.get().payload["order_key"]["out_trade_no"] == "T20261125001"


@pytest.mark.parametrize(
    "overrides, complaint",
    [
        ({"logistics_type": 9}, "logistics_type"),
        ({"delivery_mode": 2}, "is_all_delivered"),
        ({"upload_time": "2026-11-25 12:00:00"}, "RFC 3339"),
        ({"payer": {}}, "payer.openid"),
        (
            {
                "delivery_mode": 2,
                "is_all_delivered": True,
                "shipping_list": [
                    {"tracking_no": f"SF{i}", "express_company": "ZTO", "item_desc": "茶"} for i in range(11)
                ],
            },
            "at most 10",
        ),
        ({"shipping_list": [{"tracking_no": "SF1", "express_company": "SF", "item_desc": "茶"}]}, "contact"),
    ],
)
def test_a_malformed_shipping_upload_is_refused_like_wechat_does(wechat, paid_trade, overrides, complaint):
    with pytest.raises(PlatformError) as caught:
        wechat.upload_shipping(shipping_payload(**overrides))
    assert complaint in caught.value.message
    assert ShippingUpload.objects.count() == 0


def test_pages_are_submitted_for_wechat_search(wechat):
    wechat.submit_pages([{"path": "pages/product/detail", "query": "id=1"}])
    assert SearchSubmission.objects.get().pages == [{"path": "pages/product/detail", "query": "id=1"}]


def test_two_clients_share_one_access_token():
    first, second = WeChatMiniProgram(new_client()), WeChatMiniProgram(new_client())
    first.check_text("你好", openid="o1")
    second.check_text("你好", openid="o1")
    assert AccessToken.objects.count() == 1


def test_a_token_refreshed_by_one_client_after_it_expired_is_used_by_the_other():
    first, second = WeChatMiniProgram(new_client()), WeChatMiniProgram(new_client())
    first.check_text("你好", openid="o1")
    expire_access_tokens()
    first.check_text("你好", openid="o1")  # 40001, new token, retried once
    second.check_text("你好", openid="o1")
    assert AccessToken.objects.count() == 2
    assert AccessToken.objects.filter(revoked=False).count() == 1


def test_a_token_refused_twice_is_an_error_not_a_loop(wechat, monkeypatch):
    from platforms.sandbox import wechat_views

    wechat.check_text("你好", openid="o1")
    # From now on WeChat only hands out tokens that are already expired.
    monkeypatch.setattr(
        wechat_views,
        "_issue_token",
        lambda appid: AccessToken.objects.create(
            appid=appid, token=f"dead{AccessToken.objects.count()}", expires_at=timezone.now() - dt.timedelta(seconds=1)
        ),
    )
    expire_access_tokens()
    with pytest.raises(PlatformError) as caught:
        wechat.check_text("你好", openid="o1")
    assert caught.value.code == "42001"


@pytest.mark.parametrize(
    ("mode", "code"), [("timeout", "timeout"), ("http_500", "http_5xx"), ("busy", "platform_busy")]
)
def test_each_outage_fault_is_platform_unavailable_and_retryable(wechat, mode, code):
    wechat.check_text("warm up the token", openid="o1")
    faults.set_fault("wechat", mode)
    with pytest.raises(PlatformUnavailable) as caught:
        wechat.check_text("你好", openid="o1")
    assert caught.value.retryable and caught.value.code == code
    assert wechat.check_text("你好", openid="o1").passed  # the fault was for one call


def test_an_outage_while_fetching_the_token_is_platform_unavailable(wechat):
    faults.set_fault("wechat", "busy")
    with pytest.raises(PlatformUnavailable):
        wechat.check_text("你好", openid="o1")
