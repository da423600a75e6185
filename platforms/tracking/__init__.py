"""Parcel tracking providers (Kuaidi100-style): subscribe a tracking number, receive signed
pushes, poll as a fallback. `get_tracking_provider()` returns the configured one."""

from .base import (  # noqa: F401
    TRACKING_STATUSES,
    ParcelEvent,
    ParcelTimeline,
    TrackingProvider,
    get_tracking_provider,
    reset_tracking_provider,
)
