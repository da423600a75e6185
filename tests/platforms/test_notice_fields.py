"""Subscribe-message values of the right type and shape, on both platforms: the kit formats each
value for its keyword's type and refuses a template it cannot fill before it spends a grant; the
sandboxes refuse what WeChat (47003, 41030) and Alipay (values not {"value": ...}, over 50
characters, no subscription left) refuse; the adapters never send such a message."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from platforms.base import PlatformError, get_miniprogram
from platforms.demo import TEMPLATES, load_demo, template_id
from platforms.models import NoticeGrant, NoticeLog, NoticeTemplate
from platforms.notice_fields import FieldValueError, wechat_value
from platforms.sandbox.alipay_models import AlipayMessage, AlipayUser
from platforms.sandbox.models import AccessToken, SubscribeMessage
from platforms.services import UNFILLABLE, render_fields, send_notice
from platforms.tasks import deliver_notice
from tests.factories import IdentityFactory, NoticeGrantFactory, NoticeTemplateFactory, wechat_identity

pytestmark = pytest.mark.django_db
SEND_URL = "https://api.weixin.qq.com/cgi-bin/message/subscribe/send"
PAID_AT = dt.datetime(2026, 11, 25, 4, 1, tzinfo=dt.UTC)  # 12:01 in Beijing


def paid_template(**overrides):
    fields = {
        "field_map": {"character_string1": "{order_number}", "amount2": "{total}", "time3": "{paid_at}"},
        "page": "pages/order/detail?number={order_number}",
        "event": "order_paid",
    }
    return NoticeTemplateFactory(**{**fields, **overrides})


def shopper_with_grant(member, template, platform="wechat", openid=None):
    if platform == "wechat":
        wechat_identity(member, openid=openid)
    else:
        IdentityFactory(member=member, platform="alipay", app_id="2021000000000001", openid=openid)
    NoticeGrantFactory(member=member, platform=platform, template_id=template.template_id, remaining=1)


def send(member, event, context, capture):
    with capture(execute=True):
        logs = send_notice(member=member, event=event, context=context)
    for log in logs:
        log.refresh_from_db()
    return logs


# --- the kit formats each value for its type ----------------------------------------------------------------------
def test_a_paid_notice_shows_the_amount_with_its_sign_and_the_time_in_beijing(
    member, django_capture_on_commit_callbacks
):
    template = paid_template()
    shopper_with_grant(member, template)
    context = {"order_number": "T20261125001", "total": Decimal("12.5"), "paid_at": PAID_AT}
    [log] = send(member, "order_paid", context, django_capture_on_commit_callbacks)
    assert log.status == NoticeLog.Status.SENT
    assert SubscribeMessage.objects.get().data == {
        "character_string1": {"value": "T20261125001"},
        "amount2": {"value": "¥12.50"},
        "time3": {"value": "2026-11-25 12:01"},
    }


def test_an_amount_the_payments_pass_as_text_is_written_as_money_too(member):
    data, page = render_fields(paid_template(), {"order_number": "T1", "total": "12.50", "paid_at": "2026-11-25 12:01"})
    assert data["amount2"] == "¥12.50" and page == "pages/order/detail?number=T1"


def test_a_long_thing_is_cut_within_twenty_characters_with_an_ellipsis(member):
    template = NoticeTemplateFactory(field_map={"thing2": "{items}"}, page="")
    data, _page = render_fields(template, {"items": "明前龙井 250 克 礼盒装 x2、祁门红茶 100 克"})
    assert len(data["thing2"]) == 20 and data["thing2"].endswith("…")


@pytest.mark.parametrize(
    "keyword, value, expected",
    [
        ("number3", Decimal("3"), "3"),
        ("date4", dt.date(2026, 12, 1), "2026-12-01"),
        ("date4", PAID_AT, "2026-11-25"),
        ("time5", dt.time(15, 1), "15:01"),
        ("phrase6", "已发货", "已发货"),
        ("thing7", "第一行\n第二行", "第一行 第二行"),
    ],
)
def test_each_type_formats_its_value(keyword, value, expected):
    assert wechat_value(keyword, value) == expected


@pytest.mark.parametrize(
    "keyword, value",
    [
        ("number3", "12.5元"),  # what the adapter used to pass as a number
        ("amount2", 12.5),  # never a float
        ("time3", dt.datetime(2026, 11, 25, 12, 1)),  # naive: which time zone?
        ("phrase4", "已经发货了呀"),
        ("letter5", "ab1"),
        ("thing6", "   "),
    ],
)
def test_a_value_its_type_cannot_take_is_refused(keyword, value):
    with pytest.raises(FieldValueError):
        wechat_value(keyword, value)


# --- a template that cannot be filled is refused before a grant is spent ----------------------------------------------
def test_a_missing_placeholder_refuses_the_notice_and_keeps_the_grant(member, django_capture_on_commit_callbacks):
    template = NoticeTemplateFactory(event="order_shipped")  # character_string1 {order_number}, thing2 {carrier}
    shopper_with_grant(member, template)
    [log] = send(member, "order_shipped", {"order_number": "T001"}, django_capture_on_commit_callbacks)
    assert (log.status, log.error_code) == (NoticeLog.Status.FAILED, UNFILLABLE)
    assert "thing2" in log.error and "{carrier}" in log.error
    assert NoticeGrant.objects.get().remaining == 1
    assert log.attempts == 0 and not SubscribeMessage.objects.exists()


def test_a_value_wrong_for_its_type_refuses_the_notice_and_keeps_the_grant(member, django_capture_on_commit_callbacks):
    template = NoticeTemplateFactory(event="order_paid", field_map={"number1": "{total}"})
    shopper_with_grant(member, template)
    [log] = send(member, "order_paid", {"total": "12.5元"}, django_capture_on_commit_callbacks)
    assert (log.status, log.error_code) == (NoticeLog.Status.FAILED, UNFILLABLE) and "number1" in log.error
    assert NoticeGrant.objects.get().remaining == 1


def test_an_empty_value_is_refused_before_wechat_would_answer_47003(member, django_capture_on_commit_callbacks):
    template = NoticeTemplateFactory(event="order_shipped")
    shopper_with_grant(member, template)
    [log] = send(member, "order_shipped", {"order_number": "T001", "carrier": ""}, django_capture_on_commit_callbacks)
    assert log.status == NoticeLog.Status.FAILED and "empty" in log.error
    assert NoticeGrant.objects.get().remaining == 1


def test_a_page_placeholder_the_event_lacks_refuses_the_notice(member, django_capture_on_commit_callbacks):
    template = NoticeTemplateFactory(event="order_shipped", page="pages/order/detail?number={number}")
    shopper_with_grant(member, template)
    [log] = send(member, "order_shipped", {"order_number": "T1", "carrier": "顺丰"}, django_capture_on_commit_callbacks)
    assert log.status == NoticeLog.Status.FAILED and log.error.startswith("page:")


# --- templates declare their keywords' types ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "platform, field_map, field_types, complaint",
    [
        ("wechat", {"thing2": "{carrier}"}, {"thing2": "amount"}, "WeChat types it as thing, not amount"),
        ("wechat", {"site01": "{store}"}, {}, "WeChat names each field by its type"),
        ("wechat", {"thing2": "{carrier"}, {}, "do not parse"),
        ("alipay", {"thing2": "{carrier}"}, {}, "keyword1, keyword2"),
        ("alipay", {"keyword1": "{total}"}, {"keyword1": "money"}, "unknown type"),
        ("alipay", {"keyword1": "{total}"}, {"keyword2": "amount"}, "not a field of the mapping"),
    ],
)
def test_a_template_whose_keywords_the_platform_cannot_take_is_refused(platform, field_map, field_types, complaint):
    template = NoticeTemplate(
        platform=platform, event="order_paid", template_id="tpl", field_map=field_map, field_types=field_types
    )
    with pytest.raises(ValidationError) as caught:
        template.full_clean()
    assert complaint in str(caught.value)


def test_marketers_see_each_keyword_with_its_type_in_the_admin(admin_client):
    template = NoticeTemplateFactory(
        platform="alipay",
        field_map={"keyword1": "{order_number}", "keyword2": "{total}"},
        field_types={"keyword2": "amount"},
    )
    listing = admin_client.get("/admin/platforms/noticetemplate/").content.decode()
    assert "keyword1: thing, keyword2: amount" in listing
    page = admin_client.get(f"/admin/platforms/noticetemplate/{template.pk}/change/").content.decode()
    assert "金额 amount" in page


def test_the_admin_refuses_to_save_a_mismatched_type(admin_client):
    response = admin_client.post(
        "/admin/platforms/noticetemplate/add/",
        {
            "platform": "wechat",
            "event": "order_paid",
            "title": "支付成功",
            "template_id": "tpl-new",
            "is_active": "on",
            "field_map": json.dumps({"amount2": "{total}"}),
            "field_types": json.dumps({"amount2": "number"}),
            "page": "",
        },
    )
    assert response.status_code == 200  # the form comes back with the complaint
    assert "WeChat types it as amount, not number" in response.content.decode()
    assert not NoticeTemplate.objects.filter(template_id="tpl-new").exists()


# --- the WeChat sandbox refuses what WeChat refuses -------------------------------------------------------------------
def raw_send(wechat, **body):
    """A subscribe/send request built by hand, bypassing the adapter's checks."""
    token = wechat.client.access_token
    assert AccessToken.objects.filter(token=token).exists()
    message = {"touser": "o_fan", "template_id": "tpl", "page": "pages/order/detail?number=1", **body}
    return wechat.client._http.post(SEND_URL, params={"access_token": token}, json=message).json()


