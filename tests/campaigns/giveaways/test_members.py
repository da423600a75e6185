"""Two members become one, or a member exports or erases their data: a giveaway's wins follow
the survivor, who claims them from their own account, while a closed draw's published proof
re-runs exactly as before; an erased member's prize waiting to be claimed goes to the reserve
list, and the export lists every entry and win."""

import datetime as dt

import pytest

from campaigns.giveaways import draw, selectors, services
from campaigns.giveaways.models import Entry, Giveaway, Prize, Win
from storefront.members import privacy
from storefront.members.services import merge_members
from tests.campaigns.giveaways.conftest import entries_url
from tests.conftest import client_for
from tests.factories import MemberFactory, giveaway

pytestmark = pytest.mark.django_db


def shopper(**fields):
    member = MemberFactory(**fields)
    member.api = client_for(member)
    return member


def enter(member, gw):
    answer = member.api.post(entries_url(gw), {}, format="json")
    assert answer.status_code in (200, 201), answer.content
    return Entry.objects.filter(member=member, giveaway=gw).order_by("-pk").first()


def closed_draw(*members):
    """A draw giveaway each of `members` entered, now past its end and closed."""
    gw = giveaway(mode=Giveaway.Mode.DRAW, prizes=[(Prize.Kind.POINTS, 1)])
    for member in members:
        enter(member, gw)
    return services.close_entries(giveaway=gw, now=gw.ends_at + dt.timedelta(minutes=1))


def proof_rerun(gw):
    proof = selectors.proof_of(gw)
    members = {int(k): v for k, v in proof["entry_members"].items()}
    return draw.winners_of(proof["seed"], members, 1)


def test_the_absorbed_members_prize_and_open_entries_follow_the_survivor(committed):
    survivor, older = shopper(), shopper(phone="13800138009")
    open_gw = giveaway(mode=Giveaway.Mode.DRAW, prizes=[(Prize.Kind.POINTS, 1)], entries_per_member=3)
    first_come = giveaway(mode=Giveaway.Mode.FIRST_COME, prizes=[(Prize.Kind.POINTS, 5, {"points": 200})])
    enter(survivor, open_gw)
    enter(older, open_gw)
    win = enter(older, first_come).win

    with committed():
        merge_members(source=older, target=survivor, phone=older.phone, initiated_by=survivor)

    assert sorted(Entry.objects.filter(giveaway=open_gw, member=survivor).values_list("number", flat=True)) == [1, 2]
    assert Win.objects.get(pk=win.pk).member == survivor
    claimed = survivor.api.post(f"/api/v1/campaigns/prizes/{win.pk}/claim/", {}, format="json")
    assert claimed.status_code == 200, claimed.content
    # Delivered twice, the task moves nothing more.
    assert services.move_entries_of_merged_member(source_id=older.pk, target_id=survivor.pk) == {
        "entries": 0,
        "wins": 0,
    }


def test_entries_of_a_closed_draw_stay_so_its_published_proof_reruns_the_same(committed):
    survivor, older = shopper(), shopper(phone="13800138010")
    gw = closed_draw(survivor, older)
    before = selectors.proof_of(gw)

    with committed():
        merge_members(source=older, target=survivor, phone=older.phone, initiated_by=survivor)

    gw.refresh_from_db()
    assert selectors.proof_of(gw) == before
    assert Entry.objects.filter(giveaway=gw, member=older).count() == 1
    drawn = services.run_draw(giveaway=gw, now=gw.draw_at + dt.timedelta(minutes=1))
    assert proof_rerun(drawn) == list(Win.objects.filter(giveaway=gw).values_list("entry_id", flat=True))


def test_an_erased_winners_unclaimed_prize_passes_to_the_reserve_list(committed):
    winner_and_reserve = [shopper(), shopper()]
    gw = closed_draw(*winner_and_reserve)
    Giveaway.objects.filter(pk=gw.pk).update(unclaimed=Giveaway.Unclaimed.RESERVE)
    gw.refresh_from_db()
    gw = services.run_draw(giveaway=gw, now=gw.draw_at + dt.timedelta(minutes=1))
    win = Win.objects.get(giveaway=gw)
    winner = win.member
    other = next(m for m in winner_and_reserve if m.pk != winner.pk)
    assert Entry.objects.filter(member=winner).exclude(client_ip=None).exists()

    with committed():
        privacy.erase_member(member=winner, confirm=True)

    assert Win.objects.get(pk=win.pk).claim_status == Win.Claim.PASSED_ON
    assert Win.objects.get(giveaway=gw, source=Win.Source.RESERVE).member == other
    assert not Entry.objects.filter(member=winner).exclude(client_ip=None).exists()
    assert Entry.objects.filter(giveaway=gw).count() == 2  # the published entry list is unchanged


def test_the_export_lists_the_members_entries_and_wins():
    member = shopper()
    gw = giveaway(mode=Giveaway.Mode.FIRST_COME, prizes=[(Prize.Kind.POINTS, 5, {"name": "春茶积分"})])
    enter(member, gw)

    data = privacy.export_personal_data(member=member)

    assert [(e["giveaway"], e["result"]) for e in data["giveaway_entries"]] == [(gw.title, "won")]
    assert [(w["prize"], w["claim_status"]) for w in data["giveaway_wins"]] == [("春茶积分", "awaiting")]
