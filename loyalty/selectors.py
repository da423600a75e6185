"""Reading points for the API, checkout, the admin and the services' calculations.

Rounding, stated once:
- Earning: the yuan actually paid for goods (order total after discounts and points, minus
  shipping) is shared among the lines by their paid price; each line's share times the
  earning rate, the tier multiplier and the best promotion on that line is summed in
  `Decimal`, and the sum is rounded down to whole points once per order.
- Spending: `saving = points / redeem_points_per_yuan`, rounded down to the fen; the cap is
  `redeem_max_share` percent of the goods after discounts, rounded down to the fen, and
  never the whole total (at least 0.01 yuan is left to pay, so the order can be paid).
- Refunds take back earned points and give back spent points in proportion to the money
  refunded so far over the money paid for goods (the points' base, without shipping; at
  most all of them), rounded down, and all of them when the order is fully refunded.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Greatest, TruncDate, TruncMonth
from django.utils import timezone
from oscar.apps.catalogue.models import ProductCategory

from config.money import FEN, to_yuan
from loyalty.models import (
    SHANGHAI,
    Account,
    CheckIn,
    Entry,
    Lot,
    OrderPoints,
    Promotion,
    Rules,
    Tier,
)

EXPIRING_SOON_DAYS = 30
ZERO = Decimal("0.00")


# --- rules and tiers -----------------------------------------------------------------------------
def current_rules() -> Rules:
    """The saved rules, or the defaults (unsaved) when marketers have not saved them yet."""
    return Rules.objects.filter(pk=1).first() or Rules(pk=1)


def all_tiers() -> list[Tier]:
    return list(Tier.objects.order_by("threshold"))


def tier_for(metric, tiers: list[Tier]) -> Tier | None:
    """The highest tier whose threshold `metric` reaches."""
    reached = [tier for tier in tiers if tier.threshold <= metric]
    return reached[-1] if reached else None


def next_tier_after(tier: Tier | None, tiers: list[Tier]) -> Tier | None:
    floor = tier.threshold if tier is not None else -1
    return next((t for t in tiers if t.threshold > floor), None)


def spend_12_months(account_id, now=None) -> Decimal:
    """Goods paid and kept over the last 365 days (refunds deducted), in yuan."""
    since = (now or timezone.now()) - dt.timedelta(days=365)
    total = (
        OrderPoints.objects.filter(
            account_id=account_id,
            awarded_at__gte=since,
            earn_state__in=[OrderPoints.EarnState.PENDING, OrderPoints.EarnState.AVAILABLE],
        )
        .aggregate(s=Sum(Greatest(F("base") - F("refunded"), Value(ZERO))))
        .get("s")
    )
    return to_yuan(total or ZERO)


def tier_metric(account: Account | None, rules: Rules, now=None):
    """What the tiers are measured on for this account: lifetime points, or whole yuan spent."""
    if account is None or account.pk is None:
        return 0
    if rules.tier_basis == Rules.TierBasis.SPEND_12_MONTHS:
        return int(spend_12_months(account.pk, now))
    return account.lifetime_points


# --- earning -------------------------------------------------------------------------------------
def active_promotions(at) -> list[Promotion]:
    return list(
        Promotion.objects.filter(is_active=True, starts_at__lte=at, ends_at__gt=at).prefetch_related(
            "products", "categories"
        )
    )


def _line_multipliers(lines, promotions) -> list[Decimal]:
    """The best promotion multiplier of each line (1 when none applies)."""
    if not promotions:
        return [Decimal("1")] * len(lines)
    product_ids = {pid for line in lines for pid in (line.product_id, getattr(line.product, "parent_id", None)) if pid}
    paths = {}
    for product_id, path in ProductCategory.objects.filter(product_id__in=product_ids).values_list(
        "product_id", "category__path"
    ):
        paths.setdefault(product_id, []).append(path)
    multipliers = []
    for line in lines:
        ids = {line.product_id, getattr(line.product, "parent_id", None)} - {None}
        line_paths = [p for pid in ids for p in paths.get(pid, [])]
        best = Decimal("1")
        for promotion in promotions:
            applies = (
                promotion.all_products
                or any(p.pk in ids for p in promotion.products.all())
                or any(path.startswith(c.path) for c in promotion.categories.all() for path in line_paths)
            )
            if applies and promotion.multiplier > best:
                best = promotion.multiplier
        multipliers.append(best)
    return multipliers


def tier_multiplier(account: Account | None, tiers: list[Tier] | None = None) -> Decimal:
    if account is not None and account.tier_id is not None:
        return account.tier.multiplier
    base = tier_for(0, tiers if tiers is not None else all_tiers())
    return base.multiplier if base is not None else Decimal("1")


def points_for_order(order, *, rules: Rules, account: Account | None) -> tuple[int, Decimal]:
    """(points the order earns, yuan the points are counted on). See the module's rounding."""
    base = max(to_yuan(order.total_incl_tax) - to_yuan(order.shipping_incl_tax or ZERO), ZERO)
    if not rules.earn_enabled or base <= 0 or rules.earn_points_per_yuan <= 0:
        return 0, base
    lines = list(order.lines.select_related("product").order_by("pk"))
    paid_prices = [max(to_yuan(line.line_price_incl_tax), ZERO) for line in lines]
    lines_total = sum(paid_prices, ZERO)
    if not lines or lines_total <= 0:
        return 0, base
    multipliers = _line_multipliers(lines, active_promotions(order.date_placed))
    per_yuan = rules.earn_points_per_yuan * tier_multiplier(account)
    raw = sum(
        (
            base * price / lines_total * per_yuan * multiplier
            for price, multiplier in zip(paid_prices, multipliers, strict=True)
        ),
        Decimal("0"),
    )
    return int(raw.to_integral_value(rounding=ROUND_DOWN)), base


