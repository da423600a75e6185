"""Everything that changes points: one function per use case, each one transaction.

Every change locks the member's `Account` row first (`select_for_update`) and writes the
ledger entry, the balances and the lots under that lock, so two changes of one account
queue instead of computing from a stale balance; the database checks refuse a negative
balance should a bug try. Lots are only touched under their account's lock. Of two
accounts (a merge), the one of the lower member id is locked first.

Order events may arrive more than once (task retries) and in any order (a refund's task may
run before the payment's): each order function is idempotent (a state on `OrderPoints`, a
unique `Entry.key`), and the later steps first run the earlier ones they depend on (a
refund first awards and consumes, which does nothing when already done).
"""

import datetime as dt
import logging
import uuid
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from oscar.apps.order.models import Order

from config.errors import KitError
from config.money import to_yuan
from loyalty import selectors
from loyalty.errors import AdjustmentRefused, AlreadyCheckedIn, PointsExceedBalance
from loyalty.models import (
    SHANGHAI,
    Account,
    BonusRule,
    CheckIn,
    CheckInReward,
    Entry,
    Lot,
    LotDraw,
    OrderPoints,
    Rules,
)
from storefront.orders.status import CANCELLED, REFUNDING

logger = logging.getLogger(__name__)

Kind = Entry.Kind
EarnState = OrderPoints.EarnState
RedeemState = OrderPoints.RedeemState


# --- the ledger's primitives --------------------------------------------------------------------
def lock_account(member_id) -> Account:
    """The member's account, locked for this transaction (created when missing: concurrent
    first changes meet on the unique member column, and the losers lock the winner's row)."""
    account = Account.objects.select_for_update().filter(member_id=member_id).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            tier = selectors.tier_for(0, selectors.all_tiers())
            Account.objects.create(member_id=member_id, tier=tier, tier_since=timezone.now() if tier else None)
    except IntegrityError:
        pass  # created meanwhile by another transaction, committed: lock that one
    return Account.objects.select_for_update().get(member_id=member_id)


def _write(
    account: Account,
    kind: str,
    *,
    delta: int = 0,
    pending: int = 0,
    reserved: int = 0,
    lifetime: int = 0,
    reason: str = "",
    order=None,
    reference: str = "",
    staff=None,
    key: str = "",
) -> Entry:
    """Applies the deltas to the locked account and appends the entry that says so."""
    account.available += delta
    account.pending += pending
    account.reserved += reserved
    account.lifetime_points = max(account.lifetime_points + lifetime, 0)
    if account.available < 0:
        raise PointsExceedBalance(extra={"available": account.available - delta})
    if account.pending < 0 or account.reserved < 0:
        raise ValueError(f"account {account.pk}: {kind} would make a balance negative")
    account.save(update_fields=["available", "pending", "reserved", "lifetime_points", "updated_at"])
    return Entry.objects.create(
        account=account,
        kind=kind,
        delta=delta,
        pending_delta=pending,
        reserved_delta=reserved,
        balance_after=account.available,
        pending_after=account.pending,
        reserved_after=account.reserved,
        reason=reason[:200],
        order=order,
        reference=reference[:64],
        staff=staff,
        key=key,
    )


def _has_entry(account: Account, key: str) -> bool:
    return Entry.objects.filter(account=account, key=key).exists()


def spend_points(account: Account, *, points: int, kind: str, reason: str, reference: str = "", key: str = "") -> Entry:
    """Other parts of the kit spending a member's points on something of theirs (a giveaway's
    entry): one ledger entry, drawn from the lots expiring first. The caller holds the account's
    lock (`lock_account`) and has checked the balance; `key` makes the entry once-only."""
    entry = _write(account, kind, delta=-points, reason=reason[:200], reference=reference, key=key)
    _draw(account, entry, points)
    return entry


