"""Everything that writes coupons: the batch's Oscar offer, claims, grants, using a coupon on
an order and giving it back, and the "about to expire" notices.

Claims are race-safe without counting first: the coupon row is inserted under the unique
(batch, member, claim number) constraint, trying numbers 1..per-member limit (a second
concurrent claim of the same number waits for the first and then fails on the constraint),
and the batch's `remaining` is taken by one conditional UPDATE (`remaining > 0`). Either
failing rolls the whole claim back.
"""

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from oscar.apps.offer.models import Benefit, Condition, ConditionalOffer, Range

from offers import selectors
from offers.errors import (
    CouponLimitReached,
    CouponNotClaimable,
    CouponNotEligible,
    CouponNotFound,
    CouponSoldOut,
    CouponUsed,
    GrantRefused,
)
from offers.models import CouponBatch, MemberCoupon
from platforms.services import send_notice

logger = logging.getLogger(__name__)


# --- the batch's Oscar offer -------------------------------------------------------------------------
@transaction.atomic
def sync_offer(batch: CouponBatch) -> ConditionalOffer:
    """Writes the batch's range, condition, benefit and offer from its fields (after every
    save in the admin), so the discount is computed by Oscar's own benefit classes."""
    offer = batch.offer
    name = f"优惠券：{batch.name}（#{batch.pk}）"
    if offer is None:
        rng = Range.objects.create(name=f"优惠券范围 #{batch.pk}")
        condition = Condition.objects.create(range=rng, type=Condition.COUNT, value=1)
        benefit = Benefit.objects.create(range=rng, type=Benefit.FIXED, value=batch.value)
        offer = ConditionalOffer(condition=condition, benefit=benefit)
    rng = offer.condition.range
    rng.name = f"优惠券范围 #{batch.pk}"
    rng.includes_all_products = batch.all_products
    rng.save()
    if not batch.all_products:
        rng.included_products.set(batch.products.all())
        rng.included_categories.set(batch.categories.all())
    else:
        rng.included_products.clear()
        rng.included_categories.clear()
    condition = offer.condition
    if batch.min_spend > 0:
        condition.type, condition.value = Condition.VALUE, batch.min_spend
    else:
        condition.type, condition.value = Condition.COUNT, Decimal(1)
    condition.save()
    benefit = offer.benefit
    benefit.type = Benefit.FIXED if batch.kind == CouponBatch.Kind.AMOUNT else Benefit.PERCENTAGE
    benefit.value = batch.value
    benefit.range = rng
    benefit.save()
    offer.name = name
    # "User" offers are never applied by Oscar's Applicator: only checkout applies a coupon.
    offer.offer_type = ConditionalOffer.USER
    offer.exclusive = False
    offer.save()
    if batch.offer_id != offer.pk:
        CouponBatch.objects.filter(pk=batch.pk).update(offer=offer)
        batch.offer = offer
    return offer


