"""The errors polls answer with; the codes are listed in docs/polls.md."""

from django.utils.translation import gettext_lazy as _

from config.errors import Conflict, KitError, NotFound


class PollNotFound(NotFound):
    code = "poll_not_found"
    message = _("No such poll.")


class PollClosed(Conflict):
    """Not started, ended, or switched off."""

    code = "poll_closed"
    message = _("This poll does not take answers now.")


class PollFull(Conflict):
    code = "poll_full"
    message = _("This poll has received all the answers it needs.")


class AlreadyAnswered(Conflict):
    code = "already_answered"
    message = _("You have already answered this poll.")


class InvalidAnswers(KitError):
    """An unknown question or choice, a missing required answer, too many choices, a rating out
    of range: `fields` names the question (`answers.<question id>`)."""

    code = "invalid_answers"
    message = _("Some answers do not fit the questions.")


class AnswerRisky(KitError):
    code = "content_risky"
    message = _("A written answer did not pass the platform's content check.")
