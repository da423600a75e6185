"""Reading coupons for the API, checkout and admin. Nothing here writes."""

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from oscar.apps.catalogue.models import Product
from oscar.apps.order.models import Order

from loyalty.models import Account
from offers.models import CouponBatch, MemberCoupon

# Orders that do not make a member "not new": waiting for payment or cancelled unpaid.
NOT_YET_BOUGHT = ("pending_payment", "cancelled")

AVAILABLE, USED, EXPIRED = "available", "used", "expired"
STATUSES = (AVAILABLE, USED, EXPIRED)


def is_new_member(member) -> bool:
    """A member who has never had a paid order."""
    return not Order.objects.filter(user=member).exclude(status__in=NOT_YET_BOUGHT).exists()


def tier_threshold_of(member) -> int | None:
    account = Account.objects.select_related("tier").filter(member=member).first()
    if account is None or account.tier is None:
        return None
    return account.tier.threshold


def is_eligible(batch: CouponBatch, member) -> bool:
    """Who may claim: anyone, members without a paid order, or members of the batch's tier or above."""
    if batch.audience == CouponBatch.Audience.NEW_MEMBERS:
        return is_new_member(member)
    if batch.audience == CouponBatch.Audience.TIER:
        threshold = tier_threshold_of(member)
        return batch.tier is None or (threshold is not None and threshold >= batch.tier.threshold)
    return True


def claimable_batches(member, *, product_id=None, now=None):
    """Batches shown in the coupon center: public, active, inside their claim window, with how
    many the member already holds (`held`). With `product_id`: only those that cover it."""
    now = now or timezone.now()
    held = (
        MemberCoupon.objects.filter(batch=OuterRef("pk"), member=member)
        .order_by()
        .values("batch")
        .annotate(n=Count("pk"))
        .values("n")
    )
    batches = (
        CouponBatch.objects.filter(is_active=True, is_public=True, claim_starts_at__lte=now, claim_ends_at__gt=now)
        .select_related("tier")
        .annotate(held=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)))
        .order_by("claim_ends_at", "pk")
    )
    if product_id is not None:
        batches = batches.filter(_covers(product_id))
    return batches


def _covers(product_id) -> Q:
    """Batches covering a product: all products, the product or its parent, or one of its
    categories (or their ancestors, since a batch's category includes its subcategories)."""
    product = Product.objects.select_related("parent").filter(pk=product_id).first()
    if product is None:
        return Q(pk__in=[])
    ids = [product.pk] + ([product.parent_id] if product.parent_id else [])
    owner = product.parent if product.parent_id else product
    category_ids = set()
    for category in owner.get_categories().all():
        category_ids.update(c.pk for c in category.get_ancestors_and_self())
    covered = CouponBatch.products.through.objects.filter(couponbatch=OuterRef("pk"), product_id__in=ids)
    in_category = CouponBatch.categories.through.objects.filter(
        couponbatch=OuterRef("pk"), category_id__in=category_ids
    )
    return Q(all_products=True) | Q(Exists(covered)) | Q(Exists(in_category))


def coupons_of(member, *, status=None, now=None):
    """The member's coupons, newest first; `status`: available (usable or not yet started),
    used, or expired (never used, past its end)."""
    now = now or timezone.now()
    coupons = MemberCoupon.objects.filter(member=member).select_related("batch", "order").order_by("-claimed_at", "-pk")
    if status == AVAILABLE:
        coupons = coupons.filter(status=MemberCoupon.Status.AVAILABLE, expires_at__gt=now)
    elif status == USED:
        coupons = coupons.filter(status=MemberCoupon.Status.USED)
    elif status == EXPIRED:
        coupons = coupons.filter(status=MemberCoupon.Status.AVAILABLE, expires_at__lte=now)
    return coupons


def coupon_of(member, coupon_id):
    """One of the member's coupons, or None (also for another member's id)."""
    return coupons_of(member).filter(pk=coupon_id).first()


def status_of(coupon: MemberCoupon, now=None) -> str:
    now = now or timezone.now()
    if coupon.status == MemberCoupon.Status.USED:
        return USED
    return EXPIRED if coupon.expires_at <= now else AVAILABLE


def usable_coupons(member, now=None):
    """The member's coupons that can pay for an order now, with their Oscar offer loaded."""
    now = now or timezone.now()
    return list(
        MemberCoupon.objects.filter(
            member=member, status=MemberCoupon.Status.AVAILABLE, starts_at__lte=now, expires_at__gt=now
        )
        .select_related("batch__offer__condition__range", "batch__offer__benefit__range")
        .order_by("expires_at", "pk")
    )


def batch_results():
    """Per batch, for the admin: claimed, used and redemption rate are computed from these."""
    return CouponBatch.objects.annotate(
        used_count=Count("coupons", filter=Q(coupons__status=MemberCoupon.Status.USED)),
        held_count=Count("coupons"),
    )
