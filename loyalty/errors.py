"""The errors the loyalty domain answers with; every code is listed in docs/errors.md."""

from config.errors import Conflict, KitError


class PointsExceedBalance(KitError):
    code = "points_exceed_balance"
    message = "You do not have that many points."


class PointsExceedLimit(KitError):
    code = "points_exceed_limit"
    message = "At most `max_usable` points can be used on this order."


class PointsBelowMinimum(KitError):
    code = "points_below_minimum"
    message = "Use at least `minimum` points, or none."


class PointsNotAccepted(KitError):
    code = "points_not_accepted"
    message = "Points cannot be used to pay at the moment."


class AlreadyCheckedIn(Conflict):
    code = "already_checked_in"
    message = "You have already checked in today."


class AdjustmentRefused(KitError):
    """Staff only: a manual adjustment without a reason, of zero points, or taking more
    than the member has."""

    code = "adjustment_refused"
    message = "This adjustment is not possible."
