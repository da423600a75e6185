"""The emulated WeChat mini program server API, at WeChat's own paths under /sandbox/wechat/.

JSON in and out, errcode 0 for success and WeChat's real errcodes otherwise: 40001/42001 for
an invalid or expired access token, 40029/40163 for an unknown or used code, 43101 when the
shopper has no subscribe grant, 47001 for a malformed body, -1 when "busy". Every call but
the login code exchange needs a valid access token. Control endpoints (login-code,
phone-code, expire-tokens) stand in for the shopper's phone.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import secrets
import time
from functools import wraps

import qrcode
from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from platforms.sandbox import faults
from platforms.sandbox.models import (
    AccessToken,
    ContentCheck,
    PayRefund,
    PayTrade,
    SearchSubmission,
    ShippingUpload,
    SubscribeMessage,
    WeChatCode,
    WeChatUser,
)

CODE_TTL = dt.timedelta(minutes=5)
TOKEN_TTL_SECONDS = 7200
ENV_VERSIONS = ("release", "trial", "develop")
# The pages of the published (release) version of the demo mini program: getwxacodeunlimit with
# check_path, generate_urllink and subscribe messages open only these. SANDBOX_WECHAT_PUBLISHED_PAGES
# replaces the list.
DEFAULT_PUBLISHED_PAGES = (
    "pages/index/index",
    "pages/product/index",
    "pages/product/detail",
    "pages/order/index",
    "pages/order/detail",
    "pages/campaign/index",
    "pages/giveaway/index",
)
# Characters WeChat allows in a code's scene and a URL Link's query (the link also takes %).
SCENE = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
LINK_QUERY = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~%]*$")
PAGE_PATH = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")
OPENID = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")
# msg_sec_check v2: the openid must have opened the mini program (wx.login) this recently.
VISIT_WINDOW = dt.timedelta(hours=2)
MAX_CHECKED_TEXT = 2500
DEFAULT_RISKY_WORDS = ("赌博", "代开发票", "risky-word")
# Words msg_sec_check v2 answers "review" for (a person must look), so the demo can show one held.
DEFAULT_REVIEW_WORDS = ("加微信", "review-word")
RISKY_IMAGE_MARKER = "risky"
# Subscribe-message values by their keyword's type, as WeChat's table "订阅消息参数值内容限制说明"
# gives them (developers.weixin.qq.com, subscribeMessage.send). Written apart from the kit's own
# platforms/notice_fields.py on purpose: the sandbox checks, it does not trust the kit's rules.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_DAY = (
    r"(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{4}/\d{1,2}/\d{1,2}|\d{4}\.\d{1,2}\.\d{1,2}|\d{4}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2})"
)
_HOUR = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?"  # "时间格式支持HH:MM:SS或者HH:MM"
SUBSCRIBE_VALUE_RULES = {
    "thing": re.compile(r"[^\x00-\x1f\x7f]{1,20}"),
    "number": re.compile(r"\d{1,32}(?:\.\d+)?"),
    "letter": re.compile(r"[A-Za-z]{1,32}"),
    "symbol": re.compile(rf"[^0-9A-Za-z{_HAN}\s]{{1,5}}"),
    "character_string": re.compile(r"[\x21-\x7e]{1,32}"),
    "time": re.compile(rf"(?:{_DAY}\s*)?{_HOUR}(?:\s*~\s*(?:{_DAY}\s*)?{_HOUR})?"),
    "date": re.compile(rf"{_DAY}(?:\s*{_HOUR})?(?:\s*~\s*{_DAY}(?:\s*{_HOUR})?)?"),
    # "1个币种符号+10位以内纯数字，可带小数，结尾可带“元”"
    "amount": re.compile(r"[¥￥$€£]\d{1,10}(?:\.\d{1,2})?元?|\d{1,10}(?:\.\d{1,2})?元"),
    "phone_number": re.compile(r"(?=.*\d)[0-9+\-()*# ]{1,17}"),
    "car_number": re.compile(rf"(?=.{{1,8}}$)[{_HAN}A-Za-z0-9][A-Za-z0-9]*[{_HAN}A-Za-z0-9]?"),
    # "10个以内纯汉字或20个以内纯字母或符号; 中文和字母混合按中文名算"
    "name": re.compile(rf"(?=.*[{_HAN}])[{_HAN}A-Za-z·]{{1,10}}|[^0-9{_HAN}\x00-\x1f]{{1,20}}"),
    "phrase": re.compile(rf"[{_HAN}]{{1,5}}"),
}
NOTICE_LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")
MINIPROGRAM_STATES = ("developer", "trial", "formal")


def published_pages() -> set[str]:
    return set(getattr(settings, "SANDBOX_WECHAT_PUBLISHED_PAGES", DEFAULT_PUBLISHED_PAGES))


def _error(errcode: int, errmsg: str, status: int = 200) -> JsonResponse:
    return JsonResponse({"errcode": errcode, "errmsg": errmsg}, status=status)


def _ok(**payload) -> JsonResponse:
    return JsonResponse({"errcode": 0, "errmsg": "ok", **payload}, json_dumps_params={"ensure_ascii": False})


def _call_fault() -> HttpResponse | None:
    fault = faults.take_fault("wechat", faults.CALL_MODES)
    if fault == "timeout":
        return faults.timeout_response()
    if fault == "http_500":
        return faults.bad_gateway_response()
    if fault == "busy":
        return _error(-1, "system error")
    return None


def wechat_api(*, needs_token=True, method="POST"):
    """Faults first, then the access token, then a JSON body, as WeChat checks them."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request):
            fault = _call_fault()
            if fault is not None:
                return fault
            if needs_token:
                token = request.GET.get("access_token", "")
                row = AccessToken.objects.filter(token=token).first()
                if row is None or row.revoked:
                    return _error(40001, "invalid credential, access_token is invalid or not latest")
                if row.expires_at <= timezone.now():
                    return _error(42001, "access_token expired")
            body = {}
            if method == "POST":
                if request.method != "POST":
                    return _error(43002, "require POST method")
                try:
                    body = json.loads(request.body or b"{}")
                except ValueError:
                    return _error(47001, "data format error")
                if not isinstance(body, dict):
                    return _error(47001, "data format error")
            return view(request, body)

        return wrapper

    return decorate


