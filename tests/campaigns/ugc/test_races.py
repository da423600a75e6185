"""Races on votes, on PostgreSQL: real threads, each with its own connection, released together
(skipped on SQLite, which has no row locks). A vote is a row under the unique (entry, member)
constraint, and with a daily allowance under the unique (campaign, member, day, slot)
constraint; the entry's count moves by an F() update in the same transaction. Were any of these
a count-then-write, the stories below would end with more votes than members."""

import pytest

from campaigns.ugc import services
from campaigns.ugc.errors import AlreadyVoted, DailyVotesUsed
from campaigns.ugc.models import Vote
from tests.campaigns.ugc.conftest import approved_entry, ugc_campaign
from tests.concurrency import run_concurrently
from tests.factories import MemberFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_one_member_tapping_vote_20_times_at_once_casts_one_vote():
    entry = approved_entry(ugc_campaign())
    member = MemberFactory()

    results = run_concurrently(lambda i: services.cast_vote(member=member, submission_id=entry.pk), times=20)

    entry.refresh_from_db()
    assert results.count_ok == 1
    assert len(results.errors_of(AlreadyVoted)) == 19, results.errors[:3]
    assert entry.vote_count == 1 and Vote.objects.count() == 1


def test_40_members_voting_at_once_give_exactly_40_votes():
    entry = approved_entry(ugc_campaign())
    members = MemberFactory.create_batch(40)

    results = run_concurrently(lambda i: services.cast_vote(member=members[i], submission_id=entry.pk), times=40)

    entry.refresh_from_db()
    assert results.count_ok == 40, results.errors[:3]
    assert entry.vote_count == 40 and Vote.objects.filter(submission=entry).count() == 40


def test_one_member_voting_for_20_entries_at_once_with_3_votes_a_day_casts_3():
    campaign = ugc_campaign(daily_votes=3)
    entries = [approved_entry(campaign) for _ in range(20)]
    member = MemberFactory()

    results = run_concurrently(lambda i: services.cast_vote(member=member, submission_id=entries[i].pk), times=20)

    assert results.count_ok == 3
    assert len(results.errors_of(DailyVotesUsed)) == 17, results.errors[:3]
    assert Vote.objects.filter(voter=member).count() == 3
    assert sum(e.vote_count for e in campaign.submissions.all()) == 3
