"""The WeChat mini program server APIs behind `MiniProgramPlatform`, through wechatpy.

All calls go through the one shared `WeChatClient` (platforms.wechat.client), so the access
token and its refresh are shared by every process. WeChat's answers become the interface's
results or exceptions:

- timeouts, connection failures, HTTP 5xx and errcode -1 ("system busy"): PlatformUnavailable
  (retryable), with platforms.transport's codes `timeout`, `connection_error`, `http_5xx`
  and `platform_busy`;
- 40001 / 42001 / 40014 (token invalid or expired): the token is fetched again (force-refreshed
  only when WeChat hands back the refused one) and the call retried once; a second refusal is a
  PlatformError;
- 40029 / 40163 (login or phone code unknown or used): InvalidCode;
- 43101 (no subscribe grant left): PlatformError(code="no_grant");
- 45009 / 45011 (rate limits), 10060001 (shipping upload for a payment WeChat does not know
  yet) and 10060012 / 10060019 (shipping "system error"): PlatformError(retryable=True);
- anything else: PlatformError(code=<errcode>).

Inputs WeChat would refuse are refused here first, with the errcode WeChat would answer (or the
kit's own code where WeChat has none), so nothing is sent that cannot succeed: code scenes and
pages, URL Link paths, queries and expiry, content-check text and openids, the shipping upload's
field limits, subscribe-message values by their keyword's type (platforms.notice_fields).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

import requests
from django.conf import settings
from wechatpy.exceptions import WeChatClientException

from platforms import notice_fields, transport
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
# 10060001: the payment is unknown to the shipping service for a while after it is paid ("retry
# after 10 s to a minute"); 10060012 / 10060019 are its "system busy".
RETRYABLE_ERRCODES = RATE_LIMIT_ERRCODES | {10060001, 10060012, 10060019}
NO_GRANT_ERRCODE = 43101
BASE = transport.BASE_URLS["wechat"]
ENV_VERSIONS = ("release", "trial", "develop")
# getwxacodeunlimit: "最大32个可见字符，只支持数字，大小写英文以及部分特殊字符：!#$&'()*+,/:;=?@-._~".
CODE_SCENE = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
PAGE_PATH = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")
# generate_urllink: query at most 1024 of these (and %): anything else is percent-encoded.
LINK_QUERY_SAFE = "!#$&'()*+,/:;=?@-._~%"
MAX_LINK_QUERY = 1024
MAX_LINK_DAYS = 30
MAX_CHECKED_TEXT = 2500  # msg_sec_check v2: "文本字数的上限为2500字"
VERDICT_RANK = {"pass": 0, "review": 1, "risky": 2}
# upload_shipping_info limits (developers.weixin.qq.com, order-shipping), with WeChat's errcodes.
SHIPPING_MAX_ITEMS = 10
ITEM_DESC_MAX_CHARS = 120
TRACKING_NO_MAX_BYTES = 128
MASKED_CONTACT = re.compile(r"^(?=.*\*)[0-9*+\- ]*\d{4}$")


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
        if code in RETRYABLE_ERRCODES:
            return PlatformError(message, code=str(code), retryable=True, platform="wechat", raw=raw)
        return PlatformError(message, code=str(code), platform="wechat", raw=raw)
    return PlatformError(str(exc), platform="wechat")


# subscribeMessage.send: "miniprogram_state: developer / trial / formal", "lang: zh_CN, en_US,
# zh_HK, zh_TW" (developers.weixin.qq.com, subscribeMessage.send).
MINIPROGRAM_STATES = ("developer", "trial", "formal")
NOTICE_LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")


def refused(message: str, code: str) -> PlatformError:
    """A call the adapter does not send because WeChat would refuse it."""
    return PlatformError(message, code=code, platform="wechat")


def env_version() -> str:
    version = getattr(settings, "WECHAT_ENV_VERSION", "release")
    if version not in ENV_VERSIONS:
        raise refused(f"WECHAT_ENV_VERSION must be one of {', '.join(ENV_VERSIONS)}", "invalid_env_version")
    return version


def shipping_problems(payload: dict) -> list[tuple[str, str]]:
    """(errcode, problem) for the upload_shipping_info limits this payload breaks."""
    problems = []
    items = payload.get("shipping_list") or []
    express = payload.get("logistics_type") == 1
    if payload.get("delivery_mode") == 2 and not express:
        problems.append(("10060006", "split delivery (delivery_mode 2) is for express only"))
    if len(items) > SHIPPING_MAX_ITEMS:
        problems.append(("10060024", f"shipping_list holds at most {SHIPPING_MAX_ITEMS} items"))
    for index, item in enumerate(items):
        where = f"shipping_list[{index}]"
        if len(str(item.get("item_desc", ""))) > ITEM_DESC_MAX_CHARS:
            problems.append(("10060009", f"{where}.item_desc is at most {ITEM_DESC_MAX_CHARS} characters"))
        if len(str(item.get("tracking_no", "")).encode("utf-8")) > TRACKING_NO_MAX_BYTES:
            problems.append(("10060026", f"{where}.tracking_no is at most {TRACKING_NO_MAX_BYTES} bytes"))
        contact = item.get("contact") or {}
        if express and item.get("express_company") == "SF" and not any(contact.values()):
            problems.append(("10060014", f"{where}.contact is required for SF"))
        for name, value in contact.items():
            if value and not MASKED_CONTACT.match(str(value)):
                problems.append(("10060014", f"{where}.contact.{name} must be masked, last four digits visible"))
    return problems


def notice_data(data: dict) -> dict:
    """subscribeMessage.send's `data`: each value fitted to its keyword's type (a thing cut within 20
    with "…"), or refused with 47003, as WeChat refuses the whole message for one bad value."""
    try:
        return {key: {"value": notice_fields.wechat_value(key, value)} for key, value in data.items()}
    except notice_fields.FieldValueError as exc:
        raise refused(f"subscribe message: {exc}", "47003") from exc


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
                    try:
                        client.replace_refused_token(token)
                    except WeChatClientException as refresh_exc:
                        raise platform_error(refresh_exc, "cgi-bin/stable_token") from refresh_exc
                    except requests.RequestException as refresh_exc:
                        raise platform_error(refresh_exc, "cgi-bin/stable_token") from refresh_exc
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
        """The verdict on `text`; a text longer than WeChat checks at once is checked in parts,
        and the worst part's verdict is the text's."""
        if not openid:
            raise refused("msg_sec_check needs the shopper's openid", "40003")
        if scene not in (1, 2, 3, 4):
            raise refused("msg_sec_check scene is 1 (profile), 2 (comment), 3 (forum) or 4 (social log)", "40129")
        parts = [text[i : i + MAX_CHECKED_TEXT] for i in range(0, len(text), MAX_CHECKED_TEXT)] or [""]
        worst = None
        for part in parts:
            result = self._post("wxa/msg_sec_check", {"content": part, "version": 2, "scene": scene, "openid": openid})
            verdict = result.get("result") or {}
            # A keyword strategy's hit names the word in its detail entry.
            words = tuple(d["keyword"] for d in result.get("detail") or [] if isinstance(d, dict) and d.get("keyword"))
            current = TextVerdict(
                suggest=verdict.get("suggest", "review"),
                label=str(verdict.get("label", "")),
                trace_id=result.get("trace_id", ""),
                words=words,
            )
            if worst is None or VERDICT_RANK.get(current.suggest, 1) > VERDICT_RANK.get(worst.suggest, 1):
                worst = current
        return worst

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
        if not CODE_SCENE.match(scene or ""):
            raise refused(f"code scene {scene!r}: 1 to 32 of 0-9 A-Z a-z !#$&'()*+,/:;=?@-._~", "invalid_scene")
        page = page.lstrip("/")  # WeChat refuses a leading slash (41030)
        if page and not PAGE_PATH.match(page):
            raise refused(f"code page {page!r}: a page path without query (the query goes in scene)", "invalid_page")
        version = env_version()
        result = self._post(
            "wxa/getwxacodeunlimit",
            {
                "scene": scene,
                "page": page,
                # Only the published version's pages can be checked: a trial or develop build's
                # new page would be 41030 with check_path on.
                "check_path": version == "release",
                "width": width,
                "env_version": version,
            },
        )
        if isinstance(result, dict):  # JSON without an errcode is not an image either
            raise PlatformError(
                "WeChat answered JSON instead of an image", code="not_an_image", platform="wechat", raw=result
            )
        return result.content

    def url_link(self, *, path: str, query: str = "", expire_days: int = 30) -> str:
        path, _, path_query = path.lstrip("/").partition("?")  # the link's path takes no query
        query = "&".join(part for part in (path_query, query) if part)
        if path and not PAGE_PATH.match(path):
            raise refused(f"URL Link path {path!r} is not a page path", "invalid_page")
        query = quote(query, safe=LINK_QUERY_SAFE)
        if len(query) > MAX_LINK_QUERY:
            raise refused(f"URL Link query is at most {MAX_LINK_QUERY} characters", "invalid_query")
        if not 1 <= expire_days <= MAX_LINK_DAYS:
            # URL Links last between a minute and 30 days (85401).
            raise refused(f"URL Links last 1 to {MAX_LINK_DAYS} days", "invalid_expiry")
        result = self._post(
            "wxa/generate_urllink",
            {
                "path": path,
                "query": query,
                "expire_type": 1,
                "expire_interval": expire_days,
                "env_version": env_version(),
            },
        )
        return result["url_link"]

    def send_notice(self, *, openid: str, template_id: str, page: str, data: dict) -> None:
        state = getattr(settings, "WECHAT_MINIPROGRAM_STATE", "formal")
        if state not in MINIPROGRAM_STATES:
            raise refused(f"WECHAT_MINIPROGRAM_STATE must be one of {', '.join(MINIPROGRAM_STATES)}", "47003")
        page = page.lstrip("/")
        if page and not PAGE_PATH.match(page.partition("?")[0]):
            raise refused(f"subscribe message page {page!r} is not a page path of the mini program", "41030")
        self._post(
            "cgi-bin/message/subscribe/send",
            {
                "touser": openid,
                "template_id": template_id,
                "page": page,
                "data": notice_data(data),
                "miniprogram_state": state,
                "lang": NOTICE_LANGS[0],
            },
        )

    def upload_shipping(self, payload: dict) -> None:
        problems = shipping_problems(payload)
        if problems:
            raise refused("upload_shipping_info: " + "; ".join(p for _c, p in problems), problems[0][0])
        self._post("wxa/sec/order/upload_shipping_info", payload)

    def submit_pages(self, pages: list[dict]) -> None:
        self._post(
            "wxa/search/wxaapi_submitpages",
            {
                # The data push format: each page with its structured data (data_list) when given.
                "pages": [
                    {
                        "path": p["path"],
                        "query": p.get("query", ""),
                        **({"data_list": p["data_list"]} if p.get("data_list") else {}),
                    }
                    for p in pages
                ],
            },
        )


# --- logistics tracking component (物流查询组件) and order-shipping management (发货信息管理) -----------
# The mini program opens a parcel with the plug-in: requirePlugin("logisticsPlugin")
# .openWaybillTracking({waybillToken}); it is declared in app.json with this provider.
LOGISTICS_PLUGIN = {"name": "logisticsPlugin", "provider": "wx9ad912bf20548d92", "method": "openWaybillTracking"}
# query_trace's waybill status.
WAYBILL_STATES = {0: "揽件前", 1: "已揽件", 2: "运输中", 3: "派件中", 4: "已签收", 5: "异常", 6: "代签收"}
# get_order's order_state.
TRADE_ORDER_STATES = {1: "待发货", 2: "已发货", 3: "确认收货", 4: "交易完成", 5: "已退款", 6: "资金待结算"}
# What the platform's codes mean, for the operations screens (a Chinese meaning, never a bare code).
ERRCODE_MEANINGS = {
    "48001": "未开通物流查询组件（或接口权限）：请在小程序后台开通",
    "9300507": "运单 token 无效",
    "931023": "快递公司查不到该运单",
    "9300559": "运力 id 不存在（请对照 get_delivery_list）",
    "40003": "openid 无效或不是付款人",
    "47001": "参数格式错误",
    "10060001": "支付单不存在或刚支付（稍后重试）",
    "10060002": "支付单已完成发货",
    "10060003": "支付单已使用重新发货机会，不能再改",
    "10060004": "支付单不可发货（已退款）",
    "10060029": "签收时间不合理",
    "268546000": "报备类型不对",
    "268546001": "预计发货时间须在支付后 15 到 330 天之间",
    "268546002": "没有这笔待发货订单",
    "reship_used": "重新发货机会已用完，未再上传",
}
# Limits of goods_info the sandbox holds the kit to (WeChat's page lists the fields only).
WAYBILL_MAX_GOODS = 10
GOODS_NAME_MAX = 40
GOODS_DESC_MAX = 100


def errcode_meaning(code: str) -> str:
    return ERRCODE_MEANINGS.get(str(code), "")


def waybill_goods_problem(goods_info: dict) -> str | None:
    detail = goods_info.get("detail_list") or []
    if not detail:
        return "goods_info.detail_list is empty"
    if len(detail) > WAYBILL_MAX_GOODS:
        return f"goods_info.detail_list holds at most {WAYBILL_MAX_GOODS} goods"
    for item in detail:
        if not item.get("goods_name") or not item.get("goods_img_url"):
            return "each goods needs goods_name and goods_img_url"
        if len(item["goods_name"]) > GOODS_NAME_MAX or len(item.get("goods_desc", "")) > GOODS_DESC_MAX:
            return f"goods_name at most {GOODS_NAME_MAX}, goods_desc at most {GOODS_DESC_MAX} characters"
    return None


class WeChatLogistics:
    """The calls of the logistics tracking component and of order-shipping management, through the
    mini program adapter's shared client (token refresh and error mapping as for every call)."""

    def __init__(self, miniprogram: WeChatMiniProgram | None = None):
        self.miniprogram = miniprogram or WeChatMiniProgram()

    def _post(self, endpoint: str, data: dict) -> dict:
        return self.miniprogram._post(endpoint, data)

    # --- tracking component -------------------------------------------------------------------
    def delivery_list(self) -> dict[str, str]:
        """{delivery_id: delivery_name} of the carriers WeChat knows."""
        result = self._post("cgi-bin/express/delivery/open_msg/get_delivery_list", {})
        return {row["delivery_id"]: row.get("delivery_name", "") for row in result.get("delivery_list", [])}

    def _waybill_body(self, waybill: dict) -> dict:
        if not waybill.get("openid"):
            raise refused("trace_waybill needs the payer's openid", "40003")
        problem = waybill_goods_problem(waybill.get("goods_info") or {})
        if problem:
            raise refused(f"trace_waybill: {problem}", "47001")
        return waybill

    def trace_waybill(self, waybill: dict) -> str:
        """The waybill token of one parcel: {openid, receiver_phone, waybill_id, delivery_id,
        goods_info: {detail_list: [{goods_name, goods_img_url, goods_desc}]}, trans_id, order_detail_path}."""
        result = self._post("cgi-bin/express/delivery/open_msg/trace_waybill", self._waybill_body(waybill))
        return result["waybill_token"]

    def follow_waybill(self, waybill: dict) -> str:
        """The message component: WeChat sends the shopper service notices as the parcel moves."""
        result = self._post("cgi-bin/express/delivery/open_msg/follow_waybill", self._waybill_body(waybill))
        return result["waybill_token"]

    def update_waybill_goods(self, *, waybill_token: str, goods_info: dict) -> None:
        problem = waybill_goods_problem(goods_info)
        if problem:
            raise refused(f"update_waybill_goods: {problem}", "47001")
        self._post(
            "cgi-bin/express/delivery/open_msg/update_waybill_goods",
            {"waybill_token": waybill_token, "goods_info": goods_info},
        )

    def query_trace(self, waybill_token: str, *, follow: bool = False) -> dict:
        endpoint = "query_follow_trace" if follow else "query_trace"
        return self._post(f"cgi-bin/express/delivery/open_msg/{endpoint}", {"waybill_token": waybill_token})

    # --- order-shipping management --------------------------------------------------------------
    def get_order(self, *, transaction_id: str) -> dict:
        return self._post("wxa/sec/order/get_order", {"transaction_id": transaction_id})["order"]

    def notify_confirm_receive(self, *, transaction_id: str, received_time: int) -> None:
        self._post(
            "wxa/sec/order/notify_confirm_receive",
            {"transaction_id": transaction_id, "received_time": int(received_time)},
        )

    def report_special_order(self, *, order_id: str, kind: int, delay_to: int | None = None) -> None:
        """opspecialorder: kind 1 presale (delay_to, unix seconds, 15 to 330 days after payment), 2 test."""
        if kind not in (1, 2):
            raise refused("opspecialorder type is 1 (presale) or 2 (test)", "268546000")
        if kind == 1 and not delay_to:
            raise refused("opspecialorder of a presale order needs delay_to", "268546001")
        body = {"order_id": order_id, "type": kind}
        if delay_to:
            body["delay_to"] = int(delay_to)
        self._post("wxa/sec/order/opspecialorder", body)

    def set_msg_jump_path(self, path: str) -> None:
        self._post("wxa/sec/order/set_msg_jump_path", {"path": path.lstrip("/")})

    def is_trade_managed(self) -> bool:
        return bool(
            self._post("wxa/sec/order/is_trade_managed", {"appid": self.miniprogram.app_id})["is_trade_managed"]
        )

    def is_settlement_confirmed(self) -> bool:
        result = self._post(
            "wxa/sec/order/is_trade_management_confirmation_completed", {"appid": self.miniprogram.app_id}
        )
        return bool(result.get("completed"))
