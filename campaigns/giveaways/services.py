"""Everything that writes giveaways: publishing, entries, the draw, prizes awarded outside a
draw, claims and fulfilment, and the periodic steps (scheduled publish, close, draw, lapse).

Never more winners than prizes: a unit of a prize is taken by one conditional UPDATE
(`remaining > 0`), in the entry's (or award's, or draw's) transaction; anything refused later
rolls it back. Never more entries than the limits: an entry is numbered per member in total
and per Shanghai day under unique constraints (the coupons' scheme), so two concurrent
entries cannot both be number 1. The entry cost is one ledger entry keyed by the entry's id
(`giveaway:entry:<id>`), so it is deducted exactly once. The platform calls (the WeChat risk
rank, the cash transfer) happen outside any transaction that holds row locks.

Lock order, the same everywhere: the entry row, then the member's points account, then a
prize row. Closing a giveaway locks its row FOR UPDATE, which waits for every entry in flight
(an entry's insert holds a key-share lock on the giveaway); an entry that arrives after the
close sees the closed status and is refused.
"""

import datetime as dt
import logging
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from campaigns.giveaways import draw, selectors, tasks
from campaigns.giveaways.errors import (
    DrawRefused,
    EntryLimitReached,
    GiveawayEnded,
    GiveawayNotEligible,
    GiveawayNotFound,
    GiveawayNotStarted,
    GiveawayRiskRefused,
    GiveawayTakesNoEntries,
    NotEnoughPoints,
    PrizeAlreadyClaimed,
    PrizeClaimExpired,
    PrizeNeedsAddress,
    PrizeNeedsWeChat,
    PrizeSoldOut,
    WinNotFound,
)
from campaigns.giveaways.models import Entry, Giveaway, Prize, Win
from config.errors import KitError
from loyalty import services as loyalty_services
from loyalty.models import Account
from loyalty.models import Entry as LedgerEntry
from offers.errors import CouponSoldOut, GrantRefused
from offers.services import grant_coupon
from platforms.base import PlatformError, get_miniprogram
from platforms.services import openid_of, send_notice
from storefront.checkout import services as checkout_services
from storefront.members.models import Address

logger = logging.getLogger(__name__)

RISK_UNKNOWN_ERRCODE = "61010"


class _Replayed(Exception):
    def __init__(self, entry):
        self.entry = entry


# --- publishing ----------------------------------------------------------------------------------
def publish(*, giveaway: Giveaway, now=None) -> Giveaway:
    """Draft -> published. A scheduled draw gets its secret seed now and shows sha256(seed)."""
    now = now or timezone.now()
    with transaction.atomic():
        giveaway = Giveaway.objects.select_for_update().get(pk=giveaway.pk)
        if giveaway.status != Giveaway.Status.DRAFT:
            return giveaway
        if giveaway.takes_entries and not giveaway.prizes.exists():
            raise KitError("Add at least one prize before publishing.", code="giveaway_without_prizes")
        if giveaway.mode == Giveaway.Mode.DRAW:
            giveaway.seed = draw.new_seed()
            giveaway.commitment = draw.commitment_of(giveaway.seed)
        giveaway.status = Giveaway.Status.PUBLISHED
        giveaway.published_at = now
        giveaway.save(update_fields=["seed", "commitment", "status", "published_at", "updated_at"])
    return giveaway


def publish_due(*, now=None) -> int:
    now = now or timezone.now()
    due = Giveaway.objects.filter(status=Giveaway.Status.DRAFT, publish_at__isnull=False, publish_at__lte=now)
    count = 0
    for giveaway in due.order_by("pk"):
        try:
            publish(giveaway=giveaway, now=now)
            count += 1
        except KitError as exc:
            logger.warning("giveaway %s not published at its time: %s", giveaway.pk, exc.message)
    return count


