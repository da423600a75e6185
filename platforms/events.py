"""Who wants to hear about WeChat push events: a small registry.

    from platforms import events

    @events.on("wxa_media_check")
    def record_image_verdict(message: dict) -> None: ...

The push endpoint (platforms/api.py) calls `dispatch` only after the message's signature
verified (and it was decrypted in safe mode). Handlers run in registration order; one
failing handler is logged and does not stop the others, because WeChat would otherwise
push the same message again to all of them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

logger = logging.getLogger(__name__)

_handlers: dict[str, list[Callable[[dict], None]]] = defaultdict(list)


def on(event: str):
    def register(handler):
        if handler not in _handlers[event]:
            _handlers[event].append(handler)
        return handler

    return register


def off(event: str, handler) -> None:
    if handler in _handlers.get(event, []):
        _handlers[event].remove(handler)


def handlers_for(event: str) -> list:
    return list(_handlers.get(event, []))


def dispatch(event: str, message: dict) -> int:
    """Calls every handler of `event` with the message; returns how many ran cleanly."""
    ran = 0
    for handler in handlers_for(event):
        try:
            handler(message)
            ran += 1
        except Exception:
            logger.exception("handler %r of WeChat push event %s failed", handler, event)
    return ran
