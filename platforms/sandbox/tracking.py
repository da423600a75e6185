"""The sandbox's parcel carrier and tracking provider: parcels move along over time.

A parcel starts when it is subscribed (or first polled). Every
`SANDBOX_TRACKING_STEP_SECONDS` one more event of a realistic route becomes visible:
collected, trunk line, sorting centre, out for delivery, signed for. A tracking number
ending in "9" gets stuck at the destination sorting centre with an exception instead, so
the demo's attention list has something to show.

State lives in the cache (a file cache in the demo, shared by web and worker): per parcel
its start time, callback URL and salt, and how many events were already pushed.
`push_due_events()` sends each subscribed parcel's new events to its callback with the
provider's signature, in-process; the worker's beat runs it every minute.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import zlib

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from platforms import transport
from platforms.tracking.kuaidi100 import format_time, md5_sign

logger = logging.getLogger(__name__)

INDEX_KEY = "sandbox:tracking:index"
ROUTES = [
    ("上海市", "上海静安集散中心", "杭州转运中心", "杭州市", "杭州西湖营业点"),
    ("广州市", "广州白云集散中心", "武汉转运中心", "武汉市", "武汉江汉营业点"),
    ("北京市", "北京顺义集散中心", "南京转运中心", "南京市", "南京鼓楼营业点"),
]
# (Kuaidi100 state code, Chinese state name, text template)
NORMAL_SCRIPT = [
    ("1", "揽收", "【{origin}】快递员已揽收快件"),
    ("0", "在途", "快件已发车，离开【{hub}】"),
    ("0", "在途", "快件到达【{transit}】"),
    ("0", "在途", "快件离开【{transit}】，发往【{station}】"),
    ("5", "派件", "【{station}】快递员 王师傅 正在派件（电话 95338）"),
    ("3", "签收", "快件已签收，签收人：本人。感谢使用，期待再次为您服务"),
]
STUCK_SCRIPT = NORMAL_SCRIPT[:3] + [("2", "疑难", "快件滞留于【{transit}】，原因：收件地址不详，等待联系收件人")]


def _key(com: str, num: str) -> str:
    return f"sandbox:tracking:{com}:{num}"


def get_parcel(com: str, num: str) -> dict | None:
    """The parcel's state, or None when the sandbox has never seen it."""
    return cache.get(_key(com, num))


def step_seconds() -> int:
    return int(getattr(settings, "SANDBOX_TRACKING_STEP_SECONDS", 120))


def _parcel(com: str, num: str, **changes) -> dict:
    """The parcel's state, created (starting now) when unknown; `changes` are saved."""
    key = _key(com, num)
    parcel = cache.get(key)
    if parcel is None:
        parcel = {
            "com": com,
            "num": num,
            "started_at": timezone.now().isoformat(),
            "pushed": 0,
            "callback_url": "",
            "salt": "",
        }
        index = cache.get(INDEX_KEY) or []
        if key not in index:
            cache.set(INDEX_KEY, [*index, key][-500:], timeout=None)
    if changes:
        parcel.update(changes)
    cache.set(key, parcel, timeout=None)
    return parcel


def subscribe(*, com: str, num: str, callback_url: str, salt: str) -> dict:
    return _parcel(com, num, callback_url=callback_url, salt=salt)


def _event_times(parcel: dict, now: dt.datetime, script_length: int) -> list[dt.datetime]:
    """When each event so far happened: those already fixed (moved on by hand) stay as they
    were, the next ones follow every step_seconds() after the previous one."""
    times = [dt.datetime.fromisoformat(value) for value in parcel.get("times", [])]
    started = dt.datetime.fromisoformat(parcel["started_at"])
    while len(times) < script_length:
        upcoming = times[-1] + dt.timedelta(seconds=step_seconds()) if times else started
        if upcoming > now:
            break
        times.append(upcoming)
    return times