def close_entries(*, giveaway: Giveaway, now=None) -> Giveaway:
    """Published and ended -> closed: the entries are frozen and their hash shown."""
    now = now or timezone.now()
    with transaction.atomic():
        giveaway = Giveaway.objects.select_for_update().get(pk=giveaway.pk)
        if giveaway.status != Giveaway.Status.PUBLISHED:
            return giveaway
        if now < giveaway.ends_at:
            raise DrawRefused("Entries are still open.")
        ids = list(Entry.objects.filter(giveaway=giveaway).values_list("pk", flat=True))
        giveaway.entries_hash = draw.entries_hash_of(ids)
        giveaway.entries_frozen = len(ids)
        giveaway.status = Giveaway.Status.CLOSED
        giveaway.closed_at = now
        giveaway.save(update_fields=["entries_hash", "entries_frozen", "status", "closed_at", "updated_at"])
    return giveaway


def close_due(*, now=None) -> int:
    now = now or timezone.now()
    due = Giveaway.objects.filter(status=Giveaway.Status.PUBLISHED, ends_at__lte=now).exclude(
        mode=Giveaway.Mode.AWARDED
    )
    count = 0
    for giveaway in due.order_by("pk"):
        close_entries(giveaway=giveaway, now=now)
        count += 1
    return count


# --- entries -----------------------------------------------------------------------------------
def _replay(member, giveaway_id, key):
    if not key:
        return None
    return (
        Entry.objects.select_related("win__prize")
        .filter(giveaway_id=giveaway_id, member=member, idempotency_key=key)
        .first()
    )


def risk_of(giveaway: Giveaway, member, client_ip) -> tuple[int | None, bool]:
    """(WeChat's risk rank or None, flagged). Raises GiveawayRiskRefused for a rank above the
    threshold, and for an unknown rank (61010, an outage) when the giveaway says refuse."""
    if giveaway.max_risk_rank is None:
        return None, False
    openid = openid_of(member, "wechat")
    if not openid:
        return None, False  # not a WeChat shopper: WeChat has no rank for them
    try:
        rank = get_miniprogram("wechat").user_risk_rank(openid, client_ip=client_ip or "127.0.0.1", scene=1)
    except PlatformError as exc:
        logger.info("risk rank of member %s unknown (%s)", member.pk, exc.code)
        if giveaway.risk_fallback == Giveaway.RiskFallback.ALLOW_AND_FLAG:
            return None, True
        raise GiveawayRiskRefused(extra={"reason": "risk_unknown"}) from None
    if rank > giveaway.max_risk_rank:
        raise GiveawayRiskRefused(extra={"reason": "risk_rank"})
    return rank, False


def enter(*, member, giveaway_id, idempotency_key=None, client_ip=None, now=None) -> tuple[Entry, bool]:
    """The member enters a giveaway. Returns (entry, created); the entry's `result` is won,
    lost or entered (a scheduled draw), and a won entry has its `win`.

    The same `idempotency_key` returns the first entry (created False), also at once. A
    sold-out instant or first-come giveaway is a lost entry, not an error. Refusals write
    nothing: 404 giveaway_not_found, 409 giveaway_not_started / giveaway_ended /
    giveaway_takes_no_entries / giveaway_entry_limit_reached / giveaway_not_enough_points,
    403 giveaway_not_eligible / giveaway_risk_refused."""
    key = (idempotency_key or "").strip() or None
    existing = _replay(member, giveaway_id, key)
    if existing is not None:
        return existing, False
    now = now or timezone.now()
    giveaway = Giveaway.objects.select_related("min_tier").filter(pk=giveaway_id, status__in=selectors.VISIBLE).first()
    if giveaway is None:
        raise GiveawayNotFound()
    if not giveaway.takes_entries:
        raise GiveawayTakesNoEntries()
    if giveaway.status != Giveaway.Status.PUBLISHED or now >= giveaway.ends_at:
        raise GiveawayEnded(extra={"ends_at": giveaway.ends_at.isoformat()})
    if now < giveaway.starts_at:
        raise GiveawayNotStarted(extra={"starts_at": giveaway.starts_at.isoformat()})
    reason = selectors.ineligibility(giveaway, member)
    if reason:
        raise GiveawayNotEligible(extra={"reason": reason})
    _check_limits(giveaway, member, now)  # an early answer; the unique numbers decide
    cost = giveaway.entry_cost_points
    if cost:
        available = Account.objects.filter(member=member).values_list("available", flat=True).first() or 0
        if available < cost:  # an early answer; the locked account decides
            raise NotEnoughPoints(extra={"available": available, "cost": cost})
    risk_rank, flagged = risk_of(giveaway, member, client_ip)
    try:
        with transaction.atomic():
            entry = _insert_entry(
                giveaway, member, key=key, now=now, client_ip=client_ip, risk_rank=risk_rank, flagged=flagged
            )
            if not Giveaway.objects.filter(pk=giveaway.pk, status=Giveaway.Status.PUBLISHED).exists():
                raise GiveawayEnded(extra={"ends_at": giveaway.ends_at.isoformat()})  # closed meanwhile
            if cost:
                _spend_points(giveaway, member, entry, cost)
            _decide(giveaway, entry, member, now)
    except _Replayed as replayed:
        return replayed.entry, False
    return entry, True


