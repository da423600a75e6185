"""The marketers' dashboard, the console's home page: what the shop sold today and this week,
what the campaigns are doing, and what waits for a person.

Days and weeks are Asia/Shanghai ones (a week starts on Monday). GMV counts paid orders only:
the money of the payments made to orders in the period (late or duplicate payments, which are
refunded at once, are left out), less what has been refunded of those same payments. Money is
Decimal yuan and shown as ¥12.50. Every figure is an aggregate query, so the page costs the
same number of queries however big the shop is (tests/console/test_dashboard.py counts them).

Giveaways and UGC are read only if their apps are installed."""

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from config.money import yuan_str

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZERO = Decimal("0.00")
BEST_SELLERS = 5
CAMPAIGN_ROWS = 8


def yuan(value) -> str:
    """¥12.50: the console's way of showing money."""
    return f"¥{yuan_str(value or ZERO)}"


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime


def periods(now=None) -> dict[str, Period]:
    """Today and this week (Monday to now), as Asia/Shanghai days."""
    local = timezone.localtime(now or timezone.now(), SHANGHAI)
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - dt.timedelta(days=today.weekday())
    end = today + dt.timedelta(days=1)
    return {"today": Period(today, end), "week": Period(week, end)}


def _model(label: str):
    """The model, if its app is installed and its table made (an app being built may have
    models before its migrations)."""
    try:
        model = apps.get_model(label)
    except LookupError:
        return None
    return model if _has_table(model._meta.db_table) else None


@functools.cache
def _has_table(table: str) -> bool:
    return table in connection.introspection.table_names()


def _sales(since: dt.datetime, until: dt.datetime) -> dict:
    """GMV (paid less refunded), paid orders and refunds of the orders paid in the period. Two queries."""
    PaymentTransaction = apps.get_model("storefront", "PaymentTransaction")
    Refund = apps.get_model("storefront", "Refund")
    paid = PaymentTransaction.objects.filter(status="paid", paid_at__gte=since, paid_at__lt=until).aggregate(
        amount=Sum("amount"), orders=Count("order", distinct=True)
    )
    refunded = Refund.objects.filter(
        status="success", transaction__status="paid", transaction__paid_at__gte=since, transaction__paid_at__lt=until
    ).aggregate(amount=Sum("amount"))
    paid_amount = paid["amount"] or ZERO
    refunded_amount = refunded["amount"] or ZERO
    return {
        "gmv": paid_amount - refunded_amount,
        "paid": paid_amount,
        "refunded": refunded_amount,
        "orders": paid["orders"] or 0,
    }


def _daily_gmv(since: dt.datetime, days: int) -> list[dict]:
    """GMV per Asia/Shanghai day for the `days` days from `since`. Two queries."""
    PaymentTransaction = apps.get_model("storefront", "PaymentTransaction")
    Refund = apps.get_model("storefront", "Refund")
    until = since + dt.timedelta(days=days)
    paid = (
        PaymentTransaction.objects.filter(status="paid", paid_at__gte=since, paid_at__lt=until)
        .annotate(day=TruncDate("paid_at", tzinfo=SHANGHAI))
        .values("day")
        .annotate(amount=Sum("amount"), orders=Count("order", distinct=True))
    )
    refunded = (
        Refund.objects.filter(
            status="success",
            transaction__status="paid",
            transaction__paid_at__gte=since,
            transaction__paid_at__lt=until,
        )
        .annotate(day=TruncDate("transaction__paid_at", tzinfo=SHANGHAI))
        .values("day")
        .annotate(amount=Sum("amount"))
    )
    by_day = {row["day"]: {"amount": row["amount"] or ZERO, "orders": row["orders"]} for row in paid}
    for row in refunded:
        by_day.setdefault(row["day"], {"amount": ZERO, "orders": 0})
        by_day[row["day"]]["amount"] -= row["amount"] or ZERO
    first = since.date()
    return [
        {
            "day": first + dt.timedelta(days=offset),
            "gmv": by_day.get(first + dt.timedelta(days=offset), {}).get("amount", ZERO),
            "orders": by_day.get(first + dt.timedelta(days=offset), {}).get("orders", 0),
        }
        for offset in range(days)
    ]


def _new_members(today: Period, week: Period) -> dict:
    """Shoppers (not staff) who joined today and this week. One query."""
    Member = apps.get_model("storefront", "Member")
    counts = Member.objects.filter(is_staff=False, date_joined__gte=week.start, date_joined__lt=week.end).aggregate(
        week=Count("pk"), today=Count("pk", filter=Q(date_joined__gte=today.start))
    )
    return counts