def _script(num: str):
    return STUCK_SCRIPT if num.endswith("9") else NORMAL_SCRIPT


def visible_events(parcel: dict, now: dt.datetime | None = None) -> list[dict]:
    """The parcel's events up to now, oldest first, in Kuaidi100's `data` item form."""
    now = now or timezone.now()
    num = parcel["num"]
    origin, hub, transit, city, station = ROUTES[zlib.crc32(num.encode()) % len(ROUTES)]
    script = _script(num)
    places = [origin, origin, transit[:2] + "市", transit[:2] + "市", city, city]
    events = []
    for index, at in enumerate(_event_times(parcel, now, len(script))):
        code, name, template = script[index]
        text = template.format(origin=origin, hub=hub, transit=transit, station=station)
        events.append(
            {
                "time": format_time(at),
                "ftime": format_time(at),
                "context": text,
                "status": name,
                "statusCode": code,
                "areaName": places[min(index, len(places) - 1)],
            }
        )
    return events


def query_result(parcel: dict, now=None) -> dict:
    """The answer of /poll/query.do for a parcel (newest event first, as Kuaidi100 does)."""
    events = visible_events(parcel, now)
    if not events:
        return {"result": False, "returnCode": "500", "message": "查询无结果，请隔段时间再查"}
    return {
        "message": "ok",
        "state": events[-1]["statusCode"],
        "status": "200",
        "condition": "F00",
        "ischeck": "1" if events[-1]["statusCode"] == "3" else "0",
        "com": parcel["com"],
        "nu": parcel["num"],
        "data": list(reversed(events)),
    }


def advance(*, com: str, num: str) -> dict:
    """Make the parcel's next event happen now (the demo's "move it on" button)."""
    parcel = _parcel(com, num)
    now = timezone.now()
    times = _event_times(parcel, now, len(_script(num)))
    if len(times) < len(_script(num)):
        times.append(max(now, times[-1] + dt.timedelta(seconds=1)) if times else now)
    return _parcel(com, num, times=[t.isoformat() for t in times])


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    # Callbacks go to this project itself: in-process, like every sandbox call.
    session.mount(settings.SITE_URL + "/", transport.InProcessAdapter(settings.SITE_URL + "/", "/"))
    return session


def push(parcel: dict, *, session=None) -> bool:
    """Push the parcel's whole visible timeline to its callback, signed; True when acknowledged."""
    if not parcel.get("callback_url"):
        return False
    result = query_result(parcel)
    if not result.get("data"):
        return False
    final = result["state"] in ("3", "4", "6")
    param = json.dumps(
        {"status": "shutdown" if final else "polling", "billstatus": "got", "message": "", "lastResult": result},
        ensure_ascii=False,
    )
    try:
        response = transport.send(
            session or _session(),
            "POST",
            parcel["callback_url"],
            data={"param": param, "sign": md5_sign(param + parcel["salt"])},
        )
        acknowledged = response.status_code == 200 and response.json().get("result") is True
    except (requests.RequestException, ValueError) as exc:
        logger.warning("sandbox tracking: push to %s failed: %s", parcel["callback_url"], exc)
        return False
    if acknowledged:
        _parcel(parcel["com"], parcel["num"], pushed=len(result["data"]))
    return acknowledged


def push_due_events() -> int:
    """Push every subscribed parcel that has events its callback has not seen; returns how many."""
    session = _session()
    pushed = 0
    for key in cache.get(INDEX_KEY) or []:
        parcel = cache.get(key)
        if parcel and parcel.get("callback_url") and len(visible_events(parcel)) > parcel.get("pushed", 0):
            pushed += push(parcel, session=session)
    return pushed


def parcels() -> list[dict]:
    """Every parcel the sandbox knows, with its visible events (for the sandbox page)."""
    found = []
    for key in cache.get(INDEX_KEY) or []:
        parcel = cache.get(key)
        if parcel:
            found.append({**parcel, "events": visible_events(parcel)})
    return found