def _check_limits(giveaway, member, now):
    total, today = selectors.entries_of_member(member, giveaway)
    if total >= giveaway.entries_per_member:
        raise EntryLimitReached(extra={"limit": "total"})
    if giveaway.entries_per_day and today >= giveaway.entries_per_day:
        raise EntryLimitReached(extra={"limit": "day"})
    return total, today


def _insert_entry(giveaway, member, *, key, now, client_ip, risk_rank, flagged, attempts=5):
    day = selectors.shanghai_day(now)
    for _ in range(attempts):
        total, today = _check_limits(giveaway, member, now)
        try:
            with transaction.atomic():
                return Entry.objects.create(
                    giveaway=giveaway,
                    member=member,
                    number=total + 1,
                    day=day,
                    day_number=today + 1,
                    idempotency_key=key,
                    client_ip=client_ip,
                    risk_rank=risk_rank,
                    flagged=flagged,
                )
        except IntegrityError:
            # Another entry of this member took the number first (or the same key did).
            existing = _replay(member, giveaway.pk, key)
            if existing is not None:
                raise _Replayed(existing) from None
    raise EntryLimitReached(extra={"limit": "total"})


def _spend_points(giveaway, member, entry, cost):
    account = loyalty_services.lock_account(member.pk)
    if account.available < cost:
        raise NotEnoughPoints(extra={"available": account.available, "cost": cost})
    loyalty_services.spend_points(
        account,
        points=cost,
        kind=LedgerEntry.Kind.GIVEAWAY_ENTRY,
        reason=f"参与抽奖：{giveaway.title}",
        reference=f"giveaway:{giveaway.pk}",
        key=f"giveaway:entry:{entry.pk}",
    )
    Entry.objects.filter(pk=entry.pk).update(points_spent=cost)
    entry.points_spent = cost


def _decide(giveaway, entry, member, now):
    if giveaway.mode == Giveaway.Mode.DRAW:
        return
    wins = giveaway.mode == Giveaway.Mode.FIRST_COME or secrets.randbelow(10000) < int(giveaway.win_chance * 100)
    prize = _take_unit(giveaway) if wins else None
    if prize is None:
        entry.result = Entry.Result.LOST
    else:
        source = Win.Source.FIRST_COME if giveaway.mode == Giveaway.Mode.FIRST_COME else Win.Source.INSTANT
        _create_win(giveaway, prize, member, entry=entry, source=source, reference=f"entry:{entry.pk}", now=now)
        entry.result = Entry.Result.WON
    Entry.objects.filter(pk=entry.pk).update(result=entry.result)


def _take_unit(giveaway) -> Prize | None:
    """A unit of the first prize (in the marketer's order) that has one left, or None."""
    for prize in Prize.objects.filter(giveaway=giveaway, remaining__gt=0).order_by("position", "pk"):
        if Prize.objects.filter(pk=prize.pk, remaining__gt=0).update(remaining=F("remaining") - 1):
            return prize
    return None