def validity_for(batch: CouponBatch, claimed_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(starts_at, expires_at) of a coupon of the batch claimed at `claimed_at`."""
    if batch.validity == CouponBatch.Validity.DAYS:
        return claimed_at, claimed_at + dt.timedelta(days=batch.valid_days)
    return batch.valid_from, batch.valid_until


# --- claiming ----------------------------------------------------------------------------------------
def _replay(member, key):
    if not key:
        return None
    return MemberCoupon.objects.select_related("batch", "order").filter(member=member, idempotency_key=key).first()


def claim_coupon(*, member, batch_id, idempotency_key=None, now=None):
    """The member claims one coupon of a batch. Returns (coupon, created).

    The same `idempotency_key` returns the first claim (created False), also when the two
    requests arrive at once. Refusals: 404 `coupon_not_found`, 409 `coupon_not_claimable`
    (outside the claim window), 403 `coupon_not_eligible`, 409 `coupon_limit_reached`
    (`error.coupon_ids` are the member's coupons of the batch), 409 `coupon_sold_out`."""
    key = (idempotency_key or "").strip() or None
    existing = _replay(member, key)
    if existing is not None:
        return existing, False
    now = now or timezone.now()
    batch = CouponBatch.objects.select_related("tier").filter(pk=batch_id, is_active=True, is_public=True).first()
    if batch is None:
        raise CouponNotFound()
    if not batch.claim_starts_at <= now < batch.claim_ends_at:
        raise CouponNotClaimable(extra={"claim_starts_at": batch.claim_starts_at.isoformat()})
    if not selectors.is_eligible(batch, member):
        raise CouponNotEligible(extra={"audience": batch.audience})
    if batch.remaining <= 0:  # a cheap early answer; the conditional UPDATE below decides
        raise CouponSoldOut()
    try:
        with transaction.atomic():
            coupon = _insert_claim(batch, member, key=key, numbers=range(1, batch.per_member_limit + 1), now=now)
            _take_one(batch)
    except CouponLimitReached:
        existing = _replay(member, key)
        if existing is not None:
            return existing, False
        held = list(MemberCoupon.objects.filter(batch=batch, member=member).values_list("pk", flat=True))
        raise CouponLimitReached(extra={"coupon_ids": held}) from None
    return coupon, True


def _insert_claim(batch, member, *, key, numbers, now, source=MemberCoupon.Source.CLAIMED, reason=""):
    starts_at, expires_at = validity_for(batch, now)
    for number in numbers:
        try:
            with transaction.atomic():
                return MemberCoupon.objects.create(
                    batch=batch,
                    member=member,
                    claim_number=number,
                    idempotency_key=key,
                    source=source,
                    reason=reason,
                    starts_at=starts_at,
                    expires_at=expires_at,
                )
        except IntegrityError:
            continue
    raise CouponLimitReached()


def _take_one(batch):
    if not CouponBatch.objects.filter(pk=batch.pk, remaining__gt=0).update(remaining=F("remaining") - 1):
        raise CouponSoldOut()


# --- marketers push coupons ------------------------------------------------------------------------
def grant_coupon(*, batch, member, reason, now=None) -> MemberCoupon:
    """A coupon of `batch` sent to `member` (a prize, a push to a tier): it draws on the
    batch's `remaining` like a claim (409 `coupon_sold_out` when none are left) but is not
    held to the per-member limit or the claim window; it counts towards the limit for the
    member's own claims afterwards. Used by the giveaways for coupon prizes."""
    now = now or timezone.now()
    if not batch.is_active:
        raise GrantRefused("This coupon batch is not active.")
    with transaction.atomic():
        last = (
            MemberCoupon.objects.filter(batch=batch, member=member).order_by("-claim_number").first()
        )  # the next free number; a concurrent grant taking it makes the insert try the one after
        start = (last.claim_number if last else 0) + 1
        coupon = _insert_claim(
            batch,
            member,
            key=None,
            numbers=range(start, start + 20),
            now=now,
            source=MemberCoupon.Source.GRANTED,
            reason=str(reason)[:100],
        )
        _take_one(batch)
    return coupon


def grant_coupons(*, batch, members, reason) -> dict:
    """Sends one coupon to each member, each in its own transaction; stops when the batch
    runs out. Returns {"granted": n, "sold_out": m} (members not reached)."""
    granted = sold_out = 0
    for member in members:
        if sold_out:
            sold_out += 1
            continue
        try:
            grant_coupon(batch=batch, member=member, reason=reason)
            granted += 1
        except CouponSoldOut:
            sold_out += 1
    return {"granted": granted, "sold_out": sold_out}


# --- orders ------------------------------------------------------------------------------------------
def lock_coupon(coupon_id) -> MemberCoupon | None:
    return MemberCoupon.objects.select_for_update().filter(pk=coupon_id).first()


def mark_coupon_used(*, coupon, order, saving: Decimal, now=None) -> None:
    """Inside the order's transaction, the coupon's row locked: it is this order's. The
    conditional UPDATE keeps it so even without the lock."""
    now = now or timezone.now()
    done = MemberCoupon.objects.filter(pk=coupon.pk, status=MemberCoupon.Status.AVAILABLE).update(
        status=MemberCoupon.Status.USED, order=order, saving=saving, used_at=now
    )
    if not done:
        raise CouponUsed()


@transaction.atomic
def give_back_coupon_of_order(*, order_id) -> bool:
    """A cancelled (also timed out unpaid) or fully refunded order gives its coupon back.
    Repeated notices give it back once. A coupon whose end has passed comes back too, and
    lists as expired: it cannot pay for another order."""
    coupon = MemberCoupon.objects.select_for_update().filter(order_id=order_id, status=MemberCoupon.Status.USED).first()
    if coupon is None:
        return False
    MemberCoupon.objects.filter(pk=coupon.pk).update(
        status=MemberCoupon.Status.AVAILABLE,
        order=None,
        used_at=None,
        saving=Decimal("0.00"),
        returned_times=F("returned_times") + 1,
    )
    return True


# --- notices -----------------------------------------------------------------------------------------
def send_expiry_notices(*, now=None) -> int:
    """The "coupon_expiring" subscribe message for coupons ending within
    COUPON_EXPIRY_NOTICE_HOURS, once per coupon: the coupon is marked by a conditional
    UPDATE before its notice is queued, so two runs at once send it once."""
    now = now or timezone.now()
    soon = now + dt.timedelta(hours=settings.COUPON_EXPIRY_NOTICE_HOURS)
    due = MemberCoupon.objects.filter(
        status=MemberCoupon.Status.AVAILABLE,
        expires_at__gt=now,
        expires_at__lte=soon,
        expiry_notified_at__isnull=True,
    ).select_related("batch", "member")
    sent = 0
    for coupon in due.order_by("pk")[:1000]:
        with transaction.atomic():
            if not MemberCoupon.objects.filter(pk=coupon.pk, expiry_notified_at__isnull=True).update(
                expiry_notified_at=now
            ):
                continue
            send_notice(
                member=coupon.member,
                event="coupon_expiring",
                context={
                    "coupon": coupon.batch.name,
                    "expires_at": coupon.expires_at,
                    "rule": coupon.batch.rule_text(),
                },
            )
            sent += 1
    return sent


def move_coupons(*, source_id, target_id) -> int:
    """Two members became one: the absorbed member's coupons follow the survivor, numbered after
    the survivor's own claims of each batch (the claim numbers stay unique per member). A
    coupon the survivor already holds is not doubled: each row moves once, and a second run
    finds nothing left to move. Returns how many moved."""
    from django.db.models import Max

    with transaction.atomic():
        moving = list(MemberCoupon.objects.select_for_update().filter(member_id=source_id).order_by("batch_id", "pk"))
        highest = dict(
            MemberCoupon.objects.filter(member_id=target_id, batch_id__in={c.batch_id for c in moving})
            .values("batch_id")
            .annotate(top=Max("claim_number"))
            .values_list("batch_id", "top")
        )
        for coupon in moving:
            highest[coupon.batch_id] = highest.get(coupon.batch_id, 0) + 1
            MemberCoupon.objects.filter(pk=coupon.pk).update(
                member_id=target_id, claim_number=highest[coupon.batch_id], idempotency_key=None
            )
    return len(moving)