def _issue_token(appid: str) -> AccessToken:
    return AccessToken.objects.create(
        appid=appid,
        token=secrets.token_urlsafe(48),
        expires_at=timezone.now() + dt.timedelta(seconds=TOKEN_TTL_SECONDS),
    )


def _check_app(appid: str, secret: str) -> JsonResponse | None:
    if appid != settings.WECHAT_APP_ID:
        return _error(40013, "invalid appid")
    if secret != settings.WECHAT_APP_SECRET:
        return _error(40125, "invalid appsecret")
    return None


@wechat_api(needs_token=False, method="GET")
def token(request, body):
    """GET /cgi-bin/token: a fresh token each call (the old one stays valid for a while)."""
    problem = _check_app(request.GET.get("appid", ""), request.GET.get("secret", ""))
    if problem:
        return problem
    issued = _issue_token(request.GET["appid"])
    return JsonResponse({"access_token": issued.token, "expires_in": TOKEN_TTL_SECONDS})


@wechat_api(needs_token=False)
def stable_token(request, body):
    """POST /cgi-bin/stable_token: the current valid token; force_refresh revokes it and issues another."""
    problem = _check_app(body.get("appid", ""), body.get("secret", ""))
    if problem:
        return problem
    with transaction.atomic():
        current = (
            AccessToken.objects.select_for_update()
            .filter(appid=body["appid"], revoked=False, expires_at__gt=timezone.now() + dt.timedelta(seconds=30))
            .order_by("-id")
            .first()
        )
        if body.get("force_refresh"):
            # Force refresh invalidates the token handed out before (developers.weixin.qq.com,
            # getStableAccessToken: "会导致上次获取的 access_token 失效").
            AccessToken.objects.filter(appid=body["appid"], revoked=False).update(revoked=True)
            current = None
        if current is None:
            current = _issue_token(body["appid"])
    expires_in = int((current.expires_at - timezone.now()).total_seconds())
    return JsonResponse({"access_token": current.token, "expires_in": expires_in})


