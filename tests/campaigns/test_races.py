"""Races of visits and joins on PostgreSQL: real threads, each with its own connection,
released together (skipped on SQLite, which has no row locks).

A flaky network repeats a launch report; a shopper's two devices log in at once; two new
members claim the same client's visits. Each is counted once: the unique (visitor, launch)
key keeps one visit, the member's attribution row is locked while it is recomputed, and a
visit is claimed by an update that only takes visits nobody has yet."""

import pytest
from rest_framework.test import APIClient

from campaigns import services
from campaigns.models import Attribution, Visit
from tests.concurrency import run_concurrently
from tests.factories import EntryPointFactory, MemberFactory, staff_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

VISITOR = "visitor-race-000001"


def test_the_same_launch_reported_eight_times_at_once_is_one_visit():
    entry = EntryPointFactory()
    body = {"scene": 1047, "query": {"scene": entry.scene}, "visitor": VISITOR, "launch": "launch-1"}

    results = run_concurrently(
        lambda i: APIClient(REMOTE_ADDR=f"10.0.0.{i + 1}").post("/api/v1/visits/", body, format="json").status_code,
        times=8,
    )

    assert results.errors == []
    assert results.values == [202] * 8
    assert Visit.objects.count() == 1


def test_two_logins_joining_the_same_visits_at_once_count_the_new_member_once():
    entry = staff_code()
    member = MemberFactory()
    for launch in ("a", "b", "c"):
        services.record_visit(visitor=VISITOR, launch=launch, scene_value=1047, query={"scene": entry.scene})

    results = run_concurrently(
        lambda i: services.join_visits(member_id=member.pk, visitor=VISITOR, joined=True).pk, times=6
    )

    assert results.errors == []
    assert len(set(results.values)) == 1
    assert Attribution.objects.filter(member=member).count() == 1
    attribution = Attribution.objects.get(member=member)
    assert attribution.joined_entry_point == entry and attribution.credited_staff == entry.staff
    assert Visit.objects.filter(member=member).count() == 3


def test_two_new_members_claiming_one_clients_visits_at_once_split_nothing_twice():
    entry = staff_code()
    members = [MemberFactory(), MemberFactory()]
    for launch in ("a", "b"):
        services.record_visit(visitor=VISITOR, launch=launch, scene_value=1047, query={"scene": entry.scene})

    results = run_concurrently(
        lambda i: services.join_visits(member_id=members[i].pk, visitor=VISITOR, joined=True), times=2
    )

    assert results.errors == []
    assert Visit.objects.filter(member__isnull=True).count() == 0
    assert Visit.objects.filter(member__in=members).values("member").distinct().count() >= 1
    # The staff member is credited at most once per claimed visit set: never both members for one launch.
    credited = Attribution.objects.filter(joined_entry_point=entry).count()
    owners = Visit.objects.values("member").distinct().count()
    assert credited == owners
