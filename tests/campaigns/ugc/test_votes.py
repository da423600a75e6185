"""Shoppers vote for entries in the gallery: one vote per member per entry, never their own,
never an entry that is not in the gallery, within the voting period and the daily allowance;
winners by votes at the end of voting, or chosen by marketers."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.giveaways.models import Prize, Win
from campaigns.ugc import api as ugc_api
from campaigns.ugc import services
from campaigns.ugc.models import Submission, Vote
from tests.campaigns.ugc.conftest import approved_entry, ugc_campaign
from tests.conftest import client_for
from tests.factories import MemberFactory
from tests.factories.giveaways import giveaway

pytestmark = pytest.mark.django_db


def vote(client, submission):
    return client.post(f"/api/v1/campaigns/submissions/{submission.pk}/votes/")


def test_a_vote_counts_once_and_a_second_vote_is_refused():
    campaign = ugc_campaign()
    entry = approved_entry(campaign)
    voter = client_for(MemberFactory())

    first, second = vote(voter, entry), vote(voter, entry)

    assert first.status_code == 201 and first.json()["vote_count"] == 1
    assert (second.status_code, second.json()["error"]["code"]) == (409, "already_voted")
    entry.refresh_from_db()
    assert entry.vote_count == 1 and Vote.objects.count() == 1


def test_votes_that_break_the_rules_are_refused_and_nothing_is_counted():
    campaign = ugc_campaign()
    author = MemberFactory()
    own = approved_entry(campaign, author)
    pending = approved_entry(campaign)
    Submission.objects.filter(pk=pending.pk).update(status="pending")
    rejected = approved_entry(campaign)
    Submission.objects.filter(pk=rejected.pk).update(status="rejected", reason="不符合活动要求")
    past = timezone.now() - dt.timedelta(days=20)
    closed = approved_entry(ugc_campaign(voting_starts_at=past, voting_ends_at=past + dt.timedelta(days=3)))
    no_voting = approved_entry(ugc_campaign(voting_enabled=False, voting_starts_at=None, voting_ends_at=None))
    voter = client_for(MemberFactory())

    answers = [
        vote(client_for(author), own),
        vote(voter, pending),
        vote(voter, rejected),
        vote(voter, closed),
        vote(voter, no_voting),
        voter.post("/api/v1/campaigns/submissions/999999/votes/"),
    ]

    assert [(r.status_code, r.json()["error"]["code"]) for r in answers] == [
        (403, "cannot_vote_own"),
        (409, "entry_not_approved"),
        (409, "entry_not_approved"),
        (409, "voting_closed"),
        (409, "voting_closed"),
        (404, "submission_not_found"),
    ]
    assert Vote.objects.count() == 0
    assert set(Submission.objects.values_list("vote_count", flat=True)) == {0}


def test_the_daily_allowance_runs_out_and_comes_back_the_next_day():
    campaign = ugc_campaign(daily_votes=2)
    entries = [approved_entry(campaign) for _ in range(3)]
    member = MemberFactory()
    voter = client_for(member)

    answers = [vote(voter, entry) for entry in entries]

    assert [r.status_code for r in answers] == [201, 201, 429]
    assert answers[1].json()["votes_left_today"] == 0
    assert answers[2].json()["error"]["code"] == "daily_votes_used"
    tomorrow = timezone.now() + dt.timedelta(days=1)
    services.cast_vote(member=member, submission_id=entries[2].pk, now=tomorrow)
    assert Vote.objects.filter(voter=member).count() == 3


def test_voting_is_rate_limited(monkeypatch):
    monkeypatch.setattr(ugc_api.VoteThrottle, "THROTTLE_RATES", {"ugc_votes": "2/min"})
    campaign = ugc_campaign()
    entries = [approved_entry(campaign) for _ in range(3)]
    voter = client_for(MemberFactory())

    answers = [vote(voter, entry) for entry in entries]

    assert [r.status_code for r in answers] == [201, 201, 429]
    assert answers[2].json()["error"]["code"] == "rate_limited"


def test_at_the_end_of_voting_the_top_entries_win_once():
    past = timezone.now() - dt.timedelta(days=10)
    campaign = ugc_campaign(
        winners_count=2, voting_starts_at=past, voting_ends_at=past + dt.timedelta(days=5), winners_by="votes"
    )
    low, top, middle = (
        approved_entry(campaign, votes=1),
        approved_entry(campaign, votes=9),
        approved_entry(campaign, votes=5),
    )

    assert services.choose_vote_winners() == 2
    assert services.choose_vote_winners() == 0  # the next run finds nothing to do

    ranks = dict(Submission.objects.values_list("pk", "rank"))
    assert (ranks[top.pk], ranks[middle.pk], ranks[low.pk]) == (1, 2, None)
    assert Submission.objects.get(pk=top.pk).won_by == "votes"
    campaign.refresh_from_db()
    assert campaign.winners_chosen_at is not None


def test_marketers_choose_winners_only_among_approved_entries():
    campaign = ugc_campaign(winners_by="marketers")
    chosen = approved_entry(campaign)
    pending = approved_entry(campaign)
    Submission.objects.filter(pk=pending.pk).update(status="pending")

    won = services.choose_winners(campaign, [chosen, pending], by="marketers")
    again = services.choose_winners(campaign, [chosen], by="marketers")

    assert [s.pk for s in won] == [chosen.pk] and again == []
    chosen.refresh_from_db()
    assert (chosen.rank, chosen.won_by) == (1, "marketers")


def test_winning_entries_get_the_campaigns_prize_once_each_while_it_lasts(committed):
    pool = giveaway(mode="awarded", prizes=((Prize.Kind.POINTS, 1, {"points": 500}),))
    campaign = ugc_campaign(winners_by="marketers", prize_award=pool.prizes.get())
    first, second = approved_entry(campaign), approved_entry(campaign)

    with committed():
        won = services.choose_winners(campaign, [first, second], by="marketers")

    assert [s.pk for s in won] == [first.pk, second.pk]
    first.refresh_from_db(), second.refresh_from_db()
    win = Win.objects.get()
    assert (first.prize_win, win.member, win.source, win.claim_status) == (win, first.member, "ugc", Win.Claim.AWAITING)
    assert second.prize_win is None  # the one unit went to the first winner
    assert pool.prizes.get().remaining == 0
    # The winner claims it as any giveaway winner does.
    with committed():
        claimed = client_for(first.member).post(f"/api/v1/campaigns/prizes/{win.pk}/claim/", {}, format="json")
    assert claimed.status_code == 200, claimed.content
    win.refresh_from_db()
    assert (win.claim_status, win.fulfilment) == (Win.Claim.CLAIMED, Win.Fulfilment.DONE)  # 500 points credited
