"""Fault modes of the sandbox, switched on by tests (or POST /sandbox/faults/) and consumed
by the emulated endpoints.

Modes: "timeout", "http_500", "busy" (WeChat errcode -1, WeChat Pay SYSTEM_ERROR),
"wrong_signature" (responses and notifications signed with an impostor key),
"duplicate_notification", "delayed_notification", "out_of_order" (a notification waits
for the next one to go first). Platforms: "wechat", "wechatpay" (the Alipay half may use
"alipay"). State lives in the cache so the web process and a worker of the demo share it.

    set_fault("wechatpay", "http_500")           # the next call fails once
    set_fault("wechat", "busy", times=None)      # every call until clear_faults()
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpResponse

from platforms import transport

MODES = (
    "timeout",
    "http_500",
    "busy",
    "wrong_signature",
    "duplicate_notification",
    "delayed_notification",
    "out_of_order",
    # Alipay: the next alipay.trade.refund is accepted with fund_change=N (money not moved yet);
    # it settles later (alipay_notify.settle_refunds, POST /sandbox/alipay/refunds/settle/).
    "refund_pending",
)
CALL_MODES = ("timeout", "http_500", "busy")
_KEY = "sandbox:faults"
FOREVER = -1


def _all() -> dict:
    return cache.get(_KEY) or {}


def set_fault(platform: str, mode: str, times: int | None = 1) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown fault mode {mode!r}; one of {', '.join(MODES)}")
    faults = _all()
    faults[f"{platform}:{mode}"] = FOREVER if times is None else int(times)
    cache.set(_KEY, faults, None)


def clear_faults(platform: str | None = None) -> None:
    if platform is None:
        cache.delete(_KEY)
        return
    cache.set(_KEY, {k: v for k, v in _all().items() if not k.startswith(platform + ":")}, None)


def active_faults(platform: str | None = None) -> dict:
    """All active faults as {"platform:mode": times left}, or one platform's as {mode: times left}."""
    if platform is None:
        return dict(_all())
    prefix = platform + ":"
    return {k[len(prefix) :]: v for k, v in _all().items() if k.startswith(prefix)}


def take_fault(platform: str, modes=MODES) -> str | None:
    """The first active fault of `modes` for `platform`, counted as used once."""
    faults = _all()
    for mode in modes:
        key = f"{platform}:{mode}"
        remaining = faults.get(key)
        if remaining is None or remaining == 0:
            continue
        if remaining != FOREVER:
            if remaining <= 1:
                faults.pop(key)
            else:
                faults[key] = remaining - 1
            cache.set(_KEY, faults, None)
        return mode
    return None


def timeout_response() -> HttpResponse:
    """The answer of a "timeout" fault: the transport raises requests' ReadTimeout on its header."""
    response = HttpResponse(status=504)
    response[transport.FAULT_HEADER] = "timeout"
    return response


def bad_gateway_response() -> HttpResponse:
    """The answer of an "http_500" fault on the platforms whose front proxy answers in HTML."""
    return HttpResponse("<html><body>502 Bad Gateway</body></html>", status=502, content_type="text/html")
