"""The Alipay mini program behind `MiniProgramPlatform`.

Real Alipay calls: login (alipay.system.oauth.token), text check
(alipay.security.risk.content.detect), mini program codes (alipay.open.app.qrcode.create,
whose image is then downloaded) and notices (alipay.open.app.mini.templatemessage.send, the
subscription message send). The phone number needs no call: my.getPhoneNumber hands the mini
program an encrypted response, verified and decrypted here.

No-ops, because Alipay has no counterpart the kit could call: the asynchronous image check
(returns an empty trace id: no verdict will follow, so images posted from Alipay go to manual
review), the user risk rank (always 0), shipping-info upload (a WeChat Pay rule) and search
page submission (WeChat search). URL links are built locally: Alipay opens a mini program
page from any web link through its ds.alipay.com scheme page, without an API call or expiry.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from urllib.parse import quote

from Cryptodome.Cipher import AES
from Cryptodome.Util.Padding import unpad

from platforms.alipay.client import PLATFORM, build_client
from platforms.base import (
    InvalidCode,
    LoginResult,
    MiniProgramPlatform,
    PhoneNumber,
    PlatformError,
    TextVerdict,
)

logger = logging.getLogger(__name__)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# templatemessage.send: data {"keyword1": {"value": "..."}}, each value at most 50 characters
# (PLATFORMS.md); page at most 128 and data at most 2048 (opendocs.alipay.com, templatemessage.send).
TEMPLATE_VALUE_MAX, TEMPLATE_PAGE_MAX, TEMPLATE_DATA_MAX = 50, 128, 2048
# The shopper has no subscription left for the template (one-time subscriptions are used up by a
# send). Alipay's published page lists no code for it that we could confirm; the sandbox answers this.
NO_SUBSCRIPTION_SUB_CODES = frozenset({"USER_UNSUBSCRIBED"})
VERDICTS = {"PASSED": "pass", "REJECTED": "risky"}


def is_user_id(value: str) -> bool:
    """Alipay user ids are 16 digits starting with 2088; anything else is an open_id."""
    return len(value) == 16 and value.startswith("2088") and value.isdigit()


def open_link(app_id: str, path: str, query: str = "") -> str:
    scheme = f"alipays://platformapi/startapp?appId={app_id}&page={quote(path.lstrip('/'), safe='/')}"
    if query:
        scheme += "&query=" + quote(query, safe="")
    return "https://ds.alipay.com/?scheme=" + quote(scheme, safe="")


def _unwrapped(item: tuple) -> tuple:
    """A value given already as {"value": ...} is taken as its value."""
    key, value = item
    return key, value["value"] if isinstance(value, dict) and "value" in value else value


class AlipayMiniProgram(MiniProgramPlatform):
    name = PLATFORM

    def __init__(self):
        self.client, self.credentials = build_client()
        self.app_id = self.credentials.app_id

    def login(self, code: str) -> LoginResult:
        if not code:
            raise InvalidCode("An auth code is required.", code="invalid_code", platform=PLATFORM)
        body = self.client.call("alipay.system.oauth.token", grant_type="authorization_code", code=code)
        # Older apps get the 2088... user_id, newer ones only open_id; the kit keys on what it gets.
        openid = body.get("user_id") or body.get("open_id")
        if not openid:
            raise PlatformError("Alipay login answered without a user", code="bad_response", platform=PLATFORM)
        return LoginResult(platform=PLATFORM, app_id=self.app_id, openid=openid)

    def phone_number(self, *, code: str = "", encrypted_response: str = "", openid: str = "") -> PhoneNumber:
        """`encrypted_response` is what my.getPhoneNumber gave the mini program (its JSON text)."""

        def refuse(why):
            return InvalidCode(f"Alipay phone response: {why}", code="invalid_phone_response", platform=PLATFORM)

        try:
            envelope = json.loads(encrypted_response) if isinstance(encrypted_response, str) else encrypted_response
        except ValueError:
            raise refuse("not JSON") from None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("response"), str):
            raise refuse("no response field")
        content, signature = envelope["response"], envelope.get("sign") or ""
        encrypted = not content.startswith("{")
        # Alipay signs an encrypted response as the ciphertext in double quotes.
        signed_text = f'"{content}"' if encrypted else content
        if not signature or not self.client.verify_content(signed_text, signature):
            raise refuse("signature does not verify")
        if encrypted:
            if not self.credentials.aes_key:
                raise PlatformError("ALIPAY_AES_KEY is not set", code="not_configured", platform=PLATFORM)
            try:
                cipher = AES.new(base64.b64decode(self.credentials.aes_key), AES.MODE_CBC, iv=bytes(16))
                content = unpad(cipher.decrypt(base64.b64decode(content)), AES.block_size).decode("utf-8")
            except (ValueError, binascii.Error, UnicodeDecodeError):
                raise refuse("does not decrypt") from None
        try:
            answer = json.loads(content)
        except ValueError:
            raise refuse("decrypted text is not JSON") from None
        if answer.get("code") != "10000" or not answer.get("mobile"):
            raise refuse(
                f"{answer.get('sub_code') or answer.get('code')}: {answer.get('sub_msg') or answer.get('msg')}"
            )
        return PhoneNumber(phone=str(answer["mobile"]), country_code="86")

    def check_text(self, text: str, *, openid: str, scene: int = 2) -> TextVerdict:
        body = self.client.call("alipay.security.risk.content.detect", {"content": text})
        return TextVerdict(
            suggest=VERDICTS.get(body.get("action", ""), "review"),
            label=",".join(body.get("keywords") or []),
            trace_id=body.get("unique_id", ""),
            words=tuple(body.get("keywords") or ()),
        )

    def check_image_async(self, media_url: str, *, openid: str, scene: int = 2) -> str:
        """No Alipay counterpart: "" means no verdict will follow (see the module docstring)."""
        return ""

    def user_risk_rank(self, openid: str, *, client_ip: str, scene: int = 1) -> int:
        return 0

    def unlimited_code(self, *, scene: str, page: str, width: int = 430) -> bytes:
        # qrcode.create needs url_param (at most 256), query_param (256) and describe (32), all
        # non-empty (opendocs.alipay.com, alipay.open.app.qrcode.create): checked before sending.
        path, _, page_query = page.lstrip("/").partition("?")
        query = "&".join(part for part in (f"scene={scene}", page_query) if part)
        if not path or len(path) > 256:
            raise PlatformError(
                f"Alipay QR code page {page!r}: 1 to 256 characters", code="invalid_page", platform=PLATFORM
            )
        if len(query) > 256:
            raise PlatformError(f"Alipay QR code query {query!r}: at most 256", code="invalid_scene", platform=PLATFORM)
        body = self.client.call(
            "alipay.open.app.qrcode.create",
            {"url_param": path, "query_param": query, "describe": (scene or path)[:32]},
        )
        url = body.get("qr_code_url")
        if not url:
            raise PlatformError("Alipay qrcode.create answered without a URL", code="bad_response", platform=PLATFORM)
        png = self.client.download(url, "QR code")
        if not png.startswith(PNG_MAGIC):
            raise PlatformError("Alipay QR code download did not give a PNG", code="bad_response", platform=PLATFORM)
        return png

    def url_link(self, *, path: str, query: str = "", expire_days: int = 30) -> str:
        return open_link(self.app_id, path, query)

    def send_notice(self, *, openid: str, template_id: str, page: str, data: dict) -> None:
        """A subscription message; `data` {"keyword1": "..."} goes as {"keyword1": {"value": "..."}}.

        Values over 50 characters, a page over 128 or a data text over 2048 are refused here, as
        Alipay refuses them; Alipay's "no subscription left" becomes PlatformError("no_grant")."""
        values = {key: "" if value is None else str(value) for key, value in map(_unwrapped, data.items())}
        too_long = [key for key, value in values.items() if len(value) > TEMPLATE_VALUE_MAX]
        if too_long:
            raise PlatformError(
                f"Alipay template message: {', '.join(too_long)} over {TEMPLATE_VALUE_MAX} characters",
                code="INVALID_PARAMETER",
                platform=PLATFORM,
            )
        body = json.dumps({key: {"value": value} for key, value in values.items()}, ensure_ascii=False)
        if len(page) > TEMPLATE_PAGE_MAX or len(body) > TEMPLATE_DATA_MAX:
            raise PlatformError(
                f"Alipay template message: page at most {TEMPLATE_PAGE_MAX}, data at most {TEMPLATE_DATA_MAX}",
                code="INVALID_PARAMETER",
                platform=PLATFORM,
            )
        recipient = "to_user_id" if is_user_id(openid) else "to_open_id"
        try:
            self.client.call(
                "alipay.open.app.mini.templatemessage.send",
                {recipient: openid, "user_template_id": template_id, "page": page, "data": body},
            )
        except PlatformError as exc:
            if exc.code in NO_SUBSCRIPTION_SUB_CODES:
                raise PlatformError(exc.message, code="no_grant", platform=PLATFORM, raw=exc.raw) from exc
            raise

    def upload_shipping(self, payload: dict) -> None:
        """WeChat only (its rule for WeChat Pay orders); nothing to tell Alipay."""

    def submit_pages(self, pages: list[dict]) -> None:
        """WeChat search only; Alipay has no page submission API for mini programs."""


