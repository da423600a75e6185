"""Store reads for the shopper API: active stores, nearest first when a position is given
(great-circle distance computed in the database with the position as query parameters),
with hours, upcoming exceptions and photos in a fixed number of queries, and whether each
store is open now in the stores' time zone (Asia/Shanghai), hours past midnight included.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, FloatField, Prefetch, Value
from django.db.models.functions import ASin, Cast, Cos, Power, Radians, Sin, Sqrt
from django.utils import timezone

from config.errors import NotFound
from storefront.stores.models import Store, StoreHoursException

EARTH_RADIUS_M = 6_371_008.8
EXCEPTIONS_AHEAD_DAYS = 30


def stores_now() -> dt.datetime:
    return timezone.now().astimezone(ZoneInfo(settings.STORES_TIME_ZONE))


def _distance_m(lat: float, lng: float):
    """Haversine distance from (lat, lng) to the store, in metres, as a query expression."""
    lat1 = Radians(Value(lat, output_field=FloatField()))
    lng1 = Radians(Value(lng, output_field=FloatField()))
    lat2 = Radians(Cast("latitude", FloatField()))
    lng2 = Radians(Cast("longitude", FloatField()))
    half_chord = Power(Sin((lat2 - lat1) / 2), 2) + Cos(lat1) * Cos(lat2) * Power(Sin((lng2 - lng1) / 2), 2)
    return 2 * EARTH_RADIUS_M * ASin(Sqrt(half_chord))


def upcoming_exceptions_prefetch(*, today: dt.date) -> Prefetch:
    """The exceptions `is_open` and the API look at (yesterday's included, for its spill-over)."""
    upcoming = StoreHoursException.objects.filter(
        date__gte=today - dt.timedelta(days=1), date__lte=today + dt.timedelta(days=EXCEPTIONS_AHEAD_DAYS)
    ).order_by("date")
    return Prefetch("exceptions", queryset=upcoming, to_attr="upcoming_exceptions")


def _with_schedule(stores, *, today: dt.date):
    return stores.prefetch_related("hours", upcoming_exceptions_prefetch(today=today), "photos")


def store_list(*, lat: float | None = None, lng: float | None = None, today: dt.date | None = None):
    stores = Store.objects.filter(is_active=True)
    if lat is not None and lng is not None:
        stores = stores.annotate(distance_m=_distance_m(lat, lng)).order_by(F("distance_m").asc(), "id")
    else:
        stores = stores.order_by("code")
    return _with_schedule(stores, today=today or stores_now().date())


def store_detail(*, store_id: int, lat: float | None = None, lng: float | None = None, today: dt.date | None = None):
    store = store_list(lat=lat, lng=lng, today=today).filter(pk=store_id).first()
    if store is None:
        raise NotFound("No such store.", code="store_not_found")
    return store


def _intervals(store, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    exception = next((e for e in store.upcoming_exceptions if e.date == day), None)
    if exception is not None:
        if exception.is_closed or exception.opens is None or exception.closes is None:
            return []
        return [(exception.opens, exception.closes)]
    return [(h.opens, h.closes) for h in store.hours.all() if h.weekday == day.weekday()]


def is_open(store, at: dt.datetime) -> bool:
    """Open at `at`? A row closing earlier than it opens runs into the next day; a holiday
    exception replaces that day's weekly hours (and so also ends its overnight spill-over)."""
    local = at.astimezone(ZoneInfo(settings.STORES_TIME_ZONE))
    day, now = local.date(), local.time()
    for opens, closes in _intervals(store, day - dt.timedelta(days=1)):
        if closes < opens and now < closes:
            return True
    for opens, closes in _intervals(store, day):
        if opens < closes and opens <= now < closes:
            return True
        if closes < opens and now >= opens:
            return True
    return False
