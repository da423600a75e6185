"""Issue 23: the WeChat sandbox refuses what WeChat refuses, with WeChat's own errcode, and the
adapter never sends it. Each rule has two stories: a raw request to the sandbox endpoint (with a
valid access token) answered with the platform's code, and the production adapter formatting or
refusing before anything goes out.

Rules: shipping upload (item_desc, tracking_no, masked contact, SF consignor, unknown or just-paid
payment, one re-ship, upload_time forward, split only for express, at most 10 parcels),
getwxacodeunlimit (scene, page, env_version, check_path), generate_urllink (expiry, path, query,
env_version), msg_sec_check v2 (length, openid, scene, recent visit), stable_token force_refresh.
"""

import datetime as dt
import io
import json

import pytest
from django.utils import timezone
from PIL import Image

from platforms.base import PlatformError
from platforms.sandbox.models import AccessToken, PayTrade, ShippingUpload, WeChatCode
from platforms.wechat.client import KitWeChatClient
from tests.factories import login_code

pytestmark = pytest.mark.django_db

TRANSACTION = "4200000000000000000023"


# --- helpers ------------------------------------------------------------------------------------
@pytest.fixture
def token(wechat):
    return wechat.client.access_token


def raw(client, token, path, body):
    """A request straight to the sandbox endpoint, as any HTTP client would send it to WeChat."""
    return client.post(
        f"/sandbox/wechat/{path}?access_token={token}", json.dumps(body, ensure_ascii=False), "application/json"
    )


def errcode(response) -> int:
    return response.json().get("errcode")


@pytest.fixture
def sent(wechat, monkeypatch):
    """The URLs and JSON bodies the adapter actually sends to WeChat."""
    calls = []
    session = wechat.client._http
    original = session.request

    def spy(method, url, **kwargs):
        calls.append((url, json.loads(kwargs["data"]) if kwargs.get("data") else None))
        return original(method, url, **kwargs)

    monkeypatch.setattr(session, "request", spy)
    return calls


def calls_to(sent, path):
    return [body for url, body in sent if path in url]


@pytest.fixture
def carriers(db):
    from tests.factories import carriers as load_carriers

    return load_carriers()


def trade(*, paid_minutes_ago=5, openid="o_payer", number="T2026112523", state=PayTrade.State.SUCCESS):
    return PayTrade.objects.create(
        prepay_id=f"wx_{number}",
        appid="wxdemo0000000001",
        mchid="1900000001",
        out_trade_no=number,
        description="明前龙井",
        total=12800,
        payer_openid=openid,
        notify_url="http://127.0.0.1:8000/api/v1/notify/wechatpay/",
        state=state,
        transaction_id=TRANSACTION if state == PayTrade.State.SUCCESS else "",
        success_time=timezone.now() - dt.timedelta(minutes=paid_minutes_ago),
    )


def shipping(**overrides):
    item = {
        "tracking_no": "SF1234567890",
        "express_company": "SF",
        "item_desc": "明前龙井×1",
        "contact": {"receiver_contact": "*******8000"},
    }
    item.update(overrides.pop("item", {}))
    payload = {
        "order_key": {"order_number_type": 2, "transaction_id": TRANSACTION},
        "logistics_type": 1,
        "delivery_mode": 1,
        "shipping_list": [item],
        "upload_time": timezone.localtime().isoformat(timespec="milliseconds"),
        "payer": {"openid": "o_payer"},
    }
    payload.update(overrides)
    return payload


def later(payload, seconds):
    moment = dt.datetime.fromisoformat(payload["upload_time"]) + dt.timedelta(seconds=seconds)
    return {**payload, "upload_time": moment.isoformat(timespec="milliseconds")}