def give_points(
    account: Account, *, points: int, kind: str, reason: str, reference: str = "", key: str = "", now=None
) -> Entry:
    """Other parts of the kit giving a member points (a giveaway's prize): one ledger entry and
    a lot that expires by the current rules. The caller holds the account's lock."""
    rules = selectors.current_rules()
    entry = _write(account, kind, delta=points, lifetime=points, reason=reason[:200], reference=reference, key=key)
    _grant(account, entry, points, expires_at=rules.expiry_for(now or timezone.now()))
    return entry


def _grant(account: Account, entry: Entry, points: int, *, expires_at) -> Lot:
    return Lot.objects.create(account=account, entry=entry, points=points, remaining=points, expires_at=expires_at)


def _draw(account: Account, entry: Entry, points: int, *, first_lots=()) -> None:
    """Takes `points` from the account's lots, those expiring first first (lots named in
    `first_lots` before all others), recording each draw."""
    lots = list(
        Lot.objects.filter(account=account, remaining__gt=0).order_by(
            F("expires_at").asc(nulls_last=True), "created_at", "pk"
        )
    )
    preferred = {lot.pk for lot in first_lots}
    lots.sort(key=lambda lot: lot.pk not in preferred)  # stable: expiry order kept within each group
    left, draws, touched = points, [], []
    for lot in lots:
        if not left:
            break
        take = min(lot.remaining, left)
        lot.remaining -= take
        left -= take
        draws.append(LotDraw(lot=lot, entry=entry, points=take))
        touched.append(lot)
    if left:
        # The account said the points were there and the lots do not have them: drift. Refuse
        # rather than write a ledger that no longer adds up (verify_points reports it).
        raise ValueError(f"account {account.pk}: lots are {left} points short of the balance")
    Lot.objects.bulk_update(touched, ["remaining"])
    LotDraw.objects.bulk_create(draws)


def _give_back(account: Account, entry: Entry, per_lot: list[tuple[Lot, int]]) -> None:
    """Puts points back into the lots they were taken from (keeping their expiry; a lot that
    has expired meanwhile expires again at the next run). A lot of another account (the
    points moved with a member merge) is replaced by a new lot with the same expiry."""
    for lot, points in per_lot:
        if points <= 0:
            continue
        if lot.account_id == account.pk:
            Lot.objects.filter(pk=lot.pk).update(remaining=F("remaining") + points)
            LotDraw.objects.create(lot=lot, entry=entry, points=-points)
        else:
            _grant(account, entry, points, expires_at=lot.expires_at)


def _net_draws_of_order(order, kinds) -> list[tuple[Lot, int]]:
    """[(lot, points still taken)] by the order's entries of `kinds`, latest expiry first."""
    taken = {}
    lots = {}
    for draw in LotDraw.objects.filter(entry__order=order, entry__kind__in=kinds).select_related("lot"):
        taken[draw.lot_id] = taken.get(draw.lot_id, 0) + draw.points
        lots[draw.lot_id] = draw.lot
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    ordered = sorted(lots.values(), key=lambda lot: (lot.expires_at or far, lot.pk), reverse=True)
    return [(lot, taken[lot.pk]) for lot in ordered if taken[lot.pk] > 0]


def _refresh_tier(account: Account, rules: Rules, now=None) -> None:
    """Upgrades at once; downgrades by the rule (never, or after a period below the threshold)."""
    now = now or timezone.now()
    tiers = selectors.all_tiers()
    qualified = selectors.tier_for(selectors.tier_metric(account, rules, now), tiers)
    current = next((t for t in tiers if t.pk == account.tier_id), None)
    changes = {}
    if current is None or (qualified is not None and qualified.threshold >= current.threshold):
        if qualified is not None and (current is None or qualified.pk != current.pk):
            changes.update(tier=qualified, tier_since=now)
        if account.below_tier_since is not None:
            changes["below_tier_since"] = None
    elif rules.tier_downgrade == Rules.Downgrade.AFTER_PERIOD:
        if account.below_tier_since is None:
            changes["below_tier_since"] = now
        elif now - account.below_tier_since >= dt.timedelta(days=30 * rules.tier_downgrade_months):
            changes.update(tier=qualified, tier_since=now, below_tier_since=None)
    if changes:
        for field, value in changes.items():
            setattr(account, field, value)
        account.save(update_fields=[*changes, "updated_at"])


