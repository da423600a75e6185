"""Coupons at checkout: the one module of offers the storefront imports.

`storefront.checkout.services.quote` calls `apply_coupon` on the priced basket before its
totals are taken (so shipping rules and points see the total after the coupon), and
`_place` calls `use_coupon` inside the order's transaction. Giving a coupon back
(cancellation, unpaid timeout, full refund) reaches offers through the order events.

`coupon_id`: absent (`BEST`) picks the coupon that saves most; `None` (the API's `null` or
`0`) uses none; an id uses that coupon or answers a 4xx. A coupon never combines with a
voucher code on the basket: with a code, no coupon is picked and naming one is refused.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from oscar.apps.offer.applicator import Applicator
from oscar.apps.offer.results import OfferApplications

from config.money import to_yuan, yuan_str
from offers import selectors, services
from offers.errors import (
    CouponExpired,
    CouponNotApplicable,
    CouponNotCombinable,
    CouponNotFound,
    CouponNotStarted,
    CouponUsed,
)
from offers.models import MemberCoupon

BEST = "best"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CouponOption:
    coupon_id: int
    name: str
    rule: str
    expires_at: object
    saving: Decimal
    usable: bool
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "coupon_id": self.coupon_id,
            "name": self.name,
            "rule": self.rule,
            "expires_at": self.expires_at,
            "saving": yuan_str(self.saving),
            "usable": self.usable,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CouponQuote:
    options: list = field(default_factory=list)
    chosen: MemberCoupon | None = None
    saving: Decimal = ZERO

    @property
    def chosen_id(self):
        return self.chosen.pk if self.chosen else None

    def as_list(self) -> list[dict]:
        return [option.as_dict() for option in self.options]


NO_COUPON = CouponQuote()


def _reprice(basket, member, offer=None):
    """The basket's site offers again, then `offer` (a coupon's) on top; the coupon's saving."""
    basket.offer_applications = OfferApplications()
    for line in basket.all_lines():
        line.clear_discount()
    Applicator().apply(basket, member)
    if offer is None:
        return ZERO
    result = offer.apply_benefit(basket)
    if result.is_successful and result.discount > 0:
        basket.offer_applications.add(offer, result)
        return to_yuan(result.discount)
    return ZERO


def apply_coupon(*, member, basket, coupon_id=BEST, lock=False, flash_sale=False) -> CouponQuote:
    """Lists the member's usable coupons with what each saves on this basket, applies the
    chosen one (or the best) to the basket, and answers what it saves.

    With `lock` (placing the order, inside its transaction) the chosen coupon's row is locked
    and checked again, so two orders cannot both use it."""
    if coupon_id == 0:
        coupon_id = None
    explicit = coupon_id not in (BEST, None)
    coupons = selectors.usable_coupons(member)
    if explicit and not any(c.pk == coupon_id for c in coupons):
        _refuse_unusable(member, coupon_id)
    if not coupons:
        return NO_COUPON
    # A voucher code on the basket, or flash-sale prices on the order (`flash_sale`): a coupon
    # would discount goods already discounted, so none applies.
    if flash_sale or basket.vouchers.exists():
        if explicit:
            raise CouponNotCombinable(
                "A coupon cannot be used on flash-sale prices; buy the sale items on their own or choose no coupon."
                if flash_sale
                else None
            )
        options = [_option(c, ZERO, usable=False, reason=CouponNotCombinable.code) for c in coupons]
        return CouponQuote(options=options)

    savings = {}
    for coupon in coupons:
        if coupon.batch_id not in savings:
            savings[coupon.batch_id] = _reprice(basket, member, coupon.batch.offer) if coupon.batch.offer else ZERO
    options = [
        _option(
            c,
            savings[c.batch_id],
            usable=savings[c.batch_id] > 0,
            reason="" if savings[c.batch_id] > 0 else "coupon_not_applicable",
        )
        for c in coupons
    ]
    if explicit:
        chosen = next(c for c in coupons if c.pk == coupon_id)
        if savings[chosen.batch_id] <= 0:
            _reprice(basket, member)
            raise CouponNotApplicable(extra={"min_spend": yuan_str(chosen.batch.min_spend)})
    elif coupon_id is None:
        chosen = None
    else:
        # The most saved; of equal savings the one that ends first (coupons are ordered so).
        best = max((savings[c.batch_id] for c in coupons), default=ZERO)
        chosen = next((c for c in coupons if savings[c.batch_id] == best), None) if best > 0 else None
    if chosen is None:
        _reprice(basket, member)
        return CouponQuote(options=options)
    if lock:
        locked = services.lock_coupon(chosen.pk)
        if locked is None or locked.status != MemberCoupon.Status.AVAILABLE:
            raise CouponUsed()
    saving = _reprice(basket, member, chosen.batch.offer)
    return CouponQuote(options=options, chosen=chosen, saving=saving)


def _option(coupon, saving, *, usable, reason=""):
    return CouponOption(
        coupon_id=coupon.pk,
        name=coupon.batch.name,
        rule=coupon.batch.rule_text(),
        expires_at=coupon.expires_at,
        saving=saving,
        usable=usable,
        reason=reason,
    )


def _refuse_unusable(member, coupon_id):
    coupon = selectors.coupon_of(member, coupon_id)
    if coupon is None:
        raise CouponNotFound()
    if coupon.status == MemberCoupon.Status.USED:
        raise CouponUsed()
    now = timezone.now()
    if coupon.expires_at <= now:
        raise CouponExpired(extra={"expired_at": coupon.expires_at.isoformat()})
    raise CouponNotStarted(extra={"starts_at": coupon.starts_at.isoformat()})


def use_coupon(*, order, quote: CouponQuote) -> None:
    """Inside the order's transaction: the chosen coupon is this order's."""
    if quote.chosen is not None:
        services.mark_coupon_used(coupon=quote.chosen, order=order, saving=quote.saving)
