"""How the sandbox sends notifications to the kit's notify URLs.

Like the platforms, over HTTP and after the request that caused them has been answered:
the sends run in a thread started on commit, so a server with a single worker answers the
triggering request first and the notification afterwards (no deadlock). With
settings.SANDBOX_DELIVERY = "inline" (the tests) the notification is dispatched in-process
through platforms.transport right away, with the same headers and body.

The fault modes shape delivery: "duplicate_notification" sends it twice,
"delayed_notification" keeps it pending (thread mode: sends it after
settings.SANDBOX_NOTIFY_DELAY_SECONDS; inline mode: when `flush()` is called), and
"out_of_order" holds it until the next notification of the platform has gone.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import connections, transaction

from platforms import transport
from platforms.sandbox import faults
from platforms.sandbox.models import Delivery

logger = logging.getLogger(__name__)


def _inline() -> bool:
    return getattr(settings, "SANDBOX_DELIVERY", "thread") == "inline"


def _session(url: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    if _inline():
        # Whatever host the notify URL names, it is this project: answer it in-process.
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        session.mount(origin, transport.InProcessAdapter(origin, "/"))
    return session


def _send(delivery: Delivery) -> None:
    try:
        response = transport.send(
            _session(delivery.url), "POST", delivery.url, data=delivery.body.encode(), headers=delivery.headers
        )
        delivery.status_code = response.status_code
        delivery.response = response.text[:500]
        delivery.state = Delivery.State.SENT if response.status_code < 300 else Delivery.State.FAILED
    except requests.RequestException as exc:
        delivery.response = str(exc)[:500]
        delivery.state = Delivery.State.FAILED
    delivery.save(update_fields=["status_code", "response", "state"])


def notify(*, platform: str, event_type: str, url: str, reference: str, headers: dict, body: str) -> Delivery:
    """Record a notification and send it according to the active fault modes."""
    fault = faults.take_fault(platform, ("duplicate_notification", "delayed_notification", "out_of_order"))
    state = Delivery.State.HELD if fault == "out_of_order" else Delivery.State.PENDING
    delivery = Delivery.objects.create(
        platform=platform,
        event_type=event_type,
        url=url,
        reference=reference,
        headers=headers,
        body=body,
        state=state,
    )
    copies = [delivery]
    if fault == "duplicate_notification":
        copies.append(
            Delivery.objects.create(
                platform=platform,
                event_type=event_type,
                url=url,
                reference=reference,
                headers=headers,
                body=body,
            )
        )
    if fault == "out_of_order":
        return delivery
    # Whatever was held back goes after this one: the kit sees them out of order.
    held = list(Delivery.objects.filter(platform=platform, state=Delivery.State.HELD).order_by("id"))
    if fault == "delayed_notification":
        if not _inline():
            _dispatch_later(copies + held, delay=float(getattr(settings, "SANDBOX_NOTIFY_DELAY_SECONDS", 3)))
        return delivery
    if _inline():
        for item in copies + held:
            _send(item)
    else:
        _dispatch_later(copies + held, delay=0)
    return delivery


def _dispatch_later(deliveries: list[Delivery], *, delay: float) -> None:
    ids = [d.id for d in deliveries]

    def run():
        try:
            if delay:
                time.sleep(delay)
            # Held ones were created earlier but must arrive after the new one: keep list order.
            ordered = sorted(Delivery.objects.filter(id__in=ids), key=lambda d: ids.index(d.id))
            for delivery in ordered:
                _send(delivery)
        except Exception:  # a background thread has nobody to raise to
            logger.exception("sandbox: delivering notifications %s failed", ids)
        finally:
            connections.close_all()  # this thread's own connections; the thread ends here

    transaction.on_commit(lambda: threading.Thread(target=run, daemon=True).start())


def flush() -> int:
    """Send every pending or held notification now (tests; the /sandbox/ page). Returns the count."""
    items = list(Delivery.objects.filter(state__in=[Delivery.State.PENDING, Delivery.State.HELD]).order_by("id"))
    for item in items:
        _send(item)
    return len(items)


def resend(delivery: Delivery) -> None:
    """Send a recorded notification again, as the platform's retries do."""
    _send(delivery)
