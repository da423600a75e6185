"""The tracking-provider interface the logistics app uses, whatever the provider.

A provider subscribes tracking numbers (it then pushes every change to our callback),
answers polls, and verifies and decodes its pushes. Everything it returns is a
`ParcelTimeline` of `ParcelEvent`s whose `status` is one of `TRACKING_STATUSES`, so the
rest of the kit never sees a provider's own state codes. Failures are
`platforms.base.PlatformError` (retryable or not), a push that does not verify is
`platforms.base.InvalidNotification`.
"""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

# The normalised parcel statuses, in the order a parcel normally goes through them.
ACCEPTED = "accepted"
IN_TRANSIT = "in_transit"
OUT_FOR_DELIVERY = "out_for_delivery"
DELIVERED = "delivered"
RETURNED = "returned"
EXCEPTION = "exception"
TRACKING_STATUSES = (ACCEPTED, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, RETURNED, EXCEPTION)
# Statuses after which a parcel no longer moves: no more polling.
FINAL_STATUSES = (DELIVERED, RETURNED)


@dataclass(frozen=True)
class ParcelEvent:
    happened_at: dt.datetime  # aware
    text: str
    status: str  # one of TRACKING_STATUSES
    place: str = ""
    raw_status: str = ""


@dataclass(frozen=True)
class ParcelTimeline:
    carrier_code: str  # the provider's carrier code ("shunfeng")
    tracking_number: str
    status: str  # normalised status of the parcel as a whole ("" when nothing happened yet)
    events: list[ParcelEvent] = field(default_factory=list)  # oldest first
    raw: dict = field(default_factory=dict)


class TrackingProvider(abc.ABC):
    name: str

    @abc.abstractmethod
    def subscribe(self, *, carrier_code: str, tracking_number: str, callback_url: str, phone: str = "") -> None:
        """Ask the provider to push every change of this parcel to `callback_url`.
        Subscribing a number twice is not an error."""

    @abc.abstractmethod
    def poll(self, *, carrier_code: str, tracking_number: str, phone: str = "") -> ParcelTimeline:
        """The parcel's whole timeline as the provider knows it now."""

    @abc.abstractmethod
    def parse_push(self, *, data: dict) -> ParcelTimeline:
        """Verify and decode a push (the POSTed form fields), or raise InvalidNotification."""

    @abc.abstractmethod
    def acknowledge(self, *, ok: bool, message: str = ""):
        """The HttpResponse the provider expects after a push."""


PROVIDER_CLASSES = {
    "kuaidi100": "platforms.tracking.kuaidi100.Kuaidi100",
}
_instance: TrackingProvider | None = None


def get_tracking_provider() -> TrackingProvider:
    global _instance
    if _instance is None:
        name = getattr(settings, "TRACKING_PROVIDER", "kuaidi100")
        if name not in PROVIDER_CLASSES:
            raise ValueError(f"unknown tracking provider {name!r}")
        _instance = import_string(PROVIDER_CLASSES[name])()
    return _instance


def reset_tracking_provider() -> None:
    """Forget the shared provider (tests that change its settings call this)."""
    global _instance
    _instance = None
