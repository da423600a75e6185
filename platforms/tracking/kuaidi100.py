"""Kuaidi100 adapter: subscribe (POST /poll), real-time query (POST /poll/query.do) and
verification of its pushes.

Protocol, as the provider documents it:
- query: form fields `customer`, `param` (JSON {com, num, phone, resultv2}) and `sign` =
  upper-case hex MD5 of `param + key + customer`;
- subscribe: form fields `schema=json` and `param` (JSON {company, number, key,
  parameters: {callbackurl, salt, resultv2, phone}}); answer {result, returnCode, message},
  returnCode 501 = already subscribed;
- push: form fields `param` (JSON {status, billstatus, message, lastResult}) and `sign` =
  upper-case hex MD5 of `param + salt`; we answer {"result": true, "returnCode": "200"}.

With the sandbox on, the same requests go in-process to platforms/sandbox/tracking_views.py,
which speaks this protocol and moves parcels along over time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import zoneinfo

import requests
from django.conf import settings
from django.http import JsonResponse

from platforms import transport
from platforms.base import InvalidNotification, PlatformError

from .base import (
    ACCEPTED,
    DELIVERED,
    EXCEPTION,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    RETURNED,
    ParcelEvent,
    ParcelTimeline,
    TrackingProvider,
)

logger = logging.getLogger(__name__)

BASE_URL = "https://poll.kuaidi100.com/"
SANDBOX_PATH = "/sandbox/tracking/kuaidi100/"
# Kuaidi100 writes times as "2026-11-25 10:00:00", Beijing time.
PROVIDER_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# Kuaidi100 `state` / `statusCode` (resultv2) -> our status. Main states are one or two
# digits; sub-states (resultv2=4) add digits to their main state, e.g. 1002 is "in transit:
# trunk line", 203 "exception: refused".
STATE_CODES = {
    "0": IN_TRANSIT,
    "1": ACCEPTED,
    "2": EXCEPTION,
    "3": DELIVERED,
    "4": RETURNED,
    "5": OUT_FOR_DELIVERY,
    "6": RETURNED,
    "7": IN_TRANSIT,
    "8": IN_TRANSIT,
    "10": IN_TRANSIT,
    "11": IN_TRANSIT,
    "12": IN_TRANSIT,
    "13": EXCEPTION,
    "14": EXCEPTION,
    "1001": IN_TRANSIT,
    "1002": IN_TRANSIT,
    "1003": IN_TRANSIT,
}
STATE_NAMES = {
    "揽收": ACCEPTED,
    "在途": IN_TRANSIT,
    "派件": OUT_FOR_DELIVERY,
    "签收": DELIVERED,
    "退签": RETURNED,
    "退回": RETURNED,
    "疑难": EXCEPTION,
    "拒签": EXCEPTION,
    "转投": IN_TRANSIT,
    "清关": IN_TRANSIT,
    "待清关": IN_TRANSIT,
    "清关中": IN_TRANSIT,
    "已清关": IN_TRANSIT,
    "清关异常": EXCEPTION,
}


def normalise_state(code="", name="") -> str:
    """Our status for a Kuaidi100 state code or name; "" when neither is known."""
    code = str(code or "").strip()
    if code in STATE_CODES:
        return STATE_CODES[code]
    if len(code) == 3 and code[0] in STATE_CODES:  # 101, 203, 301, 501: sub-states
        return STATE_CODES[code[0]]
    return STATE_NAMES.get(str(name or "").strip(), "")


def md5_sign(text: str) -> str:
    # The provider's protocol, not our choice of hash: MD5 over the parameter and a secret.
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, TIME_FORMAT).replace(tzinfo=PROVIDER_TZ)


def format_time(value: dt.datetime) -> str:
    return value.astimezone(PROVIDER_TZ).strftime(TIME_FORMAT)


def timeline_from_result(result: dict, *, carrier_code="", tracking_number="") -> ParcelTimeline:
    """A query answer (or a push's lastResult) -> ParcelTimeline, events oldest first."""
    events = []
    # Kuaidi100 lists the newest first; reversed, a stable sort keeps same-second events in order.
    for item in reversed(result.get("data") or []):
        raw_status = str(item.get("statusCode") or item.get("status") or "")
        status = normalise_state(item.get("statusCode"), item.get("status"))
        try:
            happened_at = parse_time(item.get("ftime") or item.get("time"))
        except (TypeError, ValueError):
            logger.warning("kuaidi100: event without a readable time skipped: %r", item)
            continue
        events.append(
            ParcelEvent(
                happened_at=happened_at,
                text=str(item.get("context") or "")[:500],
                status=status or IN_TRANSIT,
                place=str(item.get("areaName") or item.get("location") or "")[:200],
                raw_status=raw_status[:32],
            )
        )
    events.sort(key=lambda e: e.happened_at)
    status = normalise_state(result.get("state"))
    if not status and events:
        status = events[-1].status
    return ParcelTimeline(
        carrier_code=result.get("com") or carrier_code,
        tracking_number=result.get("nu") or tracking_number,
        status=status if events else "",
        events=events,
        raw=result,
    )


class Kuaidi100(TrackingProvider):
    name = "kuaidi100"

    def __init__(self):
        self.customer = settings.KUAIDI100_CUSTOMER
        self.key = settings.KUAIDI100_KEY
        self.salt = settings.TRACKING_PUSH_SALT
        self.session = requests.Session()
        self.session.trust_env = False
        if transport.sandbox_enabled():
            self.session.mount(BASE_URL, transport.InProcessAdapter(BASE_URL, SANDBOX_PATH))

    def _post(self, path: str, data: dict) -> dict:
        try:
            response = transport.send(self.session, "POST", BASE_URL + path, data=data)
        except requests.RequestException as exc:
            raise transport.unavailable_from(exc, platform=self.name, action=path) from exc
        return transport.json_answer(response, platform=self.name, action=path)

    def subscribe(self, *, carrier_code, tracking_number, callback_url, phone=""):
        parameters = {"callbackurl": callback_url, "salt": self.salt, "resultv2": "1"}
        if phone:
            parameters["phone"] = phone
        param = {"company": carrier_code, "number": tracking_number, "key": self.key, "parameters": parameters}
        answer = self._post("poll", {"schema": "json", "param": json.dumps(param, ensure_ascii=False)})
        code = str(answer.get("returnCode", ""))
        if answer.get("result") is True or code in ("200", "501"):  # 501: already subscribed
            return
        raise PlatformError(
            f"kuaidi100 subscribe: {answer.get('message', '')}",
            code=code or "subscribe_failed",
            retryable=code.startswith("5"),
            platform=self.name,
            raw=answer,
        )

    def poll(self, *, carrier_code, tracking_number, phone=""):
        param = {"com": carrier_code, "num": tracking_number, "resultv2": "1"}
        if phone:
            param["phone"] = phone
        param_json = json.dumps(param, ensure_ascii=False)
        answer = self._post(
            "poll/query.do",
            {"customer": self.customer, "param": param_json, "sign": md5_sign(param_json + self.key + self.customer)},
        )
        if answer.get("result") is False or (answer.get("returnCode") and not answer.get("data")):
            code = str(answer.get("returnCode", ""))
            if code == "500":  # "no result yet": the carrier has not scanned the parcel
                return ParcelTimeline(carrier_code=carrier_code, tracking_number=tracking_number, status="", raw=answer)
            raise PlatformError(
                f"kuaidi100 query: {answer.get('message', '')}",
                code=code or "query_failed",
                retryable=code in ("501", "502"),
                platform=self.name,
                raw=answer,
            )
        return timeline_from_result(answer, carrier_code=carrier_code, tracking_number=tracking_number)

    def parse_push(self, *, data):
        param = data.get("param") or ""
        sign = data.get("sign") or ""
        if not param or not sign:
            raise InvalidNotification("kuaidi100 push without param or sign", platform=self.name)
        if not self.salt:
            # An empty salt is one anybody can sign with: nothing is accepted until it is set.
            raise InvalidNotification("TRACKING_PUSH_SALT is not set", code="not_configured", platform=self.name)
        if not hmac.compare_digest(md5_sign(param + self.salt), str(sign).upper()):
            raise InvalidNotification(
                "kuaidi100 push signature does not verify", code="bad_signature", platform=self.name
            )
        try:
            body = json.loads(param)
        except ValueError as exc:
            raise InvalidNotification("kuaidi100 push param is not JSON", platform=self.name) from exc
        result = body.get("lastResult") or {}
        if not result.get("nu") or not result.get("com"):
            raise InvalidNotification("kuaidi100 push without carrier or number", platform=self.name)
        return timeline_from_result(result)

    def acknowledge(self, *, ok, message=""):
        if ok:
            return JsonResponse({"result": True, "returnCode": "200", "message": "成功"})
        return JsonResponse({"result": False, "returnCode": "500", "message": message or "失败"}, status=400)