# --- 5. shipping upload: the sandbox ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"item": {"item_desc": "茶" * 121}}, 10060009),
        ({"item": {"tracking_no": "运" * 43}}, 10060026),  # 129 bytes in UTF-8
        ({"item": {"contact": {"receiver_contact": "13800138000"}}}, 10060014),  # not masked
        ({"item": {"contact": {"receiver_contact": "1380013****"}}}, 10060014),  # last four masked
        ({"item": {"contact": {}}}, 10060014),  # SF without any contact
        ({"logistics_type": 2, "delivery_mode": 2, "is_all_delivered": True}, 10060006),
        ({"delivery_mode": 2}, 10060007),
        (
            {
                "shipping_list": [
                    {"tracking_no": f"7312{i}", "express_company": "ZTO", "item_desc": "茶"} for i in range(11)
                ]
            },
            10060024,
        ),
        ({"upload_time": "2026-11-25 12:00:00"}, 268485216),
    ],
)
def test_the_sandbox_refuses_a_shipping_upload_wechat_refuses(client, token, overrides, code):
    trade()
    answer = raw(client, token, "wxa/sec/order/upload_shipping_info", shipping(**overrides))
    assert errcode(answer) == code, answer.json()
    assert not ShippingUpload.objects.exists()


def test_the_sandbox_takes_the_consignors_contact_for_sf(client, token):
    trade()
    body = shipping(item={"contact": {"consignor_contact": "021-****1234"}})
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", body)) == 0


def test_an_unknown_or_just_paid_payment_is_10060001(client, token, settings):
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", shipping())) == 10060001
    settings.SANDBOX_WECHAT_SHIPPING_READY_SECONDS = 60
    trade(paid_minutes_ago=0)
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", shipping())) == 10060001
    PayTrade.objects.update(success_time=timezone.now() - dt.timedelta(minutes=2))
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", shipping())) == 0


def test_another_payers_openid_is_10060031(client, token):
    trade(openid="o_someone_else")
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", shipping())) == 10060031


def test_a_payment_ships_again_once_then_10060003(client, token):
    trade()
    first = shipping()
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", first)) == 0
    # Shipped already: calling again is the one re-ship.
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", later(first, 1))) == 0
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", later(first, 2))) == 10060003


def test_a_split_delivery_is_not_a_reship_until_it_is_complete(client, token):
    trade()
    one = {"tracking_no": "73120001", "express_company": "ZTO", "item_desc": "茶一"}
    two = {"tracking_no": "73120002", "express_company": "ZTO", "item_desc": "茶二"}
    first = shipping(delivery_mode=2, is_all_delivered=False, shipping_list=[one])
    second = {**later(first, 1), "is_all_delivered": True, "shipping_list": [one, two]}
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", first)) == 0
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", second)) == 0
    # Changing the mode now is the re-ship (allowed once), and then no more.
    unified = {**later(first, 2), "delivery_mode": 1, "shipping_list": [two]}
    unified.pop("is_all_delivered")
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", unified)) == 0
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", later(unified, 1))) == 10060003


def test_an_upload_time_that_goes_back_is_refused(client, token):
    trade()
    first = shipping(delivery_mode=2, is_all_delivered=False)
    assert errcode(raw(client, token, "wxa/sec/order/upload_shipping_info", first)) == 0
    answer = raw(client, token, "wxa/sec/order/upload_shipping_info", later(first, -60))
    assert errcode(answer) == 10060014 and "upload_time" in answer.json()["errmsg"]


# --- 5. shipping upload: the adapter and the payload the kit builds --------------------------------
@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"item": {"item_desc": "茶" * 121}}, "10060009"),
        ({"item": {"tracking_no": "运" * 43}}, "10060026"),
        ({"item": {"contact": {"receiver_contact": "13800138000"}}}, "10060014"),
        ({"logistics_type": 4, "delivery_mode": 2, "is_all_delivered": True}, "10060006"),
    ],
)
def test_the_adapter_never_sends_an_upload_wechat_would_refuse(wechat, sent, overrides, code):
    trade()
    with pytest.raises(PlatformError) as caught:
        wechat.upload_shipping(shipping(**overrides))
    assert caught.value.code == code and not caught.value.retryable
    assert calls_to(sent, "upload_shipping_info") == []