def _lock_for_order(order, *, create=True) -> tuple[Account, OrderPoints | None]:
    """The account holding the order's points, locked, and its OrderPoints row (created when
    `create`). The row's account wins over the order's member: after a merge the row follows
    the member in the merge's own task."""
    for _attempt in range(3):
        member_id = (
            OrderPoints.objects.filter(order=order).values_list("account__member_id", flat=True).first()
            or order.user_id
        )
        account = lock_account(member_id)
        row = OrderPoints.objects.filter(order=order).first()
        if row is None and create:
            row = OrderPoints.objects.create(order=order, account=account)
        if row is None or row.account_id == account.pk:
            return account, row
    raise RuntimeError(f"the points of order {order.number} keep moving between accounts")


def _order_was_paid(order) -> bool:
    info = getattr(order, "info", None)
    return info is not None and info.paid_at is not None and order.status != CANCELLED


# --- earning on orders ---------------------------------------------------------------------------
def award_points_for_order(*, order_id, now=None) -> OrderPoints | None:
    """order_paid: the order's points, pending until it completes. Once per order."""
    now = now or timezone.now()
    order = Order.objects.select_related("info").get(pk=order_id)
    if order.user_id is None or not _order_was_paid(order):
        return None
    with transaction.atomic():
        account, row = _lock_for_order(order)
        if row.earn_state != EarnState.NOT_AWARDED:
            return row
        rules = selectors.current_rules()
        points, base = selectors.points_for_order(order, rules=rules, account=account)
        row.earn_state = EarnState.PENDING
        row.earned = points
        row.base = base
        row.paid_total = to_yuan(order.total_incl_tax)
        row.awarded_at = now
        if rules.available_after_days is not None:
            row.confirm_due_at = order.info.paid_at + dt.timedelta(days=rules.available_after_days)
        row.save()
        if points:
            _write(
                account,
                Kind.EARN,
                pending=points,
                order=order,
                key=f"earn:{order.pk}",
                reason=f"订单 {order.number} 已付款，完成后入账",
            )
        if rules.tier_basis == Rules.TierBasis.SPEND_12_MONTHS:
            _refresh_tier(account, rules, now)
    return row


def confirm_points_for_order(*, order_id, now=None) -> OrderPoints | None:
    """order_completed (or the set number of days after payment): pending points become
    available, as a lot with its own expiry. Once per order."""
    now = now or timezone.now()
    award_points_for_order(order_id=order_id, now=now)
    order = Order.objects.select_related("info").get(pk=order_id)
    if order.user_id is None:
        return None
    with transaction.atomic():
        account, row = _lock_for_order(order, create=False)
        if row is None or row.earn_state != EarnState.PENDING:
            return row
        rules = selectors.current_rules()
        points = row.earned - row.clawed
        row.earn_state = EarnState.AVAILABLE
        row.confirmed_at = now
        row.save(update_fields=["earn_state", "confirmed_at"])
        if points:
            entry = _write(
                account,
                Kind.EARN_CONFIRMED,
                delta=points,
                pending=-points,
                lifetime=points,
                order=order,
                key=f"earn_confirmed:{order.pk}",
                reason=f"订单 {order.number} 积分入账",
            )
            _grant(account, entry, points, expires_at=rules.expiry_for(now))
        _refresh_tier(account, rules, now)
    return row