@pytest.mark.parametrize(
    "keyword, value",
    [
        ("thing1", "一" * 21),
        ("thing1", ""),
        ("number2", "12.5元"),
        ("letter3", "ab1"),
        ("symbol4", "abc"),
        ("character_string5", "订单1"),
        ("character_string5", "T" * 33),
        ("phrase6", "已经发货了呀"),
        ("phrase6", "sent"),
        ("amount7", "12.50"),  # no currency sign and no 元
        ("amount7", "¥12345678901.00"),  # more than 10 digits
        ("time8", "tomorrow"),
        ("time8", "2020-01-18 16:18:49.0"),
        ("date9", "15:01"),
        ("car_number10", "粤A8Z888挂9"),
        ("phone_number11", "call me"),
        ("name12", "张三3"),
    ],
)
def test_the_sandbox_refuses_a_value_wrong_for_its_type_with_47003(wechat, keyword, value):
    answer = raw_send(wechat, data={keyword: {"value": value}})
    assert answer["errcode"] == 47003 and keyword in answer["errmsg"]
    assert not SubscribeMessage.objects.exists()


@pytest.mark.parametrize(
    "keyword, value",
    [
        ("amount1", "¥12.50"),
        ("amount1", "12.50元"),
        ("time2", "15:01"),
        ("time2", "2019年10月1日 15:01"),
        ("time2", "2019-10-01 15:01"),
        ("date3", "2019-10-01"),
        ("date3", "2019年10月1日"),
        ("car_number4", "粤A8Z888挂"),
        ("phone_number5", "+86-0766-66888866"),
        ("name6", "张三"),
        ("phrase7", "配送中"),
        ("number8", "339208499"),
        ("character_string9", "SF1234567890"),
    ],
)
def test_the_sandbox_takes_the_documented_examples(wechat, keyword, value):
    assert raw_send(wechat, data={keyword: {"value": value}})["errcode"] == 0


