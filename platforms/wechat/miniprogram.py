"""The WeChat mini program server APIs behind `MiniProgramPlatform`, through wechatpy.

All calls go through the one shared `WeChatClient` (platforms.wechat.client), so the access
token and its refresh are shared by every process. WeChat's answers become the interface's
results or exceptions:

- timeouts, connection failures, HTTP 5xx and errcode -1 ("system busy"): PlatformUnavailable
  (retryable), with platforms.transport's codes `timeout`, `connection_error`, `http_5xx`
  and `platform_busy`;
- 40001 / 42001 / 40014 (token invalid or expired): the token is fetched again and the call
  retried once; a second refusal is a PlatformError;
- 40029 / 40163 (login or phone code unknown or used): InvalidCode;
- 43101 (no subscribe grant left): PlatformError(code="no_grant");
- 45009 / 45011 (rate limits): PlatformError(retryable=True);
- anything else: PlatformError(code=<errcode>).
"""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from wechatpy.exceptions import WeChatClientException

from platforms import transport
from platforms.base import (
    InvalidCode,
    LoginResult,
    MiniProgramPlatform,
    PhoneNumber,
    PlatformError,
    TextVerdict,
)
from platforms.wechat.client import KitWeChatClient, shared_client

logger = logging.getLogger(__name__)

TOKEN_ERRCODES = {40001, 40014, 42001}
CODE_ERRCODES = {40029, 40163}
RATE_LIMIT_ERRCODES = {45009, 45011}
NO_GRANT_ERRCODE = 43101
BASE = transport.BASE_URLS["wechat"]


def platform_error(exc: Exception, action: str = "call") -> PlatformError:
    """The interface's exception for a wechatpy or requests failure."""
    if isinstance(exc, requests.RequestException):
        return transport.unavailable_from(exc, platform="wechat", action=action)
    if isinstance(exc, WeChatClientException):
        code, message = exc.errcode, f"WeChat: {exc.errmsg}"
        raw = {"errcode": code, "errmsg": exc.errmsg}
        if code is None:  # wechatpy's raise_for_status: an HTTP error status, or no response at all
            status = getattr(exc.response, "status_code", 0) or 0
            if status == 0:
                return transport.bad_response(platform="wechat", action=action, detail="an HTTP error without a status")
            if transport.is_outage_status(status):
                return transport.unavailable_status(status, platform="wechat", action=action)
            return PlatformError(f"WeChat answered HTTP {status}", code=f"http_{status}", platform="wechat")
        if code == -1:
            return transport.platform_busy(platform="wechat", action=action, detail="system busy (errcode -1)", raw=raw)
        if code in CODE_ERRCODES:
            return InvalidCode(message, code="invalid_code", platform="wechat", raw=raw)
        if code == NO_GRANT_ERRCODE:
            return PlatformError(message, code="no_grant", platform="wechat", raw=raw)
        if code in RATE_LIMIT_ERRCODES:
            return PlatformError(message, code=str(code), retryable=True, platform="wechat", raw=raw)
        return PlatformError(message, code=str(code), platform="wechat", raw=raw)
    return PlatformError(str(exc), platform="wechat")


# WeChat refuses a whole subscribe message (47003) when one value is longer than its field
# type allows, so values are cut to fit rather than lose the message.
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


def fit_field(key: str, value) -> str:
    text = "" if value is None else str(value)
    kind = key.rstrip("0123456789")
    limit = FIELD_LIMITS.get(kind)
    if limit and len(text) > limit:
        return text[: limit - 1] + "…" if kind in ("thing", "name") else text[:limit]
    return text