def _best_sellers(week: Period) -> list[dict]:
    """This week's best-selling SKUs by units in paid orders. One query."""
    Line = apps.get_model("order", "Line")
    rows = (
        Line.objects.filter(
            order__payment_transactions__status="paid",
            order__payment_transactions__paid_at__gte=week.start,
            order__payment_transactions__paid_at__lt=week.end,
        )
        .values("title")
        .annotate(units=Sum("quantity"), sales=Sum("line_price_incl_tax"))
        .order_by("-units", "title")[:BEST_SELLERS]
    )
    return [{"title": row["title"], "units": row["units"], "sales": yuan(row["sales"])} for row in rows]


def _coupons(now: dt.datetime, week: Period) -> list[dict]:
    """Coupon batches open for claiming, with their claims this week and in all. One query."""
    CouponBatch = apps.get_model("offers", "CouponBatch")
    rows = (
        CouponBatch.objects.filter(claim_starts_at__lte=now, claim_ends_at__gt=now)
        .annotate(
            claims=Count("coupons"),
            claimed_week=Count("coupons", filter=Q(coupons__claimed_at__gte=week.start)),
            used=Count("coupons", filter=Q(coupons__status="used")),
        )
        .order_by("-claims")[:CAMPAIGN_ROWS]
    )
    return [
        {
            "kind": "优惠券",
            "name": str(batch),
            "figure": f"已领 {batch.claims} 张（本周 {batch.claimed_week}），已用 {batch.used} 张",
            "link": ("offers", "couponbatch", batch.pk),
        }
        for batch in rows
    ]


def _flash_sales(now: dt.datetime) -> list[dict]:
    """Flash sales running now, with the units sold of their stock. One query."""
    FlashSale = apps.get_model("flashsales", "FlashSale")
    rows = (
        FlashSale.objects.filter(starts_at__lte=now, ends_at__gt=now)
        .annotate(stock=Sum("items__quantity"), left=Sum("items__remaining"))
        .order_by("ends_at")[:CAMPAIGN_ROWS]
    )
    return [
        {
            "kind": "秒杀",
            "name": str(sale),
            "figure": f"已售 {(sale.stock or 0) - (sale.left or 0)} / {sale.stock or 0} 件",
            "link": ("flashsales", "flashsale", sale.pk),
        }
        for sale in rows
    ]


def _entry_points(week: Period) -> list[dict]:
    """Entry points (QR codes, links) with the most visits this week. One query."""
    EntryPoint = apps.get_model("campaigns", "EntryPoint")
    rows = (
        EntryPoint.objects.annotate(
            visits_week=Count("visits", filter=Q(visits__created_at__gte=week.start, visits__created_at__lt=week.end))
        )
        .filter(visits_week__gt=0)
        .order_by("-visits_week")[:CAMPAIGN_ROWS]
    )
    return [
        {
            "kind": "投放入口",
            "name": str(point),
            "figure": f"本周访问 {point.visits_week} 次",
            "link": ("campaigns", "entrypoint", point.pk),
        }
        for point in rows
    ]


def _giveaways(now: dt.datetime) -> list[dict]:
    """Published giveaways still open, with their entries. One query, if the app is installed."""
    Giveaway = _model("giveaways.Giveaway")
    if Giveaway is None:
        return []
    rows = (
        Giveaway.objects.filter(status="published", ends_at__gt=now)
        .annotate(entered=Count("entries"))
        .order_by("ends_at")[:CAMPAIGN_ROWS]
    )
    return [
        {
            "kind": "抽奖",
            "name": str(giveaway),
            "figure": f"参与 {giveaway.entered} 次",
            "link": ("giveaways", "giveaway", giveaway.pk),
        }
        for giveaway in rows
    ]


def _ugc(now: dt.datetime) -> tuple[list[dict], int]:
    """UGC campaigns open for submissions with their submissions, and the submissions waiting
    for moderation. Two queries, if the app is installed."""
    UgcCampaign = _model("ugc.UgcCampaign")
    Submission = _model("ugc.Submission")
    if UgcCampaign is None or Submission is None:
        return [], 0
    rows = (
        UgcCampaign.objects.filter(starts_at__lte=now, ends_at__gt=now)
        .annotate(submitted=Count("submissions"), waiting=Count("submissions", filter=Q(submissions__status="pending")))
        .order_by("ends_at")[:CAMPAIGN_ROWS]
    )
    campaigns = [
        {
            "kind": "UGC",
            "name": str(campaign),
            "figure": f"投稿 {campaign.submitted} 份，待审核 {campaign.waiting} 份",
            "link": ("ugc", "ugccampaign", campaign.pk),
        }
        for campaign in rows
    ]
    return campaigns, Submission.objects.filter(status="pending").count()