def confirm_due_order_points(*, now=None) -> int:
    """Periodic: orders paid `available_after_days` ago whose points are still pending
    (orders in the middle of a refund wait for it to finish)."""
    now = now or timezone.now()
    due = (
        OrderPoints.objects.filter(earn_state=EarnState.PENDING, confirm_due_at__lte=now)
        .exclude(order__status=REFUNDING)
        .values_list("order_id", flat=True)
    )
    count = 0
    for order_id in list(due[:1000]):
        confirm_points_for_order(order_id=order_id, now=now)
        count += 1
    return count


def settle_refund_points(*, order_id, refund_number: str, amount, fully_refunded: bool, now=None):
    """order_refunded: earned points are taken back and spent points given back, in
    proportion to the money refunded so far (all of them on a full refund). Once per refund.

    Earned points still pending are simply reduced; available ones are taken from the
    order's own lot first, then the lots expiring first. Points already spent cannot be
    taken back: that part is recorded as `unrecovered` (the balance never goes negative)."""
    now = now or timezone.now()
    award_points_for_order(order_id=order_id, now=now)
    consume_points_of_order(order_id=order_id)
    order = Order.objects.select_related("info").get(pk=order_id)
    if order.user_id is None:
        return None
    with transaction.atomic():
        account, row = _lock_for_order(order, create=False)
        if row is None or refund_number in row.refund_numbers or row.paid_total <= 0:
            return row
        rules = selectors.current_rules()
        row.refunded = min(row.refunded + to_yuan(amount), row.paid_total)
        # Points are earned and spent on the goods (`base`; shipping earns nothing): a refund of
        # all the goods takes all of them back, even when the shipping is kept.
        share = Decimal(1) if fully_refunded or row.base <= 0 else min(row.refunded / row.base, Decimal(1))

        def due(total):
            return int((Decimal(total) * share).to_integral_value(rounding=ROUND_DOWN))

        # Spent points come back first, so that earned points taken back can come out of them.
        if row.redeem_state == RedeemState.CONSUMED:
            give = max(due(row.used) - row.returned, 0)
            if give:
                entry = _write(
                    account,
                    Kind.REDEEM_RETURN,
                    delta=give,
                    order=order,
                    reference=refund_number,
                    key=f"redeem_return:{refund_number}",
                    reason=f"订单 {order.number} 退款，退回抵扣积分",
                )
                left, back = give, []
                for lot, taken in _net_draws_of_order(order, [Kind.REDEEM_RESERVE, Kind.REDEEM_RETURN]):
                    part = min(taken, left)
                    back.append((lot, part))
                    left -= part
                    if not left:
                        break
                if left:  # lots gone (an erased account, say): a lot of its own
                    _grant(account, entry, left, expires_at=rules.expiry_for(now))
                _give_back(account, entry, back)
                row.returned += give
        claw = max(due(row.earned) - row.clawed, 0)
        if claw and row.earn_state == EarnState.PENDING:
            _write(
                account,
                Kind.CLAWBACK,
                pending=-claw,
                order=order,
                reference=refund_number,
                key=f"clawback:{refund_number}",
                reason=f"订单 {order.number} 退款 {to_yuan(amount)} 元，扣回待入账积分",
            )
            row.clawed += claw
        elif claw and row.earn_state == EarnState.AVAILABLE:
            take = min(claw, account.available)
            if take:
                entry = _write(
                    account,
                    Kind.CLAWBACK,
                    delta=-take,
                    lifetime=-claw,
                    order=order,
                    reference=refund_number,
                    key=f"clawback:{refund_number}",
                    reason=f"订单 {order.number} 退款 {to_yuan(amount)} 元，扣回积分"
                    + (f"（{claw - take} 分已使用，无法扣回）" if take < claw else ""),
                )
                own = Lot.objects.filter(
                    account=account, entry__order=order, entry__kind=Kind.EARN_CONFIRMED, remaining__gt=0
                )
                _draw(account, entry, take, first_lots=list(own))
            else:
                account.lifetime_points = max(account.lifetime_points - claw, 0)
                account.save(update_fields=["lifetime_points", "updated_at"])
            row.clawed += claw
            row.unrecovered += claw - take
        row.refund_numbers = [*row.refund_numbers, refund_number]
        row.save()
        _refresh_tier(account, rules, now)
    return row