def expire_access_tokens() -> int:
    """Revoke every issued token, as when another server force-refreshed it."""
    return AccessToken.objects.filter(revoked=False).update(revoked=True)


def _take_code(code: str, kind: str) -> WeChatCode | JsonResponse:
    with transaction.atomic():
        row = WeChatCode.objects.select_for_update().select_related("user").filter(code=code, kind=kind).first()
        if row is None or row.created_at < timezone.now() - CODE_TTL:
            return _error(40029, "invalid code")
        if row.used_at is not None:
            return _error(40163, "code been used")
        row.used_at = timezone.now()
        row.save(update_fields=["used_at"])
    return row


@wechat_api(needs_token=False, method="GET")
def jscode2session(request, body):
    problem = _check_app(request.GET.get("appid", ""), request.GET.get("secret", ""))
    if problem:
        return problem
    row = _take_code(request.GET.get("js_code", ""), WeChatCode.Kind.LOGIN)
    if isinstance(row, JsonResponse):
        return row
    answer = {"openid": row.user.openid, "session_key": row.user.session_key}
    if row.user.unionid:
        answer["unionid"] = row.user.unionid
    return JsonResponse(answer)


@wechat_api()
def getuserphonenumber(request, body):
    row = _take_code(str(body.get("code", "")), WeChatCode.Kind.PHONE)
    if isinstance(row, JsonResponse):
        return row
    phone = row.phone or row.user.phone
    return _ok(
        phone_info={
            "phoneNumber": f"+86{phone}",
            "purePhoneNumber": phone,
            "countryCode": "86",
            "watermark": {"timestamp": int(time.time()), "appid": settings.WECHAT_APP_ID},
        }
    )


def risky_words() -> list[str]:
    return list(getattr(settings, "SANDBOX_RISKY_WORDS", DEFAULT_RISKY_WORDS))


def review_words() -> list[str]:
    return list(getattr(settings, "SANDBOX_REVIEW_WORDS", DEFAULT_REVIEW_WORDS))


def has_visited(openid: str) -> bool:
    """The shopper opened the mini program (wx.login or a phone code) in the last two hours."""
    return WeChatCode.objects.filter(user__openid=openid, created_at__gte=timezone.now() - VISIT_WINDOW).exists()


def _known_openid(openid: str) -> bool:
    return WeChatUser.objects.filter(openid=openid).exists()


@wechat_api()
def msg_sec_check(request, body):
    # Codes as the msgSecCheck v2 page lists them (developers.weixin.qq.com, api_msgseccheck):
    # 40003 bad openid, 40129 bad scene, 43104 openid of another app, 61010 no visit in 2 hours.
    content, openid = body.get("content"), body.get("openid")
    if body.get("version") != 2 or not isinstance(content, str):
        return _error(47001, "data format error: version 2 needs content, openid and scene 1-4")
    if len(content) > MAX_CHECKED_TEXT:
        return _error(47001, f"data format error: content is at most {MAX_CHECKED_TEXT} characters")
    if not isinstance(openid, str) or not OPENID.match(openid):
        return _error(40003, "invalid openid")
    if body.get("scene") not in (1, 2, 3, 4):
        return _error(40129, "invalid scene")
    if not _known_openid(openid):
        return _error(43104, "The openid does not match the appid")
    if not has_visited(openid):
        return _error(61010, "code is expired: the user has not visited the mini program in the last 2 hours")
    hit = next((word for word in risky_words() if word in content), None)
    doubt = None if hit else next((word for word in review_words() if word in content), None)
    suggest, label = ("risky", 20001) if hit else ("review", 20006) if doubt else ("pass", 100)
    hit = hit or doubt
    check = ContentCheck.objects.create(
        kind=ContentCheck.Kind.TEXT,
        openid=body["openid"],
        content=content,
        suggest=suggest,
        label=label,
        trace_id=secrets.token_hex(12),
    )
    return _ok(
        trace_id=check.trace_id,
        result={"suggest": suggest, "label": label},
        detail=[
            {
                "strategy": "content_model",
                "errcode": 0,
                "suggest": suggest,
                "label": label,
                **({"keyword": hit} if hit else {}),
            }
        ],
    )