@pytest.mark.parametrize(
    "body, errcode",
    [
        ({"page": "pages/not/published"}, 41030),
        ({"page": "pages/order/detail#x"}, 41030),
        ({"lang": "fr_FR"}, 47003),
        ({"miniprogram_state": "beta"}, 47003),
        ({"data": {}}, 47003),
    ],
)
def test_the_sandbox_refuses_an_unknown_page_a_bad_lang_or_state(wechat, body, errcode):
    answer = raw_send(wechat, **{"data": {"thing1": {"value": "好"}}, **body})
    assert answer["errcode"] == errcode


def test_a_trial_build_may_open_a_page_the_published_version_lacks(wechat):
    answer = raw_send(wechat, data={"thing1": {"value": "好"}}, page="pages/new/index", miniprogram_state="trial")
    assert answer["errcode"] == 0


# --- the WeChat adapter never sends such a message ---------------------------------------------------------------------
@pytest.mark.parametrize("data", [{"number3": "12.5元"}, {"thing1": ""}, {"phrase2": "shipped"}, {"amount1": "free"}])
def test_the_wechat_adapter_refuses_a_value_wechat_would_refuse_without_calling_it(wechat, data):
    with pytest.raises(PlatformError) as caught:
        wechat.send_notice(openid="o_fan", template_id="tpl", page="", data=data)
    assert caught.value.code == "47003" and not caught.value.retryable
    assert not AccessToken.objects.exists()  # not even a token was fetched: nothing was sent


def test_the_wechat_adapter_refuses_a_page_with_a_fragment_and_a_bad_state(wechat, settings):
    with pytest.raises(PlatformError) as caught:
        wechat.send_notice(openid="o_fan", template_id="tpl", page="pages/order/detail#top", data={"thing1": "好"})
    assert caught.value.code == "41030"
    settings.WECHAT_MINIPROGRAM_STATE = "beta"
    with pytest.raises(PlatformError) as caught:
        wechat.send_notice(openid="o_fan", template_id="tpl", page="", data={"thing1": "好"})
    assert caught.value.code == "47003" and not AccessToken.objects.exists()