# --- order center (订单数据同步) ------------------------------------------------------------------
# The shopping order's statuses in the order they happen (ext_info merchant_order_status); a status
# is sent once and never one that comes before the last one sent.
ORDER_CENTER_STATUSES = ("WAIT_PAY", "PAID", "IN_DELIVERY", "SIGNED", "FINISHED", "REFUNDED")
ORDER_CENTER_BIZ_TYPE = "KX_SHOPPING"
# The order link page may be sent once per order; Alipay answers this sub_code to a second one.
LINK_PAGE_AGAIN = "AE0515022537"
ORDER_CENTER_MEANINGS = {
    LINK_PAGE_AGAIN: "订单跳转链接已同步过",
    "ORDER_STATUS_NOT_FORWARD": "订单状态只能向前推进",
    "TRADE_NOT_PAID": "交易未在小程序内支付成功",
    "TRADE_NOT_EXIST": "交易不存在",
    "INVALID_PARAMETER": "参数错误",
}


def order_center_meaning(code: str) -> str:
    return ORDER_CENTER_MEANINGS.get(str(code), "")


def sync_merchant_order(order: dict) -> dict:
    """alipay.merchant.order.sync with `order` as biz_content ({out_biz_no, buyer_id or buyer_open_id,
    trade_no, amount, item_order_list, order_create_time, order_modified_time, logistics_info_list,
    ext_info}); the answer's body, or PlatformError with Alipay's sub_code."""
    status = next(
        (row["ext_value"] for row in order.get("ext_info", []) if row["ext_key"] == "merchant_order_status"), ""
    )
    if status not in ORDER_CENTER_STATUSES:
        raise PlatformError(
            f"order center status {status!r} is not one of ours", code="INVALID_PARAMETER", platform=PLATFORM
        )
    client, _credentials = build_client()
    return client.call("alipay.merchant.order.sync", order)