def test_a_just_paid_payment_is_retried_later_by_the_kit(carriers, settings, django_capture_on_commit_callbacks):
    from logistics import services
    from logistics.models import WechatShippingUpload
    from tests.factories import paid_order, tracking_number

    settings.WECHAT_SHIPPING_UPLOAD_DELAY_SECONDS = 0
    settings.SANDBOX_WECHAT_SHIPPING_READY_SECONDS = 60
    order = paid_order(paid_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.ship_order(order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"))
    upload = WechatShippingUpload.objects.get(order=order)
    assert (upload.state, upload.error_code) == ("pending", "10060001")
    assert upload.next_attempt_at > timezone.now()


def test_the_kit_masks_the_contact_and_moves_upload_time_forward(carriers, django_capture_on_commit_callbacks):
    from logistics import services
    from logistics.models import WechatShippingUpload
    from tests.factories import line_ids, paid_order, tracking_number

    order = paid_order(quantities=(1, 1))
    first_line, second_line = line_ids(order)
    with django_capture_on_commit_callbacks(execute=True):
        services.ship_order(order=order, carrier="SF", tracking_number=tracking_number("SF"), lines={first_line: 1})
    first = WechatShippingUpload.objects.get(order=order)
    assert first.payload["shipping_list"][0]["contact"] == {"receiver_contact": "*******8000"}
    with django_capture_on_commit_callbacks(execute=False):
        services.ship_order(order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"), lines={second_line: 1})
    second = WechatShippingUpload.objects.exclude(pk=first.pk).get(order=order)
    # Built with a clock an hour behind, the payload still comes after the upload already sent.
    payload = services.shipping_payload(second, now=timezone.now() - dt.timedelta(hours=1))
    assert dt.datetime.fromisoformat(payload["upload_time"]) > dt.datetime.fromisoformat(first.payload["upload_time"])


# --- 8. getwxacodeunlimit ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"scene": "x" * 33}, 40169),
        ({"scene": "id 1"}, 40169),  # a space is not in the allowed set
        ({"scene": "id=1", "env_version": "beta"}, 40097),
        ({"scene": "id=1", "page": "/pages/index/index"}, 41030),
        ({"scene": "id=1", "page": "pages/product/detail?id=1"}, 41030),
        ({"scene": "id=1", "page": "pages/new/index", "check_path": True, "env_version": "develop"}, 41030),
    ],
)
def test_the_sandbox_refuses_a_code_wechat_refuses(client, token, body, code):
    assert errcode(raw(client, token, "wxa/getwxacodeunlimit", body)) == code


def test_an_unpublished_page_gets_a_code_without_check_path(client, token):
    body = {"scene": "id=1", "page": "pages/new/index", "check_path": False, "env_version": "trial"}
    answer = raw(client, token, "wxa/getwxacodeunlimit", body)
    assert answer["Content-Type"] == "image/png"


@pytest.mark.parametrize(("env_version", "check_path"), [("release", True), ("trial", False), ("develop", False)])
def test_check_path_is_on_only_for_the_release_build(wechat, sent, settings, env_version, check_path):
    settings.WECHAT_ENV_VERSION = env_version
    page = "pages/product/detail" if env_version == "release" else "pages/new/index"
    png = wechat.unlimited_code(scene="id=7", page="/" + page)
    assert Image.open(io.BytesIO(png)).format == "PNG"
    (body,) = calls_to(sent, "getwxacodeunlimit")
    assert (body["check_path"], body["env_version"], body["page"]) == (check_path, env_version, page)


@pytest.mark.parametrize(
    ("scene", "page", "code"),
    [
        ("x" * 33, "", "invalid_scene"),
        ("中文", "", "invalid_scene"),
        ("id=1", "pages/product/detail?id=1", "invalid_page"),
    ],
)
def test_the_adapter_never_asks_for_a_code_wechat_would_refuse(wechat, sent, scene, page, code):
    with pytest.raises(PlatformError) as caught:
        wechat.unlimited_code(scene=scene, page=page)
    assert caught.value.code == code
    assert calls_to(sent, "getwxacodeunlimit") == []


def test_a_bad_env_version_setting_is_refused_before_sending(wechat, sent, settings):
    settings.WECHAT_ENV_VERSION = "beta"
    with pytest.raises(PlatformError) as caught:
        wechat.unlimited_code(scene="id=1", page="")
    assert caught.value.code == "invalid_env_version" and sent == []


# --- 9. generate_urllink -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"path": "pages/campaign/index", "expire_type": 1, "expire_interval": 31}, 85401),
        ({"path": "pages/campaign/index", "expire_time": int(timezone.now().timestamp()) + 31 * 86400}, 85401),
        ({"path": "pages/campaign/index", "query": "c=" + "x" * 1023}, 40212),
        ({"path": "pages/campaign/index", "query": "c=春季"}, 40212),
        ({"path": "pages/campaign/index", "env_version": "beta"}, 85402),
        ({"path": "pages/campaign/index?c=1"}, 40165),
        ({"path": "pages/not-published/index"}, 40165),
    ],
)
def test_the_sandbox_refuses_a_url_link_wechat_refuses(client, token, body, code):
    assert errcode(raw(client, token, "wxa/generate_urllink", body)) == code