def test_an_unpublished_page_comes_back_as_41030_and_is_not_retried(wechat):
    with pytest.raises(PlatformError) as caught:
        wechat.send_notice(openid="o_fan", template_id="tpl", page="pages/not/published", data={"thing1": "好"})
    assert caught.value.code == "41030" and not caught.value.retryable


def test_a_notice_wechat_refuses_gives_the_shopper_their_subscription_back_once(
    member, django_capture_on_commit_callbacks
):
    template = paid_template(page="pages/not/published")  # WeChat answers 41030: nothing reaches the shopper
    shopper_with_grant(member, template)
    context = {"order_number": "T20261125001", "total": Decimal("12.50"), "paid_at": PAID_AT}
    [log] = send(member, "order_paid", context, django_capture_on_commit_callbacks)
    assert (log.status, log.error_code, log.attempts) == (NoticeLog.Status.FAILED, "41030", 1)
    assert NoticeGrant.objects.get().remaining == 1
    # A redelivered task finds the notice ended and gives nothing back a second time.
    NoticeLog.objects.filter(pk=log.pk).update(status=NoticeLog.Status.FAILED)
    assert deliver_notice.delay(log.pk).get() == "gone"
    assert NoticeGrant.objects.get().remaining == 1


def test_a_shopper_wechat_says_has_no_subscription_gets_none_back(member, django_capture_on_commit_callbacks):
    template = paid_template()
    shopper_with_grant(member, template, openid="o_nogrant_2")
    context = {"order_number": "T20261125001", "total": Decimal("12.50"), "paid_at": PAID_AT}
    [log] = send(member, "order_paid", context, django_capture_on_commit_callbacks)
    assert log.status == NoticeLog.Status.NO_GRANT and NoticeGrant.objects.get().remaining == 0


# --- Alipay: {"keyword1": {"value": ...}}, at most 50 characters, a subscription left ---------------------------
def alipay_raw_send(data, to_user_id="2088000011112222"):
    """templatemessage.send signed correctly but built by hand, bypassing the adapter."""
    client = get_miniprogram("alipay").client
    method = "alipay.open.app.mini.templatemessage.send"
    biz = {"to_user_id": to_user_id, "user_template_id": "TPL", "page": "pages/index/index", "data": data}
    answer = Client().get("/sandbox/alipay/gateway.do?" + client.sign_data(client.build_body(method, biz)))
    assert answer.status_code == 200
    return answer.json()[method.replace(".", "_") + "_response"]


@pytest.mark.parametrize(
    "data, complaint",
    [
        (json.dumps({"keyword1": "已发货"}), "value"),  # a bare string, as the adapter used to send
        (json.dumps({"keyword1": {"value": "茶" * 51}}), "50"),
        ("not json", "data"),
        ("x" * 2049, "2048"),
    ],
)
def test_the_alipay_sandbox_refuses_data_not_shaped_as_alipay_wants(data, complaint):
    answer = alipay_raw_send(data)
    assert (answer["code"], answer["sub_code"]) == ("40004", "INVALID_PARAMETER") and complaint in answer["sub_msg"]
    assert not AlipayMessage.objects.exists()


def test_the_alipay_sandbox_refuses_a_shopper_without_a_subscription_left():
    answer = alipay_raw_send(json.dumps({"keyword1": {"value": "已发货"}}), to_user_id="2088000000000001")
    assert answer["code"] == "10000"
    # The sandbox's stand-in for a shopper who used up the subscription: "nogrant" in the open_id.
    AlipayUser.objects.create(user_id="2088000000000002", open_id="0nogrant" + "b" * 37)
    answer = alipay_raw_send(json.dumps({"keyword1": {"value": "已发货"}}), to_user_id="2088000000000002")
    assert (answer["code"], answer["sub_code"]) == ("40004", "USER_UNSUBSCRIBED")


def test_the_alipay_adapter_wraps_each_value_and_refuses_one_over_fifty_characters():
    alipay = get_miniprogram("alipay")
    alipay.send_notice(openid="2088000011112222", template_id="TPL", page="", data={"keyword1": "已发货"})
    assert AlipayMessage.objects.get().data == {"keyword1": {"value": "已发货"}}
    with pytest.raises(PlatformError) as caught:
        alipay.send_notice(openid="2088000011112222", template_id="TPL", page="", data={"keyword1": "茶" * 51})
    assert caught.value.code == "INVALID_PARAMETER" and AlipayMessage.objects.count() == 1