# --- spending at checkout ------------------------------------------------------------------------
def reserve_points_for_order(*, member, order, points: int, saving) -> OrderPoints:
    """Checkout, inside the order's transaction: `points` leave `available` for `reserved`
    (taken from the lots expiring first) until the order is paid or cancelled."""
    with transaction.atomic():
        account = lock_account(member.pk)
        if points > account.available:
            raise PointsExceedBalance(extra={"available": account.available})
        row = OrderPoints.objects.create(
            order=order, account=account, redeem_state=RedeemState.RESERVED, used=points, saving=to_yuan(saving)
        )
        entry = _write(
            account,
            Kind.REDEEM_RESERVE,
            delta=-points,
            reserved=points,
            order=order,
            key=f"redeem_reserve:{order.pk}",
            reason=f"订单 {order.number} 使用 {points} 积分抵扣 {to_yuan(saving)} 元",
        )
        _draw(account, entry, points)
    return row


def consume_points_of_order(*, order_id) -> OrderPoints | None:
    """order_paid: the reservation is spent for good. Once per order."""
    order = Order.objects.select_related("info").get(pk=order_id)
    if order.user_id is None or not _order_was_paid(order):
        return None
    with transaction.atomic():
        account, row = _lock_for_order(order, create=False)
        if row is None or row.redeem_state != RedeemState.RESERVED:
            return row
        row.redeem_state = RedeemState.CONSUMED
        row.save(update_fields=["redeem_state"])
        _write(
            account,
            Kind.REDEEM_CONSUME,
            reserved=-row.used,
            order=order,
            key=f"redeem_consume:{order.pk}",
            reason=f"订单 {order.number} 已付款，抵扣 {row.saving} 元",
        )
    return row


def release_points_of_cancelled_order(*, order_id) -> OrderPoints | None:
    """order_cancelled (by the shopper, operations or the unpaid timeout): reserved points go
    back to the lots they came from, and any pending points of the order are voided."""
    order = Order.objects.get(pk=order_id)
    if order.user_id is None or order.status != CANCELLED:
        return None
    with transaction.atomic():
        account, row = _lock_for_order(order, create=False)
        if row is None:
            return None
        if row.redeem_state == RedeemState.RESERVED:
            row.redeem_state = RedeemState.RELEASED
            entry = _write(
                account,
                Kind.REDEEM_RELEASE,
                delta=row.used,
                reserved=-row.used,
                order=order,
                key=f"redeem_release:{order.pk}",
                reason=f"订单 {order.number} 已取消，积分退回",
            )
            _give_back(account, entry, _net_draws_of_order(order, [Kind.REDEEM_RESERVE]))
        if row.earn_state == EarnState.PENDING:
            points = row.earned - row.clawed
            row.earn_state = EarnState.VOIDED
            if points:
                _write(
                    account,
                    Kind.EARN_VOIDED,
                    pending=-points,
                    order=order,
                    key=f"earn_voided:{order.pk}",
                    reason=f"订单 {order.number} 已取消，待入账积分作废",
                )
        row.save()
    return row


