"""The errors UGC campaigns answer with; the codes are listed in docs/ugc.md."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.errors import Conflict, KitError, NotFound


class CampaignNotFound(NotFound):
    code = "ugc_campaign_not_found"
    message = _("No such UGC campaign.")


class SubmissionNotFound(NotFound):
    """Also an entry that is not in the gallery: a shopper never learns that it exists."""

    code = "submission_not_found"
    message = _("No such entry.")


class SubmissionsClosed(Conflict):
    code = "submissions_closed"
    message = _("This campaign does not take entries now.")


class ConsentRequired(KitError):
    code = "consent_required"
    message = _("Please agree to the campaign's terms before sending an entry.")


class SubmissionLimitReached(Conflict):
    code = "submission_limit_reached"
    message = _("You have sent as many entries to this campaign as one member may.")


class TooManyImages(KitError):
    code = "too_many_images"
    message = _("This entry has more images than the campaign allows.")


class EmptySubmission(KitError):
    code = "empty_submission"
    message = _("An entry needs some text or at least one image.")


class TextTooLong(KitError):
    code = "text_too_long"
    message = _("The text is longer than the campaign allows.")


class AlreadyVoted(Conflict):
    code = "already_voted"
    message = _("You have already voted for this entry.")


class CannotVoteOwn(KitError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "cannot_vote_own"
    message = _("You cannot vote for your own entry.")


class EntryNotApproved(Conflict):
    code = "entry_not_approved"
    message = _("This entry is not in the gallery.")


class VotingClosed(Conflict):
    code = "voting_closed"
    message = _("Voting is not open for this campaign.")


class DailyVotesUsed(KitError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "daily_votes_used"
    message = _("You have used all of today's votes for this campaign.")


class AppLoginRequired(Conflict):
    """WeChat checks text only against the member's openid in this mini program (the same code
    as the nickname's check, docs/members.md)."""

    code = "app_login_required"
    message = _("Please open the mini program and log in again: what you write is checked against that account.")