@wechat_api()
def media_check_async(request, body):
    url = body.get("media_url")
    if (
        body.get("version") != 2
        or not isinstance(url, str)
        or body.get("media_type") not in (1, 2)
        or not body.get("openid")
    ):
        return _error(47001, "data format error: version 2 needs media_url, media_type, openid, scene")
    risky = RISKY_IMAGE_MARKER in url.lower()
    check = ContentCheck.objects.create(
        kind=ContentCheck.Kind.IMAGE,
        openid=body["openid"],
        content=url,
        suggest="risky" if risky else "pass",
        label=20002 if risky else 100,
        trace_id=secrets.token_hex(12),
    )
    # WeChat answers first and pushes the verdict later: push after this response.
    transaction.on_commit(lambda: push_media_check(check.pk))
    return _ok(trace_id=check.trace_id)


def push_message(payload: dict) -> None:
    """Push a message to the kit's WeChat push URL in safe mode (encrypted), as WeChat does."""
    from platforms.sandbox import delivery
    from platforms.wechat.push import push_aes_key

    # The "wrong_signature" fault signs with a token that is not the kit's.
    wrong = faults.take_fault("wechat", ("wrong_signature",)) is not None
    push_token = "not-the-push-token" if wrong else settings.WECHAT_PUSH_TOKEN
    crypto = WeChatCrypto(push_token, push_aes_key(), settings.WECHAT_APP_ID)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    encrypted = crypto.encrypt_message(json.dumps(payload, ensure_ascii=False), nonce, timestamp)
    encrypt = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]></Encrypt>", encrypted).group(1)
    query = (
        f"signature={_signature(push_token, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}"
        f"&encrypt_type=aes&msg_signature={_signature(push_token, timestamp, nonce, encrypt)}"
    )
    body = json.dumps({"ToUserName": payload.get("ToUserName", ""), "Encrypt": encrypt})
    delivery.notify(
        platform="wechat",
        event_type=payload.get("Event", ""),
        url=f"{settings.SITE_URL}/api/v1/notify/wechat/?{query}",
        reference=payload.get("trace_id", ""),
        headers={"Content-Type": "application/json"},
        body=body,
    )


def _signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def push_media_check(check_id: int) -> None:
    check = ContentCheck.objects.get(pk=check_id)
    push_message(
        {
            "ToUserName": "gh_sandbox",
            "FromUserName": check.openid,
            "CreateTime": int(time.time()),
            "MsgType": "event",
            "Event": "wxa_media_check",
            "appid": settings.WECHAT_APP_ID,
            "trace_id": check.trace_id,
            "version": 2,
            "detail": [
                {"strategy": "content_model", "errcode": 0, "suggest": check.suggest, "label": check.label, "prob": 90}
            ],
            "errcode": 0,
            "errmsg": "ok",
            "result": {"suggest": check.suggest, "label": check.label},
        }
    )
    check.pushed_at = timezone.now()
    check.save(update_fields=["pushed_at"])