# --- spending at checkout ------------------------------------------------------------------------
def saving_of(points: int, rules: Rules) -> Decimal:
    return (Decimal(points) / Decimal(rules.redeem_points_per_yuan)).quantize(FEN, rounding=ROUND_DOWN)


def max_points_for(*, goods_total: Decimal, total: Decimal, rules: Rules) -> int:
    """The most points the order's price allows (before looking at the balance)."""
    if not rules.redeem_enabled:
        return 0
    cap = (to_yuan(goods_total) * rules.redeem_max_share / 100).quantize(FEN, rounding=ROUND_DOWN)
    cap = max(min(cap, to_yuan(total) - FEN), ZERO)
    return int((cap * rules.redeem_points_per_yuan).to_integral_value(rounding=ROUND_DOWN))


# --- what the shopper sees -----------------------------------------------------------------------
def account_of(member) -> Account | None:
    return Account.objects.select_related("tier").filter(member=member).first()


def available_points(member) -> int:
    return Account.objects.filter(member=member).values_list("available", flat=True).first() or 0


def expiring_soon(account: Account | None, now=None) -> dict:
    """Points whose lots expire within the next 30 days, by day (Shanghai)."""
    now = now or timezone.now()
    result = {"points": 0, "days": EXPIRING_SOON_DAYS, "by_date": []}
    if account is None or account.pk is None:
        return result
    rows = (
        Lot.objects.filter(
            account=account, remaining__gt=0, expires_at__isnull=False, expires_at__lte=now + dt.timedelta(days=30)
        )
        .annotate(day=TruncDate("expires_at", tzinfo=SHANGHAI))
        .values("day")
        .annotate(points=Sum("remaining"))
        .order_by("day")
    )
    for row in rows:
        result["by_date"].append({"date": row["day"], "points": row["points"]})
        result["points"] += row["points"]
    return result


def _tier_dict(tier: Tier | None):
    if tier is None:
        return None
    return {"code": tier.code, "name": tier.name, "multiplier": tier.multiplier, "benefits": tier.benefits}


def account_summary(member, now=None) -> dict:
    """GET loyalty/account/: balances, tier and progress, points expiring soon, today's check-in."""
    now = now or timezone.now()
    rules = current_rules()
    tiers = all_tiers()
    account = account_of(member)
    metric = tier_metric(account, rules, now)
    tier = account.tier if account is not None and account.tier_id else tier_for(metric, tiers)
    upcoming = next_tier_after(tier, tiers)
    today = timezone.localtime(now, SHANGHAI).date()
    last = CheckIn.objects.filter(account=account).order_by("-day").first() if account else None
    streak = last.streak if last is not None and last.day >= today - dt.timedelta(days=1) else 0
    available = account.available if account else 0
    return {
        "available": available,
        "pending": account.pending if account else 0,
        "reserved": account.reserved if account else 0,
        "lifetime_points": account.lifetime_points if account else 0,
        "value": saving_of(available, rules),
        "currency": "CNY",
        "tier": _tier_dict(tier),
        "next_tier": None
        if upcoming is None
        else {
            **_tier_dict(upcoming),
            "threshold": upcoming.threshold,
            "basis": rules.tier_basis,
            "progress": metric,
            "remaining": max(upcoming.threshold - metric, 0),
        },
        "expiring_soon": expiring_soon(account, now),
        "checked_in_today": last is not None and last.day == today,
        "streak": streak,
        "rules": {
            "redeem_points_per_yuan": rules.redeem_points_per_yuan,
            "redeem_min_points": rules.redeem_min_points,
            "redeem_max_share": rules.redeem_max_share,
        },
    }


def ledger_of(member):
    """The member's entries, newest first, with what the API shows of each (one query a page)."""
    return (
        Entry.objects.filter(account__member=member)
        .select_related("order")
        .only(
            "id",
            "kind",
            "delta",
            "pending_delta",
            "reserved_delta",
            "balance_after",
            "reason",
            "reference",
            "created_at",
            "order__number",
        )
        .order_by("-created_at", "-id")
    )


def tiers_for(member) -> dict:
    """GET loyalty/tiers/: every tier, which one is the member's, and the basis."""
    rules = current_rules()
    tiers = all_tiers()
    account = account_of(member)
    current = (
        account.tier if account is not None and account.tier_id else tier_for(tier_metric(account, rules, None), tiers)
    )
    return {
        "basis": rules.tier_basis,
        "downgrade": rules.tier_downgrade,
        "downgrade_months": rules.tier_downgrade_months if rules.tier_downgrade != Rules.Downgrade.NEVER else None,
        "results": [
            {**_tier_dict(tier), "threshold": tier.threshold, "current": current is not None and tier.pk == current.pk}
            for tier in tiers
        ],
    }