def test_a_url_link_lasts_at_most_30_days(client, token):
    answer = raw(client, token, "wxa/generate_urllink", {"path": "pages/campaign/index"}).json()
    assert answer["errcode"] == 0 and answer["expire_time"] <= timezone.now().timestamp() + 30 * 86400 + 5


def test_the_adapter_formats_a_url_link_wechat_accepts(wechat, sent):
    link = wechat.url_link(path="/pages/campaign/index?from=sms", query="c=春季")
    assert link.startswith("https://wxaurl.cn/")
    (body,) = calls_to(sent, "generate_urllink")
    assert body["path"] == "pages/campaign/index"
    assert body["query"] == "from=sms&c=%E6%98%A5%E5%AD%A3"
    assert (body["expire_type"], body["expire_interval"]) == (1, 30)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"path": "pages/campaign/index", "expire_days": 31}, "invalid_expiry"),
        ({"path": "pages/campaign/index", "query": "c=" + "x" * 1023}, "invalid_query"),
        ({"path": "pages/campaign index"}, "invalid_page"),
    ],
)
def test_the_adapter_never_asks_for_a_link_wechat_would_refuse(wechat, sent, kwargs, code):
    with pytest.raises(PlatformError) as caught:
        wechat.url_link(**kwargs)
    assert caught.value.code == code
    assert calls_to(sent, "generate_urllink") == []


# --- 10. msg_sec_check v2 -----------------------------------------------------------------------------
def check(openid="o_visitor", **overrides):
    return {"content": "明前龙井", "version": 2, "scene": 2, "openid": openid, **overrides}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (check(content="茶" * 2501), 47001),
        (check(openid=""), 40003),
        (check(openid="bad openid"), 40003),
        (check(scene=9), 40129),
        (check(openid="o_of_another_app"), 43104),
    ],
)
def test_the_sandbox_refuses_a_text_check_wechat_refuses(client, token, body, code):
    login_code(openid="o_visitor")
    assert errcode(raw(client, token, "wxa/msg_sec_check", body)) == code


def test_the_openid_must_have_visited_in_the_last_two_hours(client, token):
    login_code(openid="o_visitor")
    assert errcode(raw(client, token, "wxa/msg_sec_check", check())) == 0
    WeChatCode.objects.update(created_at=timezone.now() - dt.timedelta(hours=3))
    assert errcode(raw(client, token, "wxa/msg_sec_check", check())) == 61010


