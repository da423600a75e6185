"""The errors the payments domain answers with; every code is listed in docs/errors.md."""

from config.errors import Conflict, KitError


class PaymentConflict(Conflict):
    code = "invalid_order_state"
    message = "The order cannot be paid in its current state."


class PaymentExpired(Conflict):
    code = "payment_expired"
    message = "The time to pay this order has passed."


class NoPlatformIdentity(KitError):
    code = "no_platform_identity"
    message = "You have not logged in with this platform, so it cannot take your payment."


class PaymentRefused(KitError):
    status_code = 502
    code = "payment_refused"
    message = "The payment platform refused the payment."


class RefundRefused(Conflict):
    code = "refund_not_possible"
    message = "This refund is not possible."
