"""Races on giveaways, on PostgreSQL: real threads, each with its own connection, released
together (skipped on SQLite). At most 40 threads; the 500-entry figure is bench/run.py's.

A prize unit is taken by a conditional UPDATE and an entry is numbered under unique
constraints; were either a read-then-write, these stories would end with more winners than
prizes, a member beyond their limit, or points deducted twice."""

import pytest

from campaigns.giveaways import services
from campaigns.giveaways.errors import EntryLimitReached
from campaigns.giveaways.models import Entry, Prize, Win
from loyalty.models import Account
from loyalty.models import Entry as LedgerEntry
from tests.concurrency import run_concurrently
from tests.factories import MemberFactory, giveaway, points_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_40_members_entering_at_once_for_10_first_come_prizes_make_exactly_10_winners():
    gw = giveaway(mode="first_come", prizes=[(Prize.Kind.POINTS, 10)])
    members = MemberFactory.create_batch(40)

    results = run_concurrently(lambda i: services.enter(member=members[i], giveaway_id=gw.pk), times=40)

    assert results.count_ok == 40, results.errors[:3]
    assert sorted(entry.result for entry, _ in results.values).count("won") == 10
    assert Win.objects.filter(giveaway=gw).count() == 10
    assert len(set(Win.objects.filter(giveaway=gw).values_list("member", flat=True))) == 10
    assert Prize.objects.get(giveaway=gw).remaining == 0


def test_40_instant_entries_with_sure_odds_for_10_prizes_make_exactly_10_winners():
    gw = giveaway(mode="instant", win_chance="100.00", prizes=[(Prize.Kind.POINTS, 6), (Prize.Kind.POINTS, 4)])
    members = MemberFactory.create_batch(40)

    run_concurrently(lambda i: services.enter(member=members[i], giveaway_id=gw.pk), times=40)

    assert Win.objects.filter(giveaway=gw).count() == 10
    assert list(Prize.objects.filter(giveaway=gw).values_list("remaining", flat=True)) == [0, 0]


def test_one_member_tapping_ten_times_with_one_key_makes_one_entry_and_pays_once():
    gw = giveaway(mode="draw", entry_cost_points=10, entries_per_member=5)
    member = MemberFactory()
    points_for(member, 100)

    results = run_concurrently(
        lambda i: services.enter(member=member, giveaway_id=gw.pk, idempotency_key="one-tap"), times=10
    )

    assert results.count_ok == 10, results.errors[:3]
    assert len({entry.pk for entry, _ in results.values}) == 1
    assert sum(created for _, created in results.values) == 1
    assert Entry.objects.filter(member=member).count() == 1
    assert Account.objects.get(member=member).available == 90
    assert LedgerEntry.objects.filter(account__member=member, kind="giveaway_entry").count() == 1


def test_one_member_entering_ten_times_at_once_never_passes_the_limit_and_pays_per_entry():
    gw = giveaway(mode="draw", entry_cost_points=10, entries_per_member=3)
    member = MemberFactory()
    points_for(member, 100)

    results = run_concurrently(lambda i: services.enter(member=member, giveaway_id=gw.pk), times=10)

    assert results.count_ok == 3
    assert len(results.errors_of(EntryLimitReached)) == 7, results.errors[:3]
    assert Entry.objects.filter(member=member).count() == 3
    assert Account.objects.get(member=member).available == 70


def test_awarding_one_submission_twice_at_once_is_one_win():
    gw = giveaway(mode="awarded", prizes=[(Prize.Kind.POINTS, 5)])
    prize = gw.prizes.get()
    member = MemberFactory()

    results = run_concurrently(
        lambda i: services.award_prize(prize=prize, member=member, source="ugc", reference="submission:7"), times=10
    )

    assert results.count_ok == 10, results.errors[:3]
    assert len({win.pk for win in results.values}) == 1
    prize.refresh_from_db()
    assert prize.remaining == 4