def order_detail_points(order) -> list:
    """The `points` section of the order detail (ORDER_DETAIL_SECTIONS): what the order earns
    and what it spent. One query."""
    row = OrderPoints.objects.filter(order=order).first()
    if row is None:
        return []
    return [
        {
            "earned": row.earned - row.clawed,
            "earn_state": row.earn_state,
            "clawed_back": row.clawed,
            "used": row.used,
            "saving": f"{row.saving:.2f}",
            "redeem_state": row.redeem_state,
            "returned": row.returned,
        }
    ]


# --- personal data export ------------------------------------------------------------------------
def export_points(member) -> dict:
    account = Account.objects.select_related("tier").filter(member=member).first()
    if account is None:
        return {"loyalty": None}
    return {
        "loyalty": {
            "available": account.available,
            "pending": account.pending,
            "reserved": account.reserved,
            "lifetime_points": account.lifetime_points,
            "tier": account.tier.name if account.tier else None,
            "ledger": [
                {
                    "kind": entry.kind,
                    "delta": entry.delta,
                    "pending_delta": entry.pending_delta,
                    "reserved_delta": entry.reserved_delta,
                    "balance_after": entry.balance_after,
                    "reason": entry.reason,
                    "order": entry.order.number if entry.order_id else None,
                    "created_at": entry.created_at.isoformat(),
                }
                for entry in account.entries.select_related("order").order_by("pk")
            ],
            "lots": [
                {
                    "points": lot.points,
                    "remaining": lot.remaining,
                    "expires_at": lot.expires_at.isoformat() if lot.expires_at else None,
                }
                for lot in account.lots.order_by("pk")
            ],
            "check_ins": [
                {"day": check_in.day.isoformat(), "points": check_in.points, "streak": check_in.streak}
                for check_in in account.check_ins.order_by("day")
            ],
        }
    }


# --- the liability page --------------------------------------------------------------------------
ISSUED_KINDS = (Entry.Kind.EARN_CONFIRMED, Entry.Kind.BONUS, Entry.Kind.CHECK_IN)


@dataclass
class MonthRow:
    month: dt.date
    issued: int = 0
    spent: int = 0
    expired: int = 0
    clawed: int = 0


def liability(*, months=12, now=None) -> dict:
    """Points outstanding (and their value in yuan at today's rate), and per month (Shanghai)
    the points issued, spent and expired. A handful of aggregate queries."""
    now = now or timezone.now()
    rules = current_rules()
    totals = Account.objects.aggregate(available=Sum("available"), pending=Sum("pending"), reserved=Sum("reserved"))
    totals = {key: value or 0 for key, value in totals.items()}
    local = timezone.localtime(now, SHANGHAI)
    first = local.date().replace(day=1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    since = dt.datetime(first.year, first.month, 1, tzinfo=SHANGHAI)
    rows = {}
    month = first
    while month <= local.date():
        rows[month] = MonthRow(month=month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    entries = (
        Entry.objects.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=SHANGHAI))
        .values("month", "kind")
        .annotate(
            gained=Sum("delta", filter=Q(delta__gt=0)),
            lost=Sum("delta", filter=Q(delta__lt=0)),
            reserved=Sum("reserved_delta", filter=Q(reserved_delta__lt=0)),
        )
    )
    for entry in entries:
        key = entry["month"].date() if isinstance(entry["month"], dt.datetime) else entry["month"]
        row = rows.get(key)
        if row is None:
            continue
        kind, gained, lost = entry["kind"], entry["gained"] or 0, -(entry["lost"] or 0)
        if kind in ISSUED_KINDS or kind == Entry.Kind.ADJUST:
            row.issued += gained
        if kind == Entry.Kind.REDEEM_CONSUME:
            row.spent += -(entry["reserved"] or 0)
        elif kind == Entry.Kind.REDEEM_RETURN:
            row.spent -= gained
        elif kind == Entry.Kind.EXPIRE:
            row.expired += lost
        elif kind in (Entry.Kind.CLAWBACK, Entry.Kind.ADJUST):
            row.clawed += lost
    expiring = (
        Lot.objects.filter(remaining__gt=0, expires_at__isnull=False, expires_at__lte=now + dt.timedelta(days=30))
        .aggregate(s=Sum("remaining"))
        .get("s")
        or 0
    )
    return {
        "rules": rules,
        "available": totals["available"],
        "pending": totals["pending"],
        "reserved": totals["reserved"],
        "available_value": saving_of(totals["available"], rules),
        "pending_value": saving_of(totals["pending"], rules),
        "reserved_value": saving_of(totals["reserved"], rules),
        "outstanding_value": saving_of(totals["available"] + totals["pending"] + totals["reserved"], rules),
        "expiring_soon": expiring,
        "months": list(rows.values()),
    }
