"""The errors the coupon domain answers with; the codes are listed in docs/offers.md."""

from rest_framework import status

from config.errors import Conflict, KitError, NotFound


class CouponNotFound(NotFound):
    """Also another member's coupon: a shopper never learns that an id exists."""

    code = "coupon_not_found"
    message = "No such coupon."


class CouponSoldOut(Conflict):
    code = "coupon_sold_out"
    message = "All of these coupons have been claimed."


class CouponLimitReached(Conflict):
    code = "coupon_limit_reached"
    message = "You already hold as many of these coupons as one member may."


class CouponNotEligible(KitError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "coupon_not_eligible"
    message = "This coupon is for other members."


class CouponNotClaimable(Conflict):
    """The claim window has not opened yet, or has closed."""

    code = "coupon_not_claimable"
    message = "This coupon cannot be claimed now."


class CouponExpired(KitError):
    code = "coupon_expired"
    message = "This coupon has expired."


class CouponNotStarted(KitError):
    code = "coupon_not_started"
    message = "This coupon cannot be used yet."


class CouponUsed(Conflict):
    code = "coupon_used"
    message = "This coupon has already been used."


class CouponNotApplicable(KitError):
    """The basket does not reach the minimum spend or holds nothing the coupon covers."""

    code = "coupon_not_applicable"
    message = "This coupon does not apply to the items in your basket."


class CouponNotCombinable(KitError):
    code = "coupon_not_combinable"
    message = "A coupon cannot be used together with a voucher code; remove the code or choose no coupon."


class GrantRefused(KitError):
    """Staff only: pushing coupons of an inactive batch, or more than are left."""

    code = "coupon_grant_refused"
    message = "These coupons cannot be sent."
