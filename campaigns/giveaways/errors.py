"""The errors giveaways answer with; the codes are listed in docs/giveaways.md ("Error codes")."""

from rest_framework import status

from config.errors import Conflict, KitError, NotFound


class GiveawayNotFound(NotFound):
    """Also a draft: shoppers never learn that an unpublished giveaway exists."""

    code = "giveaway_not_found"
    message = "No such giveaway."


class GiveawayNotStarted(Conflict):
    code = "giveaway_not_started"
    message = "This giveaway has not started yet."


class GiveawayEnded(Conflict):
    code = "giveaway_ended"
    message = "This giveaway has ended."


class GiveawayTakesNoEntries(Conflict):
    """A giveaway whose prizes are given by marketers or another campaign."""

    code = "giveaway_takes_no_entries"
    message = "This giveaway cannot be entered."


class GiveawayNotEligible(KitError):
    """`error.reason`: phone_required, tier, new_members_only."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "giveaway_not_eligible"
    message = "This giveaway is for other members."


class GiveawayRiskRefused(KitError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "giveaway_risk_refused"
    message = "This entry cannot be accepted."


class EntryLimitReached(Conflict):
    """`error.limit`: "total" or "day"."""

    code = "giveaway_entry_limit_reached"
    message = "You have entered as many times as one member may."


class NotEnoughPoints(Conflict):
    code = "giveaway_not_enough_points"
    message = "You do not have enough points to enter."


class PrizeSoldOut(Conflict):
    code = "prize_sold_out"
    message = "No unit of this prize is left."


class WinNotFound(NotFound):
    """Also another member's prize."""

    code = "prize_not_found"
    message = "No such prize."


class PrizeAlreadyClaimed(Conflict):
    code = "prize_already_claimed"
    message = "This prize has already been claimed."


class PrizeClaimExpired(Conflict):
    code = "prize_claim_expired"
    message = "The time to claim this prize has passed."


class PrizeNeedsAddress(KitError):
    code = "prize_address_required"
    message = "Choose one of your addresses for this prize to be sent to."


class PrizeNeedsWeChat(Conflict):
    """A cash prize is paid by WeChat Pay's merchant transfer, to a WeChat account."""

    code = "prize_needs_wechat"
    message = "A cash prize is paid to a WeChat account; open the store in WeChat to claim it."


class DrawRefused(Conflict):
    """Staff only: a draw before the close, twice, or of a giveaway that is not a draw."""

    code = "giveaway_draw_refused"
    message = "This giveaway cannot be drawn now."
