"""Two members become one (a phone bound on both): the absorbed member's entries, votes and
poll responses follow the survivor, without a member voting twice for one entry or for their
own entry."""

import pytest

from campaigns.polls import services as poll_services
from campaigns.polls.models import Response
from campaigns.ugc import services
from campaigns.ugc.models import Submission, Vote
from tests.campaigns.polls.conftest import survey
from tests.campaigns.ugc.conftest import approved_entry, ugc_campaign
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_survivor_keeps_the_entries_and_one_vote_per_entry(monkeypatch):
    from platforms.base import TextVerdict

    monkeypatch.setattr("campaigns.ugc.content.check_text", lambda *, member, text: ("wechat", TextVerdict("pass")))
    campaign = ugc_campaign(submissions_per_member=3)
    survivor, absorbed = MemberFactory(), MemberFactory()
    survivors_entry = approved_entry(campaign, survivor)
    absorbed_entry = approved_entry(campaign, absorbed)
    both_liked = approved_entry(campaign)
    for member in (survivor, absorbed):
        services.cast_vote(member=member, submission_id=both_liked.pk)
    services.cast_vote(member=absorbed, submission_id=survivors_entry.pk)
    s, other = survey(), survey(title="另一份")
    poll_services.respond(member=absorbed, poll_id=s.poll.pk, answers=s.answers())
    poll_services.respond(member=absorbed, poll_id=other.poll.pk, answers=other.answers())
    poll_services.respond(member=survivor, poll_id=other.poll.pk, answers=other.answers())

    services.move_entries_of_merged_member(source_id=absorbed.pk, target_id=survivor.pk)
    poll_services.move_responses_of_merged_member(source_id=absorbed.pk, target_id=survivor.pk)

    assert set(Submission.objects.filter(member=survivor).values_list("pk", flat=True)) == {
        survivors_entry.pk,
        absorbed_entry.pk,
    }
    assert list(Vote.objects.values_list("voter", "submission")) == [(survivor.pk, both_liked.pk)]
    counts = dict(Submission.objects.values_list("pk", "vote_count"))
    assert (counts[both_liked.pk], counts[survivors_entry.pk]) == (1, 0)
    assert Response.objects.filter(member=survivor).count() == 2