# --- bonuses ---------------------------------------------------------------------------------------
def award_bonus(*, member, kind: str, reference: str = "", now=None) -> Entry | None:
    """Points of the active bonus rule of `kind`, at most once per rule and `reference`.

    The hook campaigns call: `award_bonus(member=m, kind="ugc_approved", reference=f"ugc:{campaign.pk}")`
    or `kind="poll_answered", reference=f"poll:{poll.pk}"`. First login and phone binding
    have no reference (once ever), the birthday bonus has the year. Returns the entry, or
    None when no rule is active or the member already had it."""
    now = now or timezone.now()
    rule = BonusRule.objects.filter(kind=kind, is_active=True).first()
    if rule is None or (rule.starts_at and now < rule.starts_at) or (rule.ends_at and now >= rule.ends_at):
        return None
    key = f"bonus:{kind}:{reference}"[:100]
    with transaction.atomic():
        account = lock_account(member.pk)
        if _has_entry(account, key):
            return None
        rules = selectors.current_rules()
        entry = _write(
            account,
            Kind.BONUS,
            delta=rule.points,
            lifetime=rule.points,
            reference=reference or kind,
            key=key,
            reason=f"{rule.get_kind_display()}奖励",
        )
        _grant(account, entry, rule.points, expires_at=rules.expiry_for(now))
        _refresh_tier(account, rules, now)
    return entry


def award_first_login_bonus(*, member_id):
    member = get_user_model().objects.filter(pk=member_id, is_active=True, is_staff=False).first()
    return award_bonus(member=member, kind=BonusRule.Kind.FIRST_LOGIN) if member else None


def award_phone_bound_bonus(*, member_id):
    member = get_user_model().objects.filter(pk=member_id, is_active=True, is_staff=False).first()
    if member is None or not member.phone:
        return None
    return award_bonus(member=member, kind=BonusRule.Kind.PHONE_BOUND)


def award_birthday_bonuses(*, now=None) -> int:
    """Periodic (daily): the birthday bonus of members whose birthday month it is, once a year."""
    now = now or timezone.now()
    if not BonusRule.objects.filter(kind=BonusRule.Kind.BIRTHDAY_MONTH, is_active=True).exists():
        return 0
    local = timezone.localtime(now, SHANGHAI)
    key = f"bonus:{BonusRule.Kind.BIRTHDAY_MONTH}:{local.year}"
    members = (
        get_user_model()
        .objects.filter(birthday__month=local.month, is_active=True, is_staff=False)
        .exclude(loyalty_account__entries__key=key)
    )
    count = 0
    for member in members.iterator():
        if award_bonus(member=member, kind=BonusRule.Kind.BIRTHDAY_MONTH, reference=str(local.year), now=now):
            count += 1
    return count


# --- daily check-in --------------------------------------------------------------------------------
def _cycle_start(day: dt.date, cycle: str) -> dt.date:
    return day.replace(day=1) if cycle == Rules.Cycle.MONTH else day - dt.timedelta(days=day.weekday())


def check_in(*, member, now=None) -> CheckIn:
    """Today's check-in (Shanghai calendar day): the daily points plus the streak and
    cumulative rewards of the cycle. A second one the same day is `already_checked_in` (409)."""
    now = now or timezone.now()
    day = timezone.localtime(now, SHANGHAI).date()
    with transaction.atomic():
        account = lock_account(member.pk)
        today = CheckIn.objects.filter(account=account, day=day).first()
        if today is not None:
            raise AlreadyCheckedIn(
                extra={"check_in": {"awarded": today.points, "streak": today.streak, "available": account.available}}
            )
        rules = selectors.current_rules()
        last = CheckIn.objects.filter(account=account, day__lt=day).order_by("-day").first()
        consecutive = last is not None and last.day == day - dt.timedelta(days=1)
        in_cycle = last is not None and last.day >= _cycle_start(day, rules.check_in_cycle)
        streak = last.streak + 1 if consecutive else 1
        cycle_streak = last.cycle_streak + 1 if consecutive and in_cycle else 1
        cycle_count = last.cycle_count + 1 if in_cycle else 1
        extra = sum(
            reward.points
            for reward in CheckInReward.objects.all()
            if (reward.kind == CheckInReward.Kind.STREAK and reward.day == cycle_streak)
            or (reward.kind == CheckInReward.Kind.CUMULATIVE and reward.day == cycle_count)
        )
        points = rules.check_in_points + extra
        if points:
            entry = _write(
                account,
                Kind.CHECK_IN,
                delta=points,
                lifetime=points,
                key=f"check_in:{day.isoformat()}",
                reference=day.isoformat(),
                reason=f"{day:%m月%d日}签到，连续 {cycle_streak} 天" + (f"，额外奖励 {extra}" if extra else ""),
            )
            _grant(account, entry, points, expires_at=rules.expiry_for(now))
        try:
            with transaction.atomic():
                record = CheckIn.objects.create(
                    account=account,
                    day=day,
                    streak=streak,
                    cycle_streak=cycle_streak,
                    cycle_count=cycle_count,
                    points=points,
                )
        except IntegrityError:
            raise AlreadyCheckedIn()
        _refresh_tier(account, rules, now)
    record.available = account.available
    return record


