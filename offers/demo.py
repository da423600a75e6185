"""Demo data of coupons (settings.DEMO_EXTRA_LOADERS): a coupon for new members, exactly 50 in
total and one per member, and a general coupon anyone may claim twice.

Rows are found by their name and written only when something differs; their claim windows
and validity are fixed dates far enough ahead that the coupons are claimable whenever the
demo is started, and a second load changes nothing. `remaining` is set only when a batch is
created: shoppers' claims in the demo are kept.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from storefront.demo.upsert import upsert

from . import services
from .models import CouponBatch

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPEN_FROM = dt.datetime(2026, 1, 1, tzinfo=SHANGHAI)
OPEN_UNTIL = dt.datetime(2036, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)

NEW_MEMBER_COUPON = "新人专享券"
GENERAL_COUPON = "全场满199减30"


def load_new_member_coupon() -> CouponBatch:
    """满50减10 for members without a paid order: 50 in total, one each, valid 7 days from the claim."""
    batch = upsert(
        CouponBatch,
        lookup={"name": NEW_MEMBER_COUPON},
        values={
            "description": "新会员首单可用，领取后 7 天内有效",
            "kind": CouponBatch.Kind.AMOUNT,
            "value": Decimal("10.00"),
            "min_spend": Decimal("50.00"),
            "all_products": True,
            "total": 50,
            "per_member_limit": 1,
            "audience": CouponBatch.Audience.NEW_MEMBERS,
            "claim_starts_at": OPEN_FROM,
            "claim_ends_at": OPEN_UNTIL,
            "validity": CouponBatch.Validity.DAYS,
            "valid_days": 7,
        },
        initial={"remaining": 50, "is_public": True, "is_active": True},
    )
    if batch.offer_id is None:
        services.sync_offer(batch)
    return batch


def load_general_coupon() -> CouponBatch:
    batch = upsert(
        CouponBatch,
        lookup={"name": GENERAL_COUPON},
        values={
            "description": "全场通用，每人限领 2 张",
            "kind": CouponBatch.Kind.AMOUNT,
            "value": Decimal("30.00"),
            "min_spend": Decimal("199.00"),
            "all_products": True,
            "total": 1000,
            "per_member_limit": 2,
            "audience": CouponBatch.Audience.ANYONE,
            "claim_starts_at": OPEN_FROM,
            "claim_ends_at": OPEN_UNTIL,
            "validity": CouponBatch.Validity.FIXED,
            "valid_from": OPEN_FROM,
            "valid_until": OPEN_UNTIL,
        },
        initial={"remaining": 1000, "is_public": True, "is_active": True},
    )
    if batch.offer_id is None:
        services.sync_offer(batch)
    return batch


def load_demo() -> str:
    new_member = load_new_member_coupon()
    general = load_general_coupon()
    return (
        f"offers: coupons {new_member.name} ({new_member.remaining}/{new_member.total} left), "
        f"{general.name} ({general.remaining}/{general.total} left)"
    )
