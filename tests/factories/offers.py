"""Coupon batches and the coupons members hold (offers/)."""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from offers import services as offer_services
from offers.models import CouponBatch

__all__ = ["coupon_batch", "coupon_for"]

_counter = itertools.count(1)


def coupon_batch(
    *,
    value="10.00",
    kind=CouponBatch.Kind.AMOUNT,
    min_spend="0.00",
    total=100,
    per_member_limit=1,
    audience=CouponBatch.Audience.ANYONE,
    tier=None,
    products=(),
    categories=(),
    valid_days=None,
    valid_from=None,
    valid_until=None,
    claim_starts_at=None,
    claim_ends_at=None,
    name=None,
    is_public=True,
    remaining=None,
):
    """A batch claimable now; valid 30 days from now (fixed), or `valid_days` from the claim."""
    now = timezone.now()
    validity = CouponBatch.Validity.DAYS if valid_days else CouponBatch.Validity.FIXED
    batch = CouponBatch.objects.create(
        name=name or f"满{min_spend}减{value} #{next(_counter)}",
        kind=kind,
        value=Decimal(value),
        min_spend=Decimal(min_spend),
        all_products=not products and not categories,
        total=total,
        remaining=total if remaining is None else remaining,
        per_member_limit=per_member_limit,
        audience=audience,
        tier=tier,
        claim_starts_at=claim_starts_at or now - timedelta(days=1),
        claim_ends_at=claim_ends_at or now + timedelta(days=30),
        validity=validity,
        valid_days=valid_days,
        valid_from=None if valid_days else (valid_from or now - timedelta(days=1)),
        valid_until=None if valid_days else (valid_until or now + timedelta(days=30)),
        is_public=is_public,
    )
    batch.products.set(products)
    batch.categories.set(categories)
    offer_services.sync_offer(batch)
    return batch


def coupon_for(member, batch=None, **batch_fields):
    """A coupon of `batch` (or of a new one) in the member's hands, claimed through the service."""
    batch = batch or coupon_batch(**batch_fields)
    coupon, _created = offer_services.claim_coupon(member=member, batch_id=batch.pk)
    return coupon