@wechat_api()
def getuserriskrank(request, body):
    if body.get("appid") != settings.WECHAT_APP_ID or not body.get("openid") or body.get("scene") not in (0, 1):
        return _error(47001, "data format error: appid, openid, scene and client_ip are required")
    if not body.get("client_ip"):
        return _error(47001, "data format error: client_ip is required")
    # 61010 as msg_sec_check answers it: a shopper the sandbox knows who has not opened the mini
    # program in the last two hours has no rank (PLATFORMS.md: "61010 is seen instead of a rank").
    if _known_openid(body["openid"]) and not has_visited(body["openid"]):
        return _error(61010, "user has not visited the mini program in the last 2 hours")
    # Steerable: an openid containing "bot" is judged a high risk.
    rank = 4 if "bot" in body["openid"] else 0
    return _ok(risk_rank=rank, unoin_id=secrets.randbelow(10**9))


def page_problem(page: str) -> str | None:
    """Why WeChat would refuse this page path (a leading slash, a query), or None."""
    if page.startswith("/"):
        return "page must not start with /"
    if "?" in page or "#" in page:
        return "page must not carry a query (put it in scene)"
    if not PAGE_PATH.match(page):
        return "page is not a page path"
    return None


@wechat_api()
def getwxacodeunlimit(request, body):
    # developers.weixin.qq.com getUnlimitedQRCode: scene at most 32 of [0-9A-Za-z!#$&'()*+,/:;=?@-._~]
    # (40169), env_version release/trial/develop (40097), page without / or query and, with
    # check_path (default true), published (41030).
    scene = body.get("scene")
    if not isinstance(scene, str) or not SCENE.match(scene):
        return _error(40169, "invalid length for scene, or the data is not json string")
    env_version = body.get("env_version", "release")
    if env_version not in ENV_VERSIONS:
        return _error(40097, "invalid args: env_version")
    page = body.get("page", "")
    if not isinstance(page, str):
        return _error(47001, "data format error: page")
    if page:
        if page_problem(page):
            return _error(41030, f"invalid page rule 2: {page_problem(page)}")
        if body.get("check_path", True) and page not in published_pages():
            return _error(41030, "invalid page rule 2: the page is not in the published version")
    width = max(280, min(int(body.get("width", 430)), 1280))
    qr = qrcode.QRCode(border=2)
    qr.add_data(scene)
    qr.make(fit=True)
    image = qr.make_image().get_image().convert("RGB")
    image = image.resize((width, width))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return HttpResponse(buffer.getvalue(), content_type="image/png")


MAX_LINK_DAYS = 30


@wechat_api()
def generate_urllink(request, body):
    # developers.weixin.qq.com generateUrlLink: path a published page without query (40165), query
    # at most 1024 of [0-9A-Za-z!#$&'()*+,/:;=?@-._~%] (40212), env_version (85402), expiry between
    # a minute and 30 days (85401).
    path, query = body.get("path", ""), body.get("query", "")
    if not isinstance(path, str) or not isinstance(query, str):
        return _error(47001, "data format error: path and query are strings")
    bare = path.lstrip("/")
    if path and (page_problem(bare) or bare not in published_pages()):
        return _error(40165, "invalid weapp pagepath")
    if len(query) > 1024 or not LINK_QUERY.match(query):
        return _error(40212, "invalid query")
    if body.get("env_version", "release") not in ENV_VERSIONS:
        return _error(85402, "invalid env_version")
    now = time.time()
    if body.get("expire_type", 0) == 1:
        interval = body.get("expire_interval")
        if not isinstance(interval, int) or not 1 <= interval <= MAX_LINK_DAYS:
            return _error(85401, "time limit between 1min and 30days")
        expires = now + interval * 86400
    elif body.get("expire_time") is not None:
        expires = body["expire_time"]
        if not isinstance(expires, int) or not now + 60 <= expires <= now + MAX_LINK_DAYS * 86400:
            return _error(85401, "time limit between 1min and 30days")
    else:
        expires = now + MAX_LINK_DAYS * 86400  # every link expires: 30 days when not said
    return _ok(url_link=f"https://wxaurl.cn/{secrets.token_urlsafe(9)}", expire_time=int(expires))