def _create_win(giveaway, prize, member, *, entry, source, reference, now) -> Win:
    win = Win.objects.create(
        giveaway=giveaway,
        prize=prize,
        member=member,
        entry=entry,
        source=source,
        reference=reference[:64],
        claim_deadline=now + dt.timedelta(days=giveaway.claim_days),
        notified_at=now,
    )
    if entry is not None:
        entry.win = win
    send_notice(
        member=member,
        event="prize_won",
        context={"giveaway": giveaway.title, "giveaway_id": giveaway.pk, "prize": prize.name, "drawn_at": now},
    )
    return win


# --- prizes given outside a draw -------------------------------------------------------------------
def award_prize(*, prize: Prize, member, source: str, reference: str) -> Win:
    """Gives one unit of `prize` to `member` outside the draw (source="ugc",
    reference="submission:42"): the unit is taken by a conditional UPDATE (PrizeSoldOut when
    none is left); the same (source, reference) returns the same Win, also at once; the winner
    is notified, and the Win follows the same claim and fulfilment steps as a drawn one."""
    reference = str(reference)[:64]
    existing = Win.objects.filter(source=source, reference=reference).first()
    if existing is not None:
        return existing
    now = timezone.now()
    giveaway = Giveaway.objects.get(pk=prize.giveaway_id)
    try:
        with transaction.atomic():
            if not Prize.objects.filter(pk=prize.pk, remaining__gt=0).update(remaining=F("remaining") - 1):
                raise PrizeSoldOut()
            win = _create_win(giveaway, prize, member, entry=None, source=source, reference=reference, now=now)
    except IntegrityError:
        existing = Win.objects.filter(source=source, reference=reference).first()
        if existing is None:
            raise
        return existing
    return win


# --- the scheduled draw --------------------------------------------------------------------------
def run_draw(*, giveaway: Giveaway, staff=None, now=None) -> Giveaway:
    """Draws the winners of a closed (or ended) scheduled draw by the published algorithm
    (draw.py), once: a second run is refused. Prize units go out in the marketer's order."""
    now = now or timezone.now()
    if giveaway.mode != Giveaway.Mode.DRAW:
        raise DrawRefused("Only a scheduled draw is drawn.")
    if staff is not None and not staff.has_perm("giveaways.run_draw"):
        raise KitError(
            "Running a draw needs the permission giveaways.run_draw.", code="permission_denied", status_code=403
        )
    if Giveaway.objects.filter(pk=giveaway.pk, status=Giveaway.Status.PUBLISHED).exists():
        close_entries(giveaway=giveaway, now=now)
    with transaction.atomic():
        giveaway = Giveaway.objects.select_for_update().get(pk=giveaway.pk)
        if giveaway.status != Giveaway.Status.CLOSED:
            raise DrawRefused(f"The giveaway is {giveaway.get_status_display()}.")
        members = dict(Entry.objects.filter(giveaway=giveaway).values_list("pk", "member_id"))
        prizes = list(giveaway.prizes.order_by("position", "pk"))
        units = [prize for prize in prizes for _ in range(prize.quantity)]
        winners = draw.winners_of(giveaway.seed, members, len(units))
        for entry_id, prize in zip(winners, units, strict=False):
            if not Prize.objects.filter(pk=prize.pk, remaining__gt=0).update(remaining=F("remaining") - 1):
                raise DrawRefused(f"{prize.name} has no unit left for the draw.")
            entry = Entry(pk=entry_id, giveaway=giveaway, member_id=members[entry_id])
            _create_win(
                giveaway,
                prize,
                entry.member,
                entry=entry,
                source=Win.Source.DRAW,
                reference=f"entry:{entry_id}",
                now=now,
            )
        Entry.objects.filter(giveaway=giveaway, pk__in=winners).update(result=Entry.Result.WON)
        Entry.objects.filter(giveaway=giveaway).exclude(pk__in=winners).update(result=Entry.Result.LOST)
        giveaway.status = Giveaway.Status.DRAWN
        giveaway.drawn_at = now
        giveaway.drawn_by = staff
        giveaway.save(update_fields=["status", "drawn_at", "drawn_by", "updated_at"])
    logger.info("giveaway %s drawn: %d winners of %d entries", giveaway.pk, len(winners), len(members))
    return giveaway