# --- staff -----------------------------------------------------------------------------------------
def adjust_points(*, member, points: int, reason: str, staff, key: str = "", now=None) -> Entry:
    """A manual adjustment by staff holding `loyalty.adjust_points`, with a reason, audited
    as a ledger entry naming them. Positive points are a new lot (usual expiry); negative
    ones are taken from the lots expiring first and never below zero. `key` (a form's
    one-time token) makes a double submit count once."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if staff is None or not staff.has_perm("loyalty.adjust_points"):
        raise KitError(
            "Adjusting points needs the permission loyalty.adjust_points.", code="permission_denied", status_code=403
        )
    if not reason:
        raise AdjustmentRefused("A reason is required.", fields={"reason": "必须填写调整原因。"})
    if not isinstance(points, int) or isinstance(points, bool) or points == 0:
        raise AdjustmentRefused("Give a whole number of points other than 0.", fields={"points": "请填写非零整数。"})
    key = f"adjust:{key or uuid.uuid4().hex}"[:100]
    with transaction.atomic():
        account = lock_account(member.pk)
        existing = Entry.objects.filter(account=account, key=key).first()
        if existing is not None:
            return existing
        if points < 0 and -points > account.available:
            raise AdjustmentRefused(
                f"The member has only {account.available} points available.",
                fields={"points": f"最多可扣减 {account.available} 积分。"},
            )
        rules = selectors.current_rules()
        entry = _write(account, Kind.ADJUST, delta=points, reason=reason, staff=staff, key=key)
        if points > 0:
            _grant(account, entry, points, expires_at=rules.expiry_for(now))
        else:
            _draw(account, entry, -points)
    logger.info("points of member %s adjusted by %+d by staff %s: %s", member.pk, points, staff.pk, reason)
    return entry


# --- periodic ----------------------------------------------------------------------------------------
def expire_points(*, now=None) -> int:
    """Periodic: every lot past its expiry loses what is left of it, one ledger entry per lot.
    Returns the number of lots expired."""
    now = now or timezone.now()
    account_ids = list(
        # order_by(): Lot's default ordering would make DISTINCT run over (account, expiry, id)
        Lot.objects.filter(remaining__gt=0, expires_at__lt=now)
        .order_by()
        .values_list("account_id", flat=True)
        .distinct()
    )
    count = 0
    for account_id in account_ids:
        with transaction.atomic():
            member_id = Account.objects.filter(pk=account_id).values_list("member_id", flat=True).get()
            account = lock_account(member_id)
            for lot in Lot.objects.filter(account=account, remaining__gt=0, expires_at__lt=now).order_by("pk"):
                local = timezone.localtime(lot.created_at, SHANGHAI)
                entry = _write(
                    account,
                    Kind.EXPIRE,
                    delta=-lot.remaining,
                    reference=f"lot:{lot.pk}",
                    reason=f"{local:%Y-%m-%d} 获得的 {lot.points} 积分已过期",
                )
                LotDraw.objects.create(lot=lot, entry=entry, points=lot.remaining)
                Lot.objects.filter(pk=lot.pk).update(remaining=0)
                count += 1
    return count


def review_tiers(*, now=None) -> int:
    """Periodic (daily): tiers measured on a sliding window, and downgrades, move with time."""
    now = now or timezone.now()
    rules = selectors.current_rules()
    changed = 0
    for member_id in Account.objects.values_list("member_id", flat=True).iterator():
        with transaction.atomic():
            account = lock_account(member_id)
            before = (account.tier_id, account.below_tier_since)
            _refresh_tier(account, rules, now)
            changed += (account.tier_id, account.below_tier_since) != before
    return changed


# --- members -----------------------------------------------------------------------------------------
def move_points_of_merged_member(*, source_id, target_id) -> None:
    """member_merged: the absorbed member's balances, lots (with their expiry), orders'
    points, lifetime points and check-ins move to the survivor. Safe to repeat."""
    with transaction.atomic():
        first, second = sorted([source_id, target_id])
        locked = {first: lock_account(first), second: lock_account(second)}
        source, target = locked[source_id], locked[target_id]
        if source.available or source.pending or source.reserved:
            out = _write(
                source,
                Kind.MERGE_OUT,
                delta=-source.available,
                pending=-source.pending,
                reserved=-source.reserved,
                reference=f"member:{target_id}",
                reason="会员合并，积分转入合并后的账户",
            )
            moved = {"available": -out.delta, "pending": -out.pending_delta, "reserved": -out.reserved_delta}
            into = _write(
                target,
                Kind.MERGE_IN,
                delta=moved["available"],
                pending=moved["pending"],
                reserved=moved["reserved"],
                reference=f"member:{source_id}",
                key=f"merge_in:{out.pk}",
                reason="会员合并，转入被合并账户的积分",
            )
            for lot in Lot.objects.filter(account=source, remaining__gt=0).order_by("pk"):
                LotDraw.objects.create(lot=lot, entry=out, points=lot.remaining)
                _grant(target, into, lot.remaining, expires_at=lot.expires_at)
                Lot.objects.filter(pk=lot.pk).update(remaining=0)
        OrderPoints.objects.filter(account=source).update(account=target)
        if source.lifetime_points:
            target.lifetime_points += source.lifetime_points
            source.lifetime_points = 0
            source.save(update_fields=["lifetime_points", "updated_at"])
            target.save(update_fields=["lifetime_points", "updated_at"])
        target_days = set(CheckIn.objects.filter(account=target).values_list("day", flat=True))
        CheckIn.objects.filter(account=source).exclude(day__in=target_days).update(account=target)
        _refresh_tier(target, selectors.current_rules())


def erase_points_of_member(*, member_id) -> None:
    """member_erased: the points leave the account (and the liability); the ledger stays as
    the accounting record, the check-in history goes."""
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(member_id=member_id).first()
        if account is None:
            return
        if account.available or account.pending or account.reserved:
            entry = _write(
                account,
                Kind.ERASE,
                delta=-account.available,
                pending=-account.pending,
                reserved=-account.reserved,
                reason="会员注销，积分清零",
            )
            for lot in Lot.objects.filter(account=account, remaining__gt=0).order_by("pk"):
                LotDraw.objects.create(lot=lot, entry=entry, points=lot.remaining)
                Lot.objects.filter(pk=lot.pk).update(remaining=0)
        OrderPoints.objects.filter(account=account, earn_state=EarnState.PENDING).update(earn_state=EarnState.VOIDED)
        OrderPoints.objects.filter(account=account, redeem_state=RedeemState.RESERVED).update(
            redeem_state=RedeemState.RELEASED
        )
        CheckIn.objects.filter(account=account).delete()
        account.lifetime_points = 0
        account.tier = None
        account.tier_since = account.below_tier_since = None
        account.save(update_fields=["lifetime_points", "tier", "tier_since", "below_tier_since", "updated_at"])