def test_the_alipay_adapter_maps_no_subscription_left_to_no_grant():
    with pytest.raises(PlatformError) as caught:
        get_miniprogram("alipay").send_notice(
            openid="0nogrant" + "c" * 37, template_id="TPL", page="", data={"keyword1": "已发货"}
        )
    assert caught.value.code == "no_grant" and not caught.value.retryable


def test_an_alipay_notice_is_formatted_for_its_declared_types(member, django_capture_on_commit_callbacks):
    template = paid_template(
        platform="alipay",
        field_map={"keyword1": "{order_number}", "keyword2": "{total}", "keyword3": "{paid_at}"},
        field_types={"keyword2": "amount", "keyword3": "time"},
    )
    shopper_with_grant(member, template, platform="alipay", openid="2088000011113333")
    context = {"order_number": "T20261125001", "total": Decimal("99"), "paid_at": PAID_AT}
    [log] = send(member, "order_paid", context, django_capture_on_commit_callbacks)
    assert log.status == NoticeLog.Status.SENT
    assert AlipayMessage.objects.get().data == {
        "keyword1": {"value": "T20261125001"},
        "keyword2": {"value": "¥99.00"},
        "keyword3": {"value": "2026-11-25 12:01"},
    }


def test_an_alipay_shopper_without_a_subscription_left_is_logged_as_no_grant(
    member, django_capture_on_commit_callbacks
):
    template = NoticeTemplateFactory(platform="alipay", event="order_shipped", field_map={"keyword1": "{order_number}"})
    shopper_with_grant(member, template, platform="alipay", openid="0nogrant" + "d" * 37)
    [log] = send(member, "order_shipped", {"order_number": "T1"}, django_capture_on_commit_callbacks)
    assert (log.status, log.error_code, log.attempts) == (NoticeLog.Status.NO_GRANT, "no_grant", 1)


# --- the demo's templates ------------------------------------------------------------------------------------------
def test_the_demo_has_a_valid_typed_template_per_event_on_both_platforms_and_reloads_as_is():
    load_demo()
    rows = {(t.platform, t.event): t for t in NoticeTemplate.objects.all()}
    events = {event for event, *_rest in TEMPLATES}
    assert events >= {"order_paid", "order_shipped", "order_delivered", "order_refunded"}
    assert events >= {"prize_won", "coupon_expiring", "ugc_approved", "ugc_rejected"}
    assert set(rows) == {(p, e) for p in ("wechat", "alipay") for e in events}
    for template in rows.values():
        template.full_clean()
        assert template.is_active
    before = list(NoticeTemplate.objects.order_by("pk").values())
    load_demo()
    assert list(NoticeTemplate.objects.order_by("pk").values()) == before


def test_the_demo_sends_the_paid_notice_the_payments_give_on_both_platforms(member, django_capture_on_commit_callbacks):
    load_demo()
    for platform, openid in (("wechat", "o_demo_fan"), ("alipay", "2088000011114444")):
        template = NoticeTemplate.objects.get(template_id=template_id(platform, "order_paid"))
        shopper_with_grant(member, template, platform=platform, openid=openid)
    # what storefront.payments.services.send_paid_notice passes today
    context = {"order_number": "T20261125001", "total": "128.00", "paid_at": "2026-11-25 12:01"}
    logs = send(member, "order_paid", context, django_capture_on_commit_callbacks)
    assert [log.status for log in logs] == [NoticeLog.Status.SENT] * 2
    assert SubscribeMessage.objects.get().data["amount2"] == {"value": "¥128.00"}
    assert AlipayMessage.objects.get().data["keyword2"] == {"value": "¥128.00"}


def test_a_marketers_active_template_keeps_its_place_when_the_demo_loads():
    own = NoticeTemplateFactory(event="order_paid", template_id="tpl-brand-paid")
    load_demo()
    own.refresh_from_db()
    assert own.is_active
    assert not NoticeTemplate.objects.get(template_id=template_id("wechat", "order_paid")).is_active


@pytest.mark.parametrize("platform", ["wechat", "alipay"])
@pytest.mark.parametrize("event", ["order_shipped", "order_delivered"])
def test_the_demo_shipping_templates_fill_from_what_logistics_gives(platform, event):
    load_demo()
    # the context of logistics.services._send_notice
    context = {
        "order_number": "T20261125001",
        "carrier": "顺丰速运",
        "tracking_number": "SF1234567890123",
        "shipped_at": "2026-11-25 12:01",
        "delivered_at": "2026-11-27 09:30",
        "items": "明前龙井 250 克 x2",
    }
    data, page = render_fields(NoticeTemplate.objects.get(template_id=template_id(platform, event)), context)
    assert page == "pages/order/detail?number=T20261125001"
    assert all(value for value in data.values())