def test_a_risk_rank_needs_a_visit_in_the_last_two_hours_too(client, token, settings):
    login_code(openid="o_visitor")
    body = {"appid": settings.WECHAT_APP_ID, "openid": "o_visitor", "scene": 1, "client_ip": "203.0.113.9"}
    assert errcode(raw(client, token, "wxa/getuserriskrank", body)) == 0
    WeChatCode.objects.update(created_at=timezone.now() - dt.timedelta(hours=3))
    assert errcode(raw(client, token, "wxa/getuserriskrank", body)) == 61010


def test_a_long_text_is_checked_in_parts_and_the_worst_part_wins(wechat, sent, settings):
    settings.SANDBOX_RISKY_WORDS = ["刷单"]
    login_code(openid="o_visitor")
    verdict = wechat.check_text("好茶" * 1500 + "加我刷单", openid="o_visitor")
    assert verdict.suggest == "risky"
    bodies = calls_to(sent, "msg_sec_check")
    assert len(bodies) == 2 and all(len(body["content"]) <= 2500 for body in bodies)


@pytest.mark.parametrize(("kwargs", "code"), [({"openid": ""}, "40003"), ({"openid": "o1", "scene": 9}, "40129")])
def test_the_adapter_never_sends_a_check_wechat_would_refuse(wechat, sent, kwargs, code):
    with pytest.raises(PlatformError) as caught:
        wechat.check_text("明前龙井", **kwargs)
    assert caught.value.code == code
    assert calls_to(sent, "msg_sec_check") == []


# --- 11. stable_token force_refresh --------------------------------------------------------------------
def test_a_force_refresh_invalidates_the_previous_token(client, token):
    fresh = client.post(
        "/sandbox/wechat/cgi-bin/stable_token",
        json.dumps(
            {"grant_type": "client_credential", "appid": "wxdemo0000000001", "secret": _secret(), "force_refresh": True}
        ),
        "application/json",
    ).json()["access_token"]
    assert fresh != token
    assert errcode(raw(client, token, "wxa/getuserriskrank", {})) == 40001
    assert AccessToken.objects.get(token=token).revoked


def _secret():
    from django.conf import settings

    return settings.WECHAT_APP_SECRET


def test_the_adapter_force_refreshes_once_when_wechat_hands_back_the_refused_token(wechat, monkeypatch):
    wechat.client.access_token  # noqa: B018 (fetches the first token)
    refused = wechat.client.access_token
    AccessToken.objects.filter(token=refused).update(revoked=True)  # WeChat refuses it from now on
    asked, original = [], KitWeChatClient.fetch_access_token

    def stale_in_normal_mode(self, force_refresh=False):
        asked.append(force_refresh)
        if not force_refresh:  # WeChat's normal mode still hands back the token it refuses
            self.session.set(self.access_token_key, refused, 7200)
            return {"access_token": refused, "expires_in": 7200}
        return original(self, force_refresh=True)

    monkeypatch.setattr(KitWeChatClient, "fetch_access_token", stale_in_normal_mode)
    assert wechat.user_risk_rank("o_shopper", client_ip="1.2.3.4") == 0
    assert asked == [False, True]  # one normal fetch, one force refresh, no loop


def test_a_token_refused_after_the_force_refresh_is_an_error_not_a_loop(wechat, monkeypatch):
    refused = wechat.client.access_token
    AccessToken.objects.update(revoked=True)
    asked = []

    def always_refused(self, force_refresh=False):
        asked.append(force_refresh)
        self.session.set(self.access_token_key, refused, 7200)
        return {"access_token": refused, "expires_in": 7200}

    monkeypatch.setattr(KitWeChatClient, "fetch_access_token", always_refused)
    with pytest.raises(PlatformError) as caught:
        wechat.user_risk_rank("o_shopper", client_ip="1.2.3.4")
    assert caught.value.code == "40001" and asked == [False, True]