def subscribe_value_problem(key: str, value) -> str | None:
    """What WeChat says is wrong with one subscribe-message value (47003), or None."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return "invalid"
    text = str(value)
    if not text.strip():
        return "is emtpy"  # sic: WeChat's own spelling
    rule = SUBSCRIBE_VALUE_RULES.get(key.rstrip("0123456789"))
    if rule is not None and not rule.fullmatch(text):
        return "invalid"
    return None


def has_subscribe_grant(openid: str, template_id: str) -> bool:
    """The sandbox's view of the shopper's grants: any openid without "nogrant" has one."""
    return "nogrant" not in openid


@wechat_api()
def subscribe_send(request, body):
    touser, template_id, data = body.get("touser"), body.get("template_id"), body.get("data")
    if not touser:
        return _error(40003, "invalid openid")
    if not template_id:
        return _error(40037, "invalid template_id")
    if not isinstance(data, dict) or not data or not all(isinstance(v, dict) and "value" in v for v in data.values()):
        return _error(47003, "argument invalid! data.value is empty")
    bad = next(((key, why) for key, v in data.items() if (why := subscribe_value_problem(key, v["value"]))), None)
    if bad:
        return _error(47003, f"argument invalid! data.{bad[0]}.value {bad[1]}")
    state = body.get("miniprogram_state", "formal")
    if state not in MINIPROGRAM_STATES:
        return _error(47003, "argument invalid! miniprogram_state")
    if body.get("lang", "zh_CN") not in NOTICE_LANGS:
        return _error(47003, "argument invalid! lang")
    page = body.get("page", "")
    if not isinstance(page, str):
        return _error(47001, "data format error: page")
    path = page.lstrip("/").partition("?")[0]
    # 41030: "page路径不正确，需要保证在现网版本小程序中存在" (only the formal version's pages are known).
    if page and (page_problem(path) or (state == "formal" and path not in published_pages())):
        return _error(41030, "invalid page")
    if not has_subscribe_grant(touser, template_id):
        return _error(43101, "user refuse to accept the msg")
    SubscribeMessage.objects.create(
        touser=touser,
        template_id=template_id,
        page=body.get("page", ""),
        data=data,
        miniprogram_state=body.get("miniprogram_state", "formal"),
    )
    return _ok(msgid=secrets.randbelow(10**12))


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


# upload_shipping_info's own codes (developers.weixin.qq.com, order-shipping: 发货信息录入接口).
SHIPPING_MAX_ITEMS = 10  # 10060024 "物流信息列表长度不可大于 10"
ITEM_DESC_MAX_CHARS = 120  # 10060009; "限120个字以内"
TRACKING_NO_MAX_BYTES = 128  # 10060026; "字符字节限制: [1, 128]"
EXPRESS_COMPANY_MAX_BYTES = 128  # 10060025
CONTACT_MAX_BYTES = 1024
# A contact is sent masked, its last four digits in clear: 189****1234, ****1234, 021-****1234.
MASKED_CONTACT = re.compile(r"^(?=.*\*)[0-9*+\- ]*\d{4}$")
DEFAULT_SHIPPING_READY_SECONDS = 10  # 10060001 for a payment this fresh: "retry after 10 s to a minute"


def _byte_length(value) -> int:
    return len(str(value).encode("utf-8"))


def shipping_payload_errors(body: dict) -> list[tuple[int, str]]:
    """(errcode, problem) for each rule of upload_shipping_info this payload breaks, in the order
    WeChat reports them; the first one's code is the answer's errcode."""
    errors = []
    key = body.get("order_key")
    if not isinstance(key, dict) or key.get("order_number_type") not in (1, 2):
        errors.append((268485194, "order_key.order_number_type must be 1 or 2"))
    elif key["order_number_type"] == 1:
        if not key.get("mchid"):
            errors.append((268485196, "order_key needs mchid when order_number_type is 1"))
        if not key.get("out_trade_no"):
            errors.append((268485197, "order_key needs out_trade_no when order_number_type is 1"))
    elif not key.get("transaction_id"):
        errors.append((268485195, "order_key needs transaction_id when order_number_type is 2"))
    logistics = body.get("logistics_type")
    if logistics not in (1, 2, 3, 4):
        errors.append((10060005, "logistics_type must be 1 (express), 2 (same city), 3 (virtual) or 4 (pickup)"))
    mode = body.get("delivery_mode")
    if mode not in (1, 2):
        errors.append((268485224, "delivery_mode must be 1 (unified) or 2 (split)"))
    if mode == 2 and logistics in (2, 3, 4):
        errors.append((10060006, "split delivery (delivery_mode 2) is for express (logistics_type 1) only"))
    if mode == 2 and not isinstance(body.get("is_all_delivered"), bool):
        errors.append((10060007, "is_all_delivered is required with delivery_mode 2"))
    items = body.get("shipping_list")
    if not isinstance(items, list) or not items:
        errors.append((47001, "shipping_list must list at least one item"))
    elif len(items) > SHIPPING_MAX_ITEMS:
        errors.append((10060024, f"shipping_list holds at most {SHIPPING_MAX_ITEMS} items"))
    else:
        if mode == 1 and len(items) != 1:
            errors.append((268485228, "delivery_mode 1 takes exactly one shipping_list item"))
        for index, item in enumerate(items):
            errors.extend(_shipping_item_errors(index, item, logistics))
    if not isinstance(body.get("upload_time"), str) or not RFC3339.match(body["upload_time"]):
        errors.append((268485216, "upload_time must be RFC 3339, e.g. 2026-11-25T12:00:00.120+08:00"))
    if not (body.get("payer") or {}).get("openid"):
        errors.append((47001, "payer.openid is required"))
    return errors


def _shipping_item_errors(index: int, item, logistics) -> list[tuple[int, str]]:
    where = f"shipping_list[{index}]"
    if not isinstance(item, dict) or not item.get("item_desc"):
        return [(10060008, f"{where}.item_desc is required")]
    errors = []
    if len(str(item["item_desc"])) > ITEM_DESC_MAX_CHARS:
        errors.append((10060009, f"{where}.item_desc is at most {ITEM_DESC_MAX_CHARS} characters"))
    if logistics == 1:
        if not item.get("tracking_no"):
            errors.append((268485226, f"{where}.tracking_no is required for express"))
        elif _byte_length(item["tracking_no"]) > TRACKING_NO_MAX_BYTES:
            errors.append((10060026, f"{where}.tracking_no is at most {TRACKING_NO_MAX_BYTES} bytes"))
        if not item.get("express_company"):
            errors.append((268485227, f"{where}.express_company is required for express"))
        elif _byte_length(item["express_company"]) > EXPRESS_COMPANY_MAX_BYTES:
            errors.append((10060025, f"{where}.express_company is at most {EXPRESS_COMPANY_MAX_BYTES} bytes"))
    contact = item.get("contact") or {}
    if not isinstance(contact, dict):
        return [*errors, (10060014, f"{where}.contact must be an object")]
    given = {name: contact[name] for name in ("receiver_contact", "consignor_contact") if contact.get(name)}
    if logistics == 1 and item.get("express_company") == "SF" and not given:
        # SF: "联系方式为必填，收件人或寄件人联系方式二选一".
        errors.append((10060014, f"{where}.contact (receiver_contact or consignor_contact) is required for SF"))
    for name, value in given.items():
        text = str(value)
        if _byte_length(text) > CONTACT_MAX_BYTES or not MASKED_CONTACT.match(text):
            errors.append((10060014, f"{where}.contact.{name} must be masked with its last four digits visible"))
    return errors


def shipping_payload_problems(body: dict) -> list[str]:
    """What the real upload_shipping_info would refuse in this payload's shape."""
    return [problem for _code, problem in shipping_payload_errors(body)]