def draw_due(*, now=None) -> int:
    now = now or timezone.now()
    due = Giveaway.objects.filter(
        mode=Giveaway.Mode.DRAW,
        status__in=(Giveaway.Status.PUBLISHED, Giveaway.Status.CLOSED),
        draw_at__lte=now,
        ends_at__lte=now,
    )
    count = 0
    for giveaway in due.order_by("pk"):
        run_draw(giveaway=giveaway, now=now)
        count += 1
    return count


# --- claims and fulfilment ---------------------------------------------------------------------------
def claim_prize(*, member, win_id, address_id=None, now=None) -> Win:
    """The winner claims their prize within its deadline (a product prize names one of their
    addresses), and it is fulfilled by kind, once: points and coupons at once, a product as a
    zero-price order that ships through logistics, cash through WeChat Pay's merchant transfer
    (`transfer` on the answer is what wx.requestMerchantTransfer takes)."""
    now = now or timezone.now()
    cash_to_send = False
    with transaction.atomic():
        win = (
            Win.objects.select_for_update(of=("self",))
            .select_related("prize", "giveaway")
            .filter(pk=win_id, member=member)
            .first()
        )
        if win is None:
            raise WinNotFound()
        if win.claim_status == Win.Claim.CLAIMED:
            raise PrizeAlreadyClaimed(extra={"win": win.pk})
        if win.claim_status != Win.Claim.AWAITING or now >= win.claim_deadline:
            raise PrizeClaimExpired(extra={"claim_deadline": win.claim_deadline.isoformat()})
        prize = win.prize
        if prize.kind == Prize.Kind.PRODUCT:
            address = Address.objects.filter(pk=address_id, member=member).first() if address_id else None
            if address is None:
                raise PrizeNeedsAddress(fields={"address_id": "选择一个收货地址。"})
            win.address = address
        if prize.kind == Prize.Kind.CASH and not openid_of(member, "wechat"):
            raise PrizeNeedsWeChat()
        win.claim_status = Win.Claim.CLAIMED
        win.claimed_at = now
        win.save(update_fields=["claim_status", "claimed_at", "address"])
        if prize.kind == Prize.Kind.CASH:
            cash_to_send = True
        else:
            _fulfil_at_once(win, now)
    if cash_to_send:
        # At once, so the answer carries what wx.requestMerchantTransfer needs; a platform
        # outage leaves it to the task, which retries (the shopper then finds it in me/prizes/).
        try:
            send_cash_prize(win_id=win.pk)
        except PlatformError as exc:
            logger.warning("cash prize %s not sent yet (%s): the task retries", win.pk, exc.code)
            transaction.on_commit(lambda: tasks.send_cash_prize.apply_async((win.pk,), countdown=30))
        win.refresh_from_db()
    return win


def _fulfil_at_once(win: Win, now):
    prize = win.prize
    if prize.kind == Prize.Kind.POINTS:
        account = loyalty_services.lock_account(win.member_id)
        key = f"giveaway:win:{win.pk}"
        if not LedgerEntry.objects.filter(account=account, key=key).exists():
            loyalty_services.give_points(
                account,
                points=prize.points,
                kind=LedgerEntry.Kind.BONUS,
                reason=f"抽奖奖品：{win.giveaway.title}",
                reference=f"giveaway:{win.giveaway_id}",
                key=key,
                now=now,
            )
        _mark_fulfilled(win, now)
    elif prize.kind == Prize.Kind.COUPON:
        try:
            coupon = grant_coupon(batch=prize.coupon_batch, member=win.member, reason=f"抽奖奖品：{win.giveaway.title}")
        except (CouponSoldOut, GrantRefused) as exc:
            Win.objects.filter(pk=win.pk).update(fulfilment=Win.Fulfilment.FAILED, fulfilment_error=exc.message[:200])
            win.fulfilment = Win.Fulfilment.FAILED
            return
        Win.objects.filter(pk=win.pk).update(coupon=coupon)
        win.coupon = coupon
        _mark_fulfilled(win, now)
    elif prize.kind == Prize.Kind.PRODUCT:
        order = checkout_services.place_prize_order(
            member=win.member, sku_id=prize.sku_id, address_id=win.address_id, reference=f"giveaway-win-{win.pk}"
        )
        Win.objects.filter(pk=win.pk).update(order=order)
        win.order = order
        _mark_fulfilled(win, now)