class WeChatMiniProgram(MiniProgramPlatform):
    name = "wechat"

    def __init__(self, client: KitWeChatClient | None = None):
        self._client = client

    @property
    def client(self) -> KitWeChatClient:
        return self._client or shared_client()

    @property
    def app_id(self) -> str:
        return self.client.appid

    def _call(self, operation, *, needs_token=True, action="call"):
        """Run `operation(client)`; refresh the token and retry once if WeChat refuses it."""
        client = self.client
        for attempt in (1, 2):
            try:
                token = client.access_token if needs_token else None
                return operation(client)
            except WeChatClientException as exc:
                if needs_token and exc.errcode in TOKEN_ERRCODES and attempt == 1:
                    logger.info("WeChat refused the access token (%s); fetching a new one", exc.errcode)
                    client.forget_access_token(token)
                    continue
                raise platform_error(exc, action) from exc
            except requests.RequestException as exc:
                raise platform_error(exc, action) from exc

    def _post(self, endpoint: str, data: dict):
        return self._call(lambda client: client.post(endpoint, data=data, api_base_url=BASE), action=endpoint)

    # --- MiniProgramPlatform ----------------------------------------------------------------
    def login(self, code: str) -> LoginResult:
        if not code:
            raise InvalidCode("A login code is required.", code="invalid_code", platform="wechat")
        result = self._call(
            lambda client: client.get(
                "sns/jscode2session",
                api_base_url=BASE,
                params={
                    "appid": client.appid,
                    "secret": client.secret,
                    "js_code": code,
                    "grant_type": "authorization_code",
                    "access_token": "",
                },
            ),
            needs_token=False,
            action="sns/jscode2session",
        )
        return LoginResult(
            platform="wechat",
            app_id=self.app_id,
            openid=result["openid"],
            unionid=result.get("unionid", ""),
            session_key=result.get("session_key", ""),
        )

    def phone_number(self, *, code: str = "", encrypted_response: str = "", openid: str = "") -> PhoneNumber:
        if not code:
            raise InvalidCode("A phone number code is required.", code="invalid_code", platform="wechat")
        info = self._post("wxa/business/getuserphonenumber", {"code": code})["phone_info"]
        return PhoneNumber(phone=info["purePhoneNumber"], country_code=str(info.get("countryCode", "86")))

    def check_text(self, text: str, *, openid: str, scene: int = 2) -> TextVerdict:
        result = self._post("wxa/msg_sec_check", {"content": text, "version": 2, "scene": scene, "openid": openid})
        verdict = result.get("result") or {}
        return TextVerdict(
            suggest=verdict.get("suggest", "review"),
            label=str(verdict.get("label", "")),
            trace_id=result.get("trace_id", ""),
        )

    def check_image_async(self, media_url: str, *, openid: str, scene: int = 2) -> str:
        result = self._post(
            "wxa/media_check_async",
            {
                "media_url": media_url,
                "media_type": 2,
                "version": 2,
                "scene": scene,
                "openid": openid,
            },
        )
        return result["trace_id"]

    def user_risk_rank(self, openid: str, *, client_ip: str, scene: int = 1) -> int:
        result = self._post(
            "wxa/getuserriskrank",
            {
                "appid": self.app_id,
                "openid": openid,
                "scene": scene,
                "client_ip": client_ip,
            },
        )
        return int(result["risk_rank"])

    def unlimited_code(self, *, scene: str, page: str, width: int = 430) -> bytes:
        result = self._post(
            "wxa/getwxacodeunlimit",
            {
                "scene": scene,
                "page": page,
                "check_path": bool(page),
                "width": width,
                "env_version": getattr(settings, "WECHAT_ENV_VERSION", "release"),
            },
        )
        if isinstance(result, dict):  # JSON without an errcode is not an image either
            raise PlatformError(
                "WeChat answered JSON instead of an image", code="not_an_image", platform="wechat", raw=result
            )
        return result.content

    def url_link(self, *, path: str, query: str = "", expire_days: int = 30) -> str:
        result = self._post(
            "wxa/generate_urllink",
            {
                "path": path,
                "query": query,
                "expire_type": 1,
                "expire_interval": expire_days,
                "env_version": getattr(settings, "WECHAT_ENV_VERSION", "release"),
            },
        )
        return result["url_link"]

    def send_notice(self, *, openid: str, template_id: str, page: str, data: dict) -> None:
        self._post(
            "cgi-bin/message/subscribe/send",
            {
                "touser": openid,
                "template_id": template_id,
                "page": page,
                "data": {key: {"value": fit_field(key, value)} for key, value in data.items()},
                "miniprogram_state": getattr(settings, "WECHAT_MINIPROGRAM_STATE", "formal"),
                "lang": "zh_CN",
            },
        )

    def upload_shipping(self, payload: dict) -> None:
        self._post("wxa/sec/order/upload_shipping_info", payload)

    def submit_pages(self, pages: list[dict]) -> None:
        self._post(
            "wxa/search/wxaapi_submitpages",
            {
                "pages": [{"path": p["path"], "query": p.get("query", "")} for p in pages],
            },
        )
