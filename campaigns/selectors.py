"""What the entry points' funnel and the API read.

The funnel counts, per entry point, channel, store or staff member and over a period: visits
(launches through an entry point, the crawler's left out), new members (credited when they
joined), orders placed and paid, and paid GMV (Decimal yuan). A fixed number of grouped
queries, whatever the number of entry points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from campaigns.models import SHANGHAI, Attribution, EntryPoint, OrderAttribution, Visit

DIMENSIONS = {
    "entry_point": ("入口", ""),
    "channel": ("渠道", "__channel"),
    "store": ("门店", "__store"),
    "staff": ("店员", "__staff"),
}


@dataclass
class FunnelRow:
    key: object
    label: str
    visits: int = 0
    new_members: int = 0
    orders: int = 0
    paid_orders: int = 0
    gmv: Decimal = Decimal("0.00")


@dataclass
class Funnel:
    dimension: str
    since: dt.datetime
    until: dt.datetime
    rows: list[FunnelRow] = field(default_factory=list)
    days: list[dict] = field(default_factory=list)


def _labels(dimension: str, keys) -> dict:
    keys = [k for k in keys if k not in (None, "")]
    if dimension == "entry_point":
        return dict(EntryPoint.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "channel":
        return {value: label for value, label in EntryPoint.Channel.choices}
    if dimension == "store":
        from storefront.stores.models import Store

        return dict(Store.objects.filter(pk__in=keys).values_list("pk", "name"))
    from django.contrib.auth import get_user_model

    return {
        pk: nickname or username
        for pk, nickname, username in get_user_model()
        .objects.filter(pk__in=keys)
        .values_list("pk", "nickname", "username")
    }


def funnel(*, dimension: str = "entry_point", since: dt.datetime, until: dt.datetime) -> Funnel:
    if dimension not in DIMENSIONS:
        dimension = "entry_point"
    suffix = DIMENSIONS[dimension][1]
    visit_key, member_key, order_key = f"entry_point{suffix}", f"joined_entry_point{suffix}", f"entry_point{suffix}"
    visits = (
        Visit.objects.filter(created_at__gte=since, created_at__lt=until, is_crawler=False, entry_point__isnull=False)
        .values(visit_key)
        .annotate(n=Count("id"))
    )
    members = (
        Attribution.objects.filter(joined_at__gte=since, joined_at__lt=until, joined_entry_point__isnull=False)
        .values(member_key)
        .annotate(n=Count("id"))
    )
    orders = (
        OrderAttribution.objects.filter(placed_at__gte=since, placed_at__lt=until, entry_point__isnull=False)
        .values(order_key)
        .annotate(n=Count("id"), paid=Count("id", filter=Q(paid_at__isnull=False)), gmv=Sum("paid_total"))
    )
    rows: dict = {}

    def row(key):
        if key not in rows:
            rows[key] = FunnelRow(key=key, label="")
        return rows[key]

    for item in visits:
        row(item[visit_key]).visits = item["n"]
    for item in members:
        row(item[member_key]).new_members = item["n"]
    for item in orders:
        target = row(item[order_key])
        target.orders, target.paid_orders = item["n"], item["paid"]
        target.gmv = (item["gmv"] or Decimal("0")).quantize(Decimal("0.01"))
    labels = _labels(dimension, rows)
    for key, target in rows.items():
        target.label = labels.get(key) or "（未设置）"
    ordered = sorted(rows.values(), key=lambda r: (-r.visits, -r.new_members, -r.orders, r.label))
    return Funnel(dimension=dimension, since=since, until=until, rows=ordered, days=_days(since, until))


def _days(since, until) -> list[dict]:
    """Per Shanghai day: visits, new members and paid orders through any entry point."""
    per_day: dict = {}
    series = (
        ("visits", Visit.objects.filter(is_crawler=False, entry_point__isnull=False), "created_at"),
        ("new_members", Attribution.objects.filter(joined_entry_point__isnull=False), "joined_at"),
        ("orders", OrderAttribution.objects.filter(entry_point__isnull=False), "placed_at"),
    )
    for name, queryset, at in series:
        counted = (
            queryset.filter(**{f"{at}__gte": since, f"{at}__lt": until})
            .annotate(day=TruncDate(at, tzinfo=SHANGHAI))
            .values("day")
            .annotate(n=Count("id"))
        )
        for item in counted:
            per_day.setdefault(item["day"], {"visits": 0, "new_members": 0, "orders": 0})[name] = item["n"]
    first = since.astimezone(SHANGHAI).date()
    last = (until - dt.timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    days, day = [], first
    while day <= last:
        days.append({"day": day, **per_day.get(day, {"visits": 0, "new_members": 0, "orders": 0})})
        day += dt.timedelta(days=1)
    return days