def _mark_fulfilled(win, now):
    Win.objects.filter(pk=win.pk).update(fulfilment=Win.Fulfilment.DONE, fulfilled_at=now)
    win.fulfilment, win.fulfilled_at = Win.Fulfilment.DONE, now


def out_bill_no_of(win: Win) -> str:
    """The merchant transfer's out_bill_no: digits and letters only, at most 32, one per win,
    so a repeated transfer call is the same bill at WeChat Pay."""
    return f"GW{win.giveaway_id}X{win.pk}"[:32]


def send_cash_prize(*, win_id) -> Win:
    """Asks WeChat Pay to transfer a claimed cash prize (out of any transaction). The shopper
    then confirms it in WeChat (wx.requestMerchantTransfer with `package_info`); the
    MCHTRANSFER.BILL.FINISHED notification or the bill query says when it is done."""
    from platforms.wechat.transfer import get_merchant_transfer

    win = Win.objects.select_related("prize", "giveaway").get(pk=win_id)
    if win.claim_status != Win.Claim.CLAIMED or win.fulfilment in (Win.Fulfilment.DONE, Win.Fulfilment.FAILED):
        return win
    if win.package_info:
        return win
    bill = get_merchant_transfer().create_bill(
        out_bill_no=out_bill_no_of(win),
        openid=openid_of(win.member, "wechat"),
        amount=win.prize.cash_amount,
        remark=f"{win.giveaway.title}奖金"[:32],
        activity=win.giveaway.title,
        reward=win.prize.name,
    )
    _record_bill(win, bill)
    return Win.objects.get(pk=win.pk)


def _record_bill(win, bill):
    done = {"SUCCESS": Win.Fulfilment.DONE, "FAIL": Win.Fulfilment.FAILED, "CANCELLED": Win.Fulfilment.FAILED}
    fields = {
        "out_bill_no": bill.out_bill_no,
        "transfer_state": bill.state,
        "fulfilment": done.get(bill.state, Win.Fulfilment.IN_PROGRESS),
    }
    if bill.transfer_bill_no:
        fields["transfer_bill_no"] = bill.transfer_bill_no
    if bill.package_info:
        fields["package_info"] = bill.package_info
    if bill.state == "SUCCESS":
        fields["fulfilled_at"] = timezone.now()
    if bill.fail_reason:
        fields["fulfilment_error"] = bill.fail_reason[:200]
    # Only a bill still in flight changes: a finished one stays as it finished.
    Win.objects.filter(pk=win.pk).exclude(fulfilment__in=(Win.Fulfilment.DONE, Win.Fulfilment.FAILED)).update(**fields)


def record_transfer_result(*, bill) -> Win | None:
    """A verified transfer notification (or query answer): the win of its out_bill_no follows it."""
    win = Win.objects.filter(out_bill_no=bill.out_bill_no).first()
    if win is None:
        logger.warning("transfer notification for unknown bill %s", bill.out_bill_no)
        return None
    _record_bill(win, bill)
    return Win.objects.get(pk=win.pk)


def refresh_cash_prize(*, win_id) -> Win:
    """Asks WeChat Pay how the win's transfer stands (a notification may never come)."""
    from platforms.wechat.transfer import get_merchant_transfer

    win = Win.objects.get(pk=win_id)
    if not win.out_bill_no:
        return win
    return record_transfer_result(bill=get_merchant_transfer().query_bill(win.out_bill_no)) or win


