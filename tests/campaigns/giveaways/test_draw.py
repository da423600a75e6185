"""A scheduled draw anyone can check: the commitment shown at publishing, the entries frozen at
the close, the seed revealed at the draw, and winners recomputed here, independently of the
kit's code, from the published algorithm (hmac-sha256-rank-v1)."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from campaigns.giveaways import services
from campaigns.giveaways.errors import DrawRefused
from campaigns.giveaways.models import Entry, Giveaway, Prize, Win
from tests.factories import MemberFactory, giveaway

pytestmark = pytest.mark.django_db


def drawn_giveaway(entrants=12, *, per_member=1, prizes=((Prize.Kind.POINTS, 2), (Prize.Kind.POINTS, 1))):
    gw = giveaway(mode="draw", entries_per_member=per_member, prizes=prizes)
    members = MemberFactory.create_batch(entrants)
    for member in members:
        for n in range(per_member):
            services.enter(member=member, giveaway_id=gw.pk, idempotency_key=f"e{n}")
    later = gw.ends_at + dt.timedelta(minutes=1)
    return services.run_draw(giveaway=gw, now=later), members


def independent_winners(proof):
    """The algorithm as docs/giveaways.md states it, written from the text alone."""
    seed = bytes.fromhex(proof["seed"])
    scores = {e: hmac.new(seed, str(e).encode(), hashlib.sha256).hexdigest() for e in proof["entries"]}
    order = sorted(proof["entries"], key=lambda e: (scores[e], e))
    units = sum(p["quantity"] for p in proof["prizes"])
    winners, seen = [], set()
    for entry in order:
        member = proof["entry_members"][str(entry)]
        if member in seen:
            continue
        seen.add(member)
        winners.append(entry)
        if len(winners) == units:
            break
    return winners


def test_publishing_a_draw_shows_the_commitment_and_keeps_the_seed(api):
    gw = giveaway(mode="draw")
    proof = api.get(f"/api/v1/campaigns/giveaways/{gw.pk}/proof/").json()
    assert len(proof["commitment"]) == 64
    assert proof["seed"] == "" and proof["winners"] == [] and proof["entries"] == []
    assert api.get(f"/api/v1/campaigns/giveaways/{gw.pk}/").json()["commitment"] == proof["commitment"]


def test_anyone_recomputes_the_winners_from_the_proof(api):
    gw, _ = drawn_giveaway(entrants=12, per_member=2)

    proof = api.get(f"/api/v1/campaigns/giveaways/{gw.pk}/proof/").json()

    assert proof["algorithm"] == "hmac-sha256-rank-v1"
    assert hashlib.sha256(bytes.fromhex(proof["seed"])).hexdigest() == proof["commitment"]
    text = "\n".join(str(e) for e in sorted(proof["entries"]))
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == proof["entries_hash"]
    assert proof["entries"] == sorted(Entry.objects.filter(giveaway=gw).values_list("pk", flat=True))
    assert proof["winners"] == independent_winners(proof)
    assert len(proof["winners"]) == 3
    assert len({proof["entry_members"][str(w)] for w in proof["winners"]}) == 3  # one prize per member


def test_prizes_are_handed_out_in_the_order_the_marketer_listed_them():
    gw, _ = drawn_giveaway(entrants=5, prizes=[(Prize.Kind.POINTS, 1, {"name": "头奖"}), (Prize.Kind.POINTS, 2)])
    wins = list(Win.objects.filter(giveaway=gw).order_by("pk").values_list("prize__name", flat=True))
    assert wins[0] == "头奖" and len(wins) == 3


def test_member_references_reveal_nobody_and_are_one_per_member(api):
    gw, members = drawn_giveaway(entrants=3, per_member=2)
    proof = api.get(f"/api/v1/campaigns/giveaways/{gw.pk}/proof/").json()
    refs = proof["entry_members"]
    assert len(set(refs.values())) == 3
    assert not any(str(m.pk) == ref or m.username in ref for m in members for ref in refs.values())


def test_fewer_entrants_than_prizes_gives_one_prize_each():
    gw, _ = drawn_giveaway(entrants=2, prizes=[(Prize.Kind.POINTS, 5)])
    assert Win.objects.filter(giveaway=gw).count() == 2
    assert gw.prizes.get().remaining == 3


def test_a_draw_is_run_once_and_not_before_the_end():
    gw = giveaway(mode="draw")
    with pytest.raises(DrawRefused):
        services.run_draw(giveaway=gw)
    drawn, _ = drawn_giveaway(entrants=3)
    with pytest.raises(DrawRefused):
        services.run_draw(giveaway=drawn, now=drawn.ends_at + dt.timedelta(hours=1))


def test_the_close_freezes_the_entries_and_a_late_entry_is_refused():
    gw = giveaway(mode="draw")
    member = MemberFactory()
    services.enter(member=member, giveaway_id=gw.pk)
    closed = services.close_entries(giveaway=gw, now=gw.ends_at)
    assert closed.status == Giveaway.Status.CLOSED and closed.entries_frozen == 1
    from campaigns.giveaways.errors import GiveawayEnded

    with pytest.raises(GiveawayEnded):
        services.enter(member=MemberFactory(), giveaway_id=gw.pk, now=gw.ends_at - dt.timedelta(minutes=1))


def test_the_command_re_runs_the_draw_from_its_proof(tmp_path, capsys, api):
    gw, _ = drawn_giveaway(entrants=8)
    proof = api.get(f"/api/v1/campaigns/giveaways/{gw.pk}/proof/").json()
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof), encoding="utf-8")

    call_command("verify_giveaway_draw", proof=str(path))

    out = capsys.readouterr().out
    assert "✓" in out and ", ".join(str(w) for w in proof["winners"]) in out


def test_the_command_catches_a_tampered_proof(tmp_path):
    gw, _ = drawn_giveaway(entrants=8)
    from campaigns.giveaways import selectors

    proof = selectors.proof_of(gw)
    proof["winners"] = list(reversed(proof["winners"]))
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof), encoding="utf-8")

    with pytest.raises(SystemExit) as exit_:
        call_command("verify_giveaway_draw", proof=str(path))
    assert exit_.value.code == 1


def test_the_beat_schedule_closes_and_draws_a_due_giveaway(monkeypatch):
    gw = giveaway(mode="draw")
    services.enter(member=MemberFactory(), giveaway_id=gw.pk)
    later = gw.ends_at + dt.timedelta(minutes=5)
    assert services.close_due(now=later) == 1
    assert services.draw_due(now=later) == 1
    gw.refresh_from_db()
    assert gw.status == Giveaway.Status.DRAWN and Win.objects.filter(giveaway=gw).count() == 1


def test_a_scheduled_publish_publishes_a_draft_at_its_time():
    gw = giveaway(mode="draw", publish=False, publish_at=timezone.now() - dt.timedelta(minutes=1))
    assert services.publish_due() == 1
    gw.refresh_from_db()
    assert gw.status == Giveaway.Status.PUBLISHED and gw.commitment