def _shipping_trade(key: dict) -> PayTrade | None:
    if key["order_number_type"] == 1:
        return PayTrade.objects.filter(mchid=key["mchid"], out_trade_no=key["out_trade_no"]).first()
    return PayTrade.objects.filter(transaction_id=key["transaction_id"]).exclude(transaction_id="").first()


def _earlier_uploads(trade: PayTrade) -> list[dict]:
    """The uploads WeChat accepted for this payment, oldest first, whichever order key they used."""
    same_trade = Q(payload__order_key__mchid=trade.mchid, payload__order_key__out_trade_no=trade.out_trade_no)
    if trade.transaction_id:
        same_trade |= Q(payload__order_key__transaction_id=trade.transaction_id)
    return [row.payload for row in ShippingUpload.objects.filter(same_trade).order_by("id")]


def _is_reship(previous: dict | None, finished: bool, body: dict) -> bool:
    """Uploading again after shipping was complete, or changing the mode, is the re-ship."""
    if previous is None:
        return False
    changed = (previous["delivery_mode"], previous["logistics_type"]) != (body["delivery_mode"], body["logistics_type"])
    return finished or changed


def _receipt_confirmed(trade: PayTrade) -> bool:
    from platforms.sandbox.models import SandboxTradeOrder

    return SandboxTradeOrder.objects.filter(transaction_id=trade.transaction_id, confirmed_at__isnull=False).exists()


