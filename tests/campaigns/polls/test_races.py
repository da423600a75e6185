"""Races on poll responses, on PostgreSQL (skipped on SQLite): the response row is unique per
member and poll, and a place of the quota is taken by one conditional UPDATE in the same
transaction, so concurrent responses end with exactly the quota and one per member."""

import pytest

from campaigns.polls import services
from campaigns.polls.errors import AlreadyAnswered, PollFull
from campaigns.polls.models import Response
from tests.campaigns.polls.conftest import survey
from tests.concurrency import run_concurrently
from tests.factories import MemberFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_40_members_answering_a_poll_with_a_quota_of_15_at_once_give_exactly_15():
    s = survey(quota=15)
    members = MemberFactory.create_batch(40)

    results = run_concurrently(
        lambda i: services.respond(member=members[i], poll_id=s.poll.pk, answers=s.answers()), times=40
    )

    s.poll.refresh_from_db()
    assert results.count_ok == 15
    assert len(results.errors_of(PollFull)) == 25, results.errors[:3]
    assert s.poll.responses_count == 15 and Response.objects.filter(poll=s.poll).count() == 15


def test_one_member_sending_a_response_ten_times_at_once_answers_once():
    s = survey(quota=100)
    member = MemberFactory()

    results = run_concurrently(
        lambda i: services.respond(member=member, poll_id=s.poll.pk, answers=s.answers()), times=10
    )

    s.poll.refresh_from_db()
    assert results.count_ok == 1
    assert len(results.errors_of(AlreadyAnswered)) == 9, results.errors[:3]
    assert s.poll.responses_count == 1