def _points() -> dict:
    """Points outstanding on the members' accounts. One query."""
    Account = apps.get_model("loyalty", "Account")
    totals = Account.objects.aggregate(available=Sum("available"), pending=Sum("pending"), reserved=Sum("reserved"))
    return {key: value or 0 for key, value in totals.items()}


def figures(now=None) -> dict:
    """Everything the marketers' dashboard shows, at most 16 queries."""
    now = now or timezone.now()
    span = periods(now)
    today, week = span["today"], span["week"]
    last_7 = today.start - dt.timedelta(days=6)
    ugc_campaigns, ugc_waiting = _ugc(now)
    return {
        "today": {k: yuan(v) if k != "orders" else v for k, v in _sales(today.start, today.end).items()},
        "week": {k: yuan(v) if k != "orders" else v for k, v in _sales(week.start, week.end).items()},
        "new_members": _new_members(today, week),
        "daily": _daily_gmv(last_7, 7),
        "best_sellers": _best_sellers(week),
        "campaigns": _coupons(now, week) + _flash_sales(now) + _giveaways(now) + ugc_campaigns + _entry_points(week),
        "ugc_waiting": ugc_waiting,
        "points": _points(),
        "today_date": today.start.date(),
        "week_start": week.start.date(),
    }


# --- The charts: drawn on the server as SVG (no script, so nothing for the content policy) --

CHART = {"width": 560, "height": 200, "top": 16, "bottom": 28, "left": 56}


def bar_chart(rows: list[dict], value: str, label) -> dict:
    """Bars of rows[value] placed for an inline SVG (templates/admin/console/bar_chart.html)."""
    width, height, top, bottom, left = (CHART[k] for k in ("width", "height", "top", "bottom", "left"))
    plot = height - top - bottom
    values = [max(Decimal(row[value]), Decimal(0)) for row in rows]
    peak = max(values + [Decimal(1)])
    step = (width - left - 8) / max(len(rows), 1)
    bar = min(step * 0.6, 48)
    bars = []
    for index, (row, amount) in enumerate(zip(rows, values, strict=True)):
        h = round(float(plot * amount / peak), 1)
        x = round(left + index * step + (step - bar) / 2, 1)
        bars.append(
            {
                "x": x,
                "y": round(top + plot - h, 1),
                "w": round(bar, 1),
                "h": h,
                "label_x": round(x + bar / 2, 1),
                "label": label(row),
                "title": f"{label(row)} {yuan(row[value]) if isinstance(row[value], Decimal) else row[value]}",
            }
        )
    ticks = [
        {"y": round(top + plot - plot * f, 1), "value": yuan((peak * Decimal(str(f))).quantize(Decimal("0.01")))}
        for f in (0, 0.5, 1)
    ]
    return {**CHART, "bars": bars, "ticks": ticks, "axis_y": top + plot, "label_y": height - bottom + 16}


# Who sees the shop's figures: marketing (coupon batches) and operations (refunds), and
# superusers. Store staff get their menu only.
SEES_FIGURES = ("offers.view_couponbatch", "storefront.view_refund")


def sees_figures(user) -> bool:
    return user.is_superuser or any(user.has_perm(permission) for permission in SEES_FIGURES)


def dashboard_callback(request, context):
    """The theme's hook for the home page (settings.UNFOLD["DASHBOARD_CALLBACK"])."""
    from django.urls import NoReverseMatch, reverse

    if not sees_figures(request.user):
        context.update({"dashboard": None, "title": "控制台首页"})
        return context
    data = figures()
    for row in data["campaigns"]:
        app_label, model_name, pk = row.pop("link")
        try:
            row["url"] = reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
        except NoReverseMatch:
            row["url"] = ""
    data["gmv_chart"] = bar_chart(data["daily"], "gmv", lambda row: f"{row['day']:%m-%d}")
    data["daily_rows"] = [{**row, "gmv": yuan(row["gmv"])} for row in data["daily"]]
    context.update({"dashboard": data, "title": "控制台首页"})
    return context