def _completes(payload: dict) -> bool:
    return payload["delivery_mode"] == 1 or payload.get("is_all_delivered") is True


def _upload_moment(payload: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(payload["upload_time"].replace("Z", "+00:00"))


def shipping_trade_error(body: dict) -> tuple[int, str] | None:
    """What WeChat refuses about the payment itself: unknown or just paid, refunded, another payer,
    the one re-ship already used, an upload_time that goes back."""
    trade = _shipping_trade(body["order_key"])
    if trade is None or trade.state in (PayTrade.State.NOTPAY, PayTrade.State.CLOSED, PayTrade.State.PAYERROR):
        return 10060001, "支付单不存在: no paid transaction with this order_key"
    ready = dt.timedelta(
        seconds=getattr(settings, "SANDBOX_WECHAT_SHIPPING_READY_SECONDS", DEFAULT_SHIPPING_READY_SECONDS)
    )
    if trade.success_time and trade.success_time > timezone.now() - ready:
        return 10060001, "支付单不存在: the payment is too recent, retry in a few seconds"
    refunded = trade.refunds.exclude(status=PayRefund.Status.CLOSED).aggregate(total=Sum("refund"))["total"] or 0
    if refunded >= trade.total:
        return 10060004, "支付单处于不可发货的状态: the payment was refunded"
    if body["payer"]["openid"] != trade.payer_openid:
        return 10060031, "该笔支付单不属于 openid 所指定的用户"
    previous, finished, reshipped = None, False, False
    for earlier in _earlier_uploads(trade):
        reshipped = reshipped or _is_reship(previous, finished, earlier)
        previous, finished = earlier, finished or _completes(earlier)
    if finished and _receipt_confirmed(trade):
        # The shopper confirmed receipt: the shipping is done and can no longer change.
        return 10060002, "支付单已完成发货: the shopper confirmed receipt"
    if _is_reship(previous, finished, body) and reshipped:
        return 10060003, "支付单已使用重新发货机会: the one re-ship of this payment is used"
    if previous is not None and _upload_moment(body) <= _upload_moment(previous):
        return 10060014, "upload_time must be later than the previous upload's"
    return None


@wechat_api()
def upload_shipping_info(request, body):
    errors = shipping_payload_errors(body)
    if not errors:
        error = shipping_trade_error(body)
        errors = [error] if error else []
    if errors:
        return _error(errors[0][0], "; ".join(problem for _code, problem in errors))
    ShippingUpload.objects.create(payload=body)
    return _ok()


@wechat_api()
def submitpages(request, body):
    pages = body.get("pages")
    if not isinstance(pages, list) or not pages or not all(isinstance(p, dict) and p.get("path") for p in pages):
        return _error(47001, "data format error: pages [{path, query}]")
    SearchSubmission.objects.create(pages=pages)
    return _ok()