# --- unclaimed prizes ----------------------------------------------------------------------------------
def lapse_unclaimed(*, now=None) -> int:
    """Wins past their claim deadline lapse; where the giveaway says so, a drawn prize passes
    to the next member of the reserve list (the same ranking, continued) and an instant or
    first-come unit goes back to the stock."""
    now = now or timezone.now()
    due = Win.objects.filter(claim_status=Win.Claim.AWAITING, claim_deadline__lte=now).select_related(
        "giveaway", "prize"
    )
    return sum(_lapse(win, now) for win in due.order_by("pk")[:500])


def _lapse(win, now) -> bool:
    """An awaiting win lapses (or passes to the reserve list); False if it was no longer awaiting."""
    with transaction.atomic():
        passes = win.giveaway.unclaimed == Giveaway.Unclaimed.RESERVE
        status = Win.Claim.PASSED_ON if passes else Win.Claim.LAPSED
        if not Win.objects.filter(pk=win.pk, claim_status=Win.Claim.AWAITING).update(claim_status=status):
            return False
        if passes:
            _pass_on(win, now)
    return True


def _pass_on(win, now):
    giveaway = Giveaway.objects.select_for_update().get(pk=win.giveaway_id)
    if giveaway.mode != Giveaway.Mode.DRAW:
        Prize.objects.filter(pk=win.prize_id, remaining__lt=F("quantity")).update(remaining=F("remaining") + 1)
        return
    members = dict(Entry.objects.filter(giveaway=giveaway).values_list("pk", "member_id"))
    taken = list(Win.objects.filter(giveaway=giveaway, entry__isnull=False).values_list("entry_id", flat=True))
    reserves = draw.reserves_of(giveaway.seed, members, taken, 1)
    if not reserves:
        return
    entry = Entry.objects.get(pk=reserves[0])
    _create_win(
        giveaway,
        win.prize,
        entry.member,
        entry=entry,
        source=Win.Source.RESERVE,
        reference=f"entry:{entry.pk}",
        now=now,
    )
    Entry.objects.filter(pk=entry.pk).update(result=Entry.Result.WON)


def move_entries_of_merged_member(*, source_id: int, target_id: int) -> dict:
    """Two members became one. Their wins follow the survivor, who claims them from their own
    account. Entries in giveaways still taking entries follow too, numbered after the
    survivor's own (the survivor may then be over the limit and enter no more). Entries in a
    closed or drawn giveaway stay with the absorbed account: the published proof names each
    entry's member as it was at the close, and moving them would change what it re-runs to.
    Running it twice moves nothing more."""
    with transaction.atomic():
        wins = Win.objects.filter(member_id=source_id).update(member_id=target_id)
        moving = list(
            Entry.objects.select_for_update()
            .filter(member_id=source_id, giveaway__entries_hash="")
            .order_by("giveaway_id", "pk")
        )
        for entry in moving:
            mine = Entry.objects.filter(giveaway_id=entry.giveaway_id, member_id=target_id)
            number = (mine.order_by("-number").values_list("number", flat=True).first() or 0) + 1
            day_number = (
                mine.filter(day=entry.day).order_by("-day_number").values_list("day_number", flat=True).first() or 0
            ) + 1
            Entry.objects.filter(pk=entry.pk).update(
                member_id=target_id, number=number, day_number=day_number, idempotency_key=None
            )
    return {"entries": len(moving), "wins": wins}


def erase_entries_of_member(*, member_id: int, now=None) -> int:
    """A member erased their personal data. Their entries stay (a closed giveaway's published
    entry list and hash cannot change) without the IP they came from; their wins keep the
    prize accounting without the delivery address or transfer parameters, and any still
    awaiting a claim lapse now (passing to the reserve list where the giveaway says so), as
    nobody can claim them any more. Returns how many wins lapsed."""
    now = now or timezone.now()
    with transaction.atomic():
        Entry.objects.filter(member_id=member_id).exclude(client_ip=None).update(client_ip=None)
        Win.objects.filter(member_id=member_id).update(address=None, package_info="")
    awaiting = Win.objects.filter(member_id=member_id, claim_status=Win.Claim.AWAITING).select_related(
        "giveaway", "prize"
    )
    return sum(_lapse(win, now) for win in awaiting.order_by("pk"))
