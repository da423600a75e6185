"""The shopper API around entries: the list and a giveaway's page, the member's own entries
and prizes (never another's), and list endpoints whose query count does not grow with the page."""

import pytest

from campaigns.giveaways import services
from campaigns.giveaways.models import Prize
from tests.factories import MemberFactory, giveaway, wechat_identity

pytestmark = pytest.mark.django_db


def test_the_list_shows_active_and_past_giveaways_with_prizes_left(api):
    active = giveaway(mode="first_come", prizes=[(Prize.Kind.POINTS, 20)])
    giveaway(mode="draw", publish=False)
    services.enter(member=MemberFactory(), giveaway_id=active.pk)

    body = api.get("/api/v1/campaigns/giveaways/").json()

    assert [g["id"] for g in body["results"]] == [active.pk]
    row = body["results"][0]
    assert row["slug"] == active.slug and row["mode"] == "first_come" and row["prizes_left"] == 19
    assert api.get("/api/v1/campaigns/giveaways/?status=finished").json()["count"] == 0
    assert api.get("/api/v1/campaigns/giveaways/?status=nonsense").status_code == 400


def test_the_detail_says_whether_i_may_enter(shopper):
    gw = giveaway(entries_per_member=1, phone_required=False)
    url = f"/api/v1/campaigns/giveaways/{gw.pk}/"
    assert shopper.api.get(url).json()["me"] == {"can_enter": True, "reason": None, "entries": 0, "entries_left": 1}
    services.enter(member=shopper, giveaway_id=gw.pk)
    me = shopper.api.get(url).json()["me"]
    assert me["can_enter"] is False and me["reason"] == "limit_reached"


def test_my_entries_list_only_mine(shopper):
    gw = giveaway(mode="first_come", entries_per_member=3)
    mine, _ = services.enter(member=shopper, giveaway_id=gw.pk)
    services.enter(member=MemberFactory(), giveaway_id=gw.pk)

    body = shopper.api.get("/api/v1/campaigns/me/entries/").json()

    assert [e["id"] for e in body["results"]] == [mine.pk]
    assert body["results"][0]["result"] == "won" and body["results"][0]["win"] == mine.win.pk


def test_my_prizes_list_only_mine_with_their_state(shopper):
    gw = giveaway(mode="first_come", entries_per_member=2)
    mine, _ = services.enter(member=shopper, giveaway_id=gw.pk)
    services.enter(member=MemberFactory(), giveaway_id=gw.pk)

    body = shopper.api.get("/api/v1/campaigns/me/prizes/").json()

    assert [w["id"] for w in body["results"]] == [mine.win.pk]
    assert body["results"][0]["claim_status"] == "awaiting" and body["results"][0]["transfer"] is None


def test_my_prizes_take_the_same_queries_for_one_or_ten(shopper, django_assert_max_num_queries):
    gw = giveaway(mode="first_come", entries_per_member=10)
    services.enter(member=shopper, giveaway_id=gw.pk, idempotency_key="0")
    with django_assert_max_num_queries(6) as one:
        shopper.api.get("/api/v1/campaigns/me/prizes/")
    for i in range(1, 10):
        services.enter(member=shopper, giveaway_id=gw.pk, idempotency_key=str(i))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert shopper.api.get("/api/v1/campaigns/me/prizes/").json()["count"] == 10


def test_the_list_of_giveaways_takes_the_same_queries_for_one_or_ten(api, django_assert_max_num_queries):
    giveaway()
    with django_assert_max_num_queries(4) as one:
        api.get("/api/v1/campaigns/giveaways/")
    for _ in range(9):
        giveaway(prizes=[(Prize.Kind.POINTS, 5), (Prize.Kind.POINTS, 5)])
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert api.get("/api/v1/campaigns/giveaways/").json()["count"] == 10


def test_my_entries_take_the_same_queries_for_one_or_ten(shopper, django_assert_max_num_queries):
    gw = giveaway(mode="first_come", entries_per_member=10)
    services.enter(member=shopper, giveaway_id=gw.pk, idempotency_key="0")
    with django_assert_max_num_queries(6) as one:
        shopper.api.get("/api/v1/campaigns/me/entries/")
    for i in range(1, 10):
        services.enter(member=shopper, giveaway_id=gw.pk, idempotency_key=str(i))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert shopper.api.get("/api/v1/campaigns/me/entries/").json()["count"] == 10


def test_an_entry_takes_a_bounded_number_of_queries(shopper, django_assert_max_num_queries):
    gw = giveaway(mode="first_come", max_risk_rank=2)
    wechat_identity(shopper)
    with django_assert_max_num_queries(30):
        assert shopper.api.post(f"/api/v1/campaigns/giveaways/{gw.pk}/entries/").status_code == 201


def test_the_schema_documents_every_giveaway_operation(api):
    schema = api.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/campaigns/giveaways/",
        "/api/v1/campaigns/giveaways/{id}/",
        "/api/v1/campaigns/giveaways/{id}/entries/",
        "/api/v1/campaigns/giveaways/{id}/proof/",
        "/api/v1/campaigns/me/entries/",
        "/api/v1/campaigns/me/prizes/",
        "/api/v1/campaigns/prizes/{id}/claim/",
    ):
        assert path in schema["paths"], path
