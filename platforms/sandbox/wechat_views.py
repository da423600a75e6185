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
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from platforms.sandbox import faults
from platforms.sandbox.models import (
    AccessToken,
    ContentCheck,
    SearchSubmission,
    ShippingUpload,
    SubscribeMessage,
    WeChatCode,
)

CODE_TTL = dt.timedelta(minutes=5)
TOKEN_TTL_SECONDS = 7200
DEFAULT_RISKY_WORDS = ("赌博", "代开发票", "risky-word")
RISKY_IMAGE_MARKER = "risky"
# Longest value of each subscribe-message field type, as WeChat enforces them.
FIELD_LIMITS = {
    "thing": 20,
    "character_string": 32,
    "phrase": 5,
    "name": 10,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "car_number": 8,
    "phone_number": 17,
}


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
    """POST /cgi-bin/stable_token: the current valid token unless force_refresh."""
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
        if current is None or body.get("force_refresh"):
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


@wechat_api()
def msg_sec_check(request, body):
    content = body.get("content")
    if (
        body.get("version") != 2
        or not isinstance(content, str)
        or not body.get("openid")
        or body.get("scene") not in (1, 2, 3, 4)
    ):
        return _error(47001, "data format error: version 2 needs content, openid and scene 1-4")
    hit = next((word for word in risky_words() if word in content), None)
    suggest, label = ("risky", 20001) if hit else ("pass", 100)
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
    # Steerable: an openid containing "bot" is judged a high risk.
    rank = 4 if "bot" in body["openid"] else 0
    return _ok(risk_rank=rank, unoin_id=secrets.randbelow(10**9))


@wechat_api()
def getwxacodeunlimit(request, body):
    scene = body.get("scene")
    if not isinstance(scene, str) or not scene or len(scene) > 32:
        return _error(40169, "invalid length for scene, or the data is not json string")
    page = body.get("page", "")
    if page and (page.startswith("/") or body.get("check_path", True) and not re.fullmatch(r"[\w/.-]+", page)):
        return _error(41030, "invalid page rule 2")
    width = max(280, min(int(body.get("width", 430)), 1280))
    qr = qrcode.QRCode(border=2)
    qr.add_data(scene)
    qr.make(fit=True)
    image = qr.make_image().get_image().convert("RGB")
    image = image.resize((width, width))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return HttpResponse(buffer.getvalue(), content_type="image/png")


@wechat_api()
def generate_urllink(request, body):
    path = body.get("path", "")
    if path.startswith("/"):
        return _error(40165, "invalid weapp pagepath")
    return _ok(url_link=f"https://wxaurl.cn/{secrets.token_urlsafe(9)}")


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
    if not isinstance(data, dict) or not all(isinstance(v, dict) and "value" in v for v in data.values()):
        return _error(47003, "argument invalid! data.value is empty")
    too_long = next(
        (key for key, v in data.items() if len(str(v["value"])) > FIELD_LIMITS.get(key.rstrip("0123456789"), 10**6)),
        None,
    )
    if too_long:
        return _error(47003, f"argument invalid! data.{too_long}.value is too long")
    if body.get("miniprogram_state", "formal") not in ("developer", "trial", "formal"):
        return _error(47003, "argument invalid! miniprogram_state")
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


def shipping_payload_problems(body: dict) -> list[str]:
    """What the real upload_shipping_info would refuse in this payload."""
    problems = []
    key = body.get("order_key")
    if not isinstance(key, dict) or key.get("order_number_type") not in (1, 2):
        problems.append("order_key.order_number_type must be 1 or 2")
    elif key["order_number_type"] == 1 and not (key.get("mchid") and key.get("out_trade_no")):
        problems.append("order_key needs mchid and out_trade_no when order_number_type is 1")
    elif key["order_number_type"] == 2 and not key.get("transaction_id"):
        problems.append("order_key needs transaction_id when order_number_type is 2")
    logistics = body.get("logistics_type")
    if logistics not in (1, 2, 3, 4):
        problems.append("logistics_type must be 1 (express), 2 (same city), 3 (virtual) or 4 (pickup)")
    mode = body.get("delivery_mode")
    if mode not in (1, 2):
        problems.append("delivery_mode must be 1 (unified) or 2 (split)")
    if mode == 2 and not isinstance(body.get("is_all_delivered"), bool):
        problems.append("is_all_delivered is required with delivery_mode 2")
    items = body.get("shipping_list")
    if not isinstance(items, list) or not items:
        problems.append("shipping_list must list at least one item")
    elif len(items) > 15:
        problems.append("shipping_list holds at most 15 items")
    else:
        if mode == 1 and len(items) != 1:
            problems.append("delivery_mode 1 takes exactly one shipping_list item")
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not item.get("item_desc"):
                problems.append(f"shipping_list[{index}].item_desc is required")
                continue
            if logistics == 1:
                if not item.get("tracking_no") or not item.get("express_company"):
                    problems.append(f"shipping_list[{index}] needs tracking_no and express_company for express")
                elif item["express_company"] == "SF" and not (item.get("contact") or {}).get("receiver_contact"):
                    problems.append(f"shipping_list[{index}].contact is required for SF")
    if not isinstance(body.get("upload_time"), str) or not RFC3339.match(body["upload_time"]):
        problems.append("upload_time must be RFC 3339, e.g. 2026-11-25T12:00:00+08:00")
    if not (body.get("payer") or {}).get("openid"):
        problems.append("payer.openid is required")
    return problems


@wechat_api()
def upload_shipping_info(request, body):
    problems = shipping_payload_problems(body)
    if problems:
        return _error(10060001 if "order_key" in problems[0] else 47001, "; ".join(problems))
    ShippingUpload.objects.create(payload=body)
    return _ok()


@wechat_api()
def submitpages(request, body):
    pages = body.get("pages")
    if not isinstance(pages, list) or not pages or not all(isinstance(p, dict) and p.get("path") for p in pages):
        return _error(47001, "data format error: pages [{path, query}]")
    SearchSubmission.objects.create(pages=pages)
    return _ok()
