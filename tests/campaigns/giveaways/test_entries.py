"""Shoppers enter giveaways: first come first served, instant win, scheduled draws; the
limits, the points cost and eligibility; every refusal a stable code with nothing written."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.giveaways import services
from campaigns.giveaways.models import Entry, Giveaway, Prize, Win
from loyalty.models import Account, Tier
from loyalty.models import Entry as LedgerEntry
from platforms.models import NoticeLog
from tests.campaigns.giveaways.conftest import entries_url
from tests.factories import MemberFactory, giveaway, points_for, wechat_identity

pytestmark = pytest.mark.django_db


def enter(member, gw, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return member.api.post(entries_url(gw), **headers)


def test_first_come_entries_win_until_the_prizes_run_out_then_lose_without_an_error(shopper):
    gw = giveaway(mode="first_come", prizes=[(Prize.Kind.POINTS, 2)])
    others = MemberFactory.create_batch(2)
    for other in others:
        services.enter(member=other, giveaway_id=gw.pk)

    answer = enter(shopper, gw)

    assert answer.status_code == 201, answer.content
    assert answer.json()["result"] == "lost" and answer.json()["prize"] is None
    assert Win.objects.filter(giveaway=gw).count() == 2
    assert Prize.objects.get(giveaway=gw).remaining == 0


def test_a_first_come_winner_learns_the_prize_and_is_notified(shopper, prize_won_template, committed):
    gw = giveaway(mode="first_come", prizes=[(Prize.Kind.POINTS, 5, {"name": "100 积分"})])
    wechat_identity(shopper)

    with committed():
        answer = enter(shopper, gw)

    body = answer.json()
    assert answer.status_code == 201
    assert body["result"] == "won" and body["prize"]["name"] == "100 积分"
    win = Win.objects.get(pk=body["win"])
    assert win.member == shopper and win.source == Win.Source.FIRST_COME
    assert NoticeLog.objects.filter(member=shopper, event="prize_won").exists()


def test_instant_win_draws_against_the_odds_and_never_gives_more_than_the_stock(shopper):
    gw = giveaway(mode="instant", win_chance="100.00", entries_per_member=5, prizes=[(Prize.Kind.POINTS, 2)])
    results = [enter(shopper, gw, key=f"k{i}").json()["result"] for i in range(4)]
    assert results == ["won", "won", "lost", "lost"]


def test_instant_win_with_low_odds_loses_most_entries(monkeypatch, shopper):
    gw = giveaway(mode="instant", win_chance="10.00", entries_per_member=3, prizes=[(Prize.Kind.POINTS, 10)])
    draws = iter([999, 1000, 5000])  # secrets.randbelow(10000): below 1000 wins at 10%
    monkeypatch.setattr("campaigns.giveaways.services.secrets.randbelow", lambda n: next(draws))

    results = [enter(shopper, gw, key=f"k{i}").json()["result"] for i in range(3)]

    assert results == ["won", "lost", "lost"]


def test_a_scheduled_draw_entry_is_entered_until_the_draw(shopper):
    gw = giveaway(mode="draw", prizes=[(Prize.Kind.POINTS, 1)])
    answer = enter(shopper, gw)
    assert answer.status_code == 201 and answer.json()["result"] == "entered"
    assert gw.prizes.get().remaining == 1


def test_the_same_idempotency_key_answers_the_first_entry(shopper):
    gw = giveaway(entries_per_member=3)
    first = enter(shopper, gw, key="tap-1")
    again = enter(shopper, gw, key="tap-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Entry.objects.filter(member=shopper).count() == 1


def test_entry_cost_is_deducted_once_per_entry(shopper):
    gw = giveaway(mode="draw", entry_cost_points=30, entries_per_member=5)
    points_for(shopper, 100)

    enter(shopper, gw, key="a")
    enter(shopper, gw, key="a")  # a retry
    enter(shopper, gw, key="b")

    assert Account.objects.get(member=shopper).available == 40
    assert LedgerEntry.objects.filter(account__member=shopper, kind="giveaway_entry").count() == 2


@pytest.mark.parametrize(
    "fields, code, status",
    [
        ({"starts_at": "future"}, "giveaway_not_started", 409),
        ({"ends_at": "past"}, "giveaway_ended", 409),
        ({"phone_required": True}, "giveaway_not_eligible", 403),
        ({"entry_cost_points": 50}, "giveaway_not_enough_points", 409),
    ],
)
def test_bad_entries_answer_a_stable_code_and_write_nothing(shopper, fields, code, status):
    now = timezone.now()
    values = dict(fields)
    if values.get("starts_at") == "future":
        values["starts_at"], values["ends_at"] = now + dt.timedelta(hours=1), now + dt.timedelta(days=1)
    if values.get("ends_at") == "past":
        values["starts_at"], values["ends_at"] = now - dt.timedelta(days=2), now - dt.timedelta(hours=1)
    gw = giveaway(**values)
    answer = enter(shopper, gw)

    assert answer.status_code == status, answer.content
    assert answer.json()["error"]["code"] == code
    assert not Entry.objects.filter(giveaway=gw).exists()
    assert not LedgerEntry.objects.filter(account__member=shopper).exists()


def test_a_member_below_the_minimum_tier_is_not_eligible(shopper):
    gold = Tier.objects.create(code="gold", name="金卡", threshold=1000)
    gw = giveaway(min_tier=gold)
    answer = enter(shopper, gw)
    assert answer.status_code == 403
    assert answer.json()["error"] == {**answer.json()["error"], "code": "giveaway_not_eligible", "reason": "tier"}


def test_entering_beyond_the_limit_is_refused(shopper):
    gw = giveaway(entries_per_member=2, entries_per_day=1)
    assert enter(shopper, gw, key="1").status_code == 201
    second = enter(shopper, gw, key="2")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "giveaway_entry_limit_reached"
    assert second.json()["error"]["limit"] == "day"
    assert Entry.objects.filter(member=shopper).count() == 1


def test_a_draft_giveaway_is_not_found(shopper):
    gw = giveaway(publish=False)
    answer = enter(shopper, gw)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "giveaway_not_found"
    assert shopper.api.get(f"/api/v1/campaigns/giveaways/{gw.pk}/").status_code == 404


def test_a_too_long_idempotency_key_is_invalid_input(shopper):
    gw = giveaway()
    answer = enter(shopper, gw, key="k" * 65)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_input"


def test_entering_needs_a_logged_in_shopper(api):
    gw = giveaway()
    answer = api.post(entries_url(gw))
    assert answer.status_code == 401


def test_a_bot_with_a_high_wechat_risk_rank_is_kept_out(shopper):
    gw = giveaway(max_risk_rank=2)
    wechat_identity(shopper, openid="o-bot-farm-001")  # the sandbox ranks openids with "bot" at 4

    answer = enter(shopper, gw)

    assert answer.status_code == 403 and answer.json()["error"]["code"] == "giveaway_risk_refused"
    assert not Entry.objects.exists()


def test_a_low_risk_rank_is_recorded_on_the_entry(shopper):
    gw = giveaway(max_risk_rank=2)
    wechat_identity(shopper)
    answer = enter(shopper, gw)
    assert answer.status_code == 201
    assert Entry.objects.get().risk_rank == 0


@pytest.mark.parametrize("fallback, status", [("refuse", 403), ("allow_flag", 201)])
def test_an_unknown_risk_rank_is_treated_as_the_giveaway_says(fallback, status):
    from rest_framework.test import APIClient

    from platforms.sandbox.models import WeChatCode
    from tests.steps import wechat_login

    gw = giveaway(max_risk_rank=2, risk_fallback=fallback)
    shopper, openid, _login = wechat_login(APIClient())
    # Their last visit was three hours ago: WeChat then answers 61010 instead of a rank.
    WeChatCode.objects.filter(user__openid=openid).update(created_at=timezone.now() - dt.timedelta(hours=3))

    answer = shopper.post(entries_url(gw), {}, format="json")

    assert answer.status_code == status, answer.content
    if status == 201:
        assert Entry.objects.get().flagged is True and Entry.objects.get().risk_rank is None
    else:
        assert answer.json()["error"]["code"] == "giveaway_risk_refused"
        assert answer.json()["error"]["reason"] == "risk_unknown"
        assert not Entry.objects.exists()


def test_a_shopper_who_opened_the_mini_program_just_now_is_ranked():
    from rest_framework.test import APIClient

    from tests.steps import wechat_login

    gw = giveaway(max_risk_rank=2, risk_fallback="refuse")
    shopper, _openid, _login = wechat_login(APIClient())

    answer = shopper.post(entries_url(gw), {}, format="json")

    assert answer.status_code == 201, answer.content
    assert Entry.objects.get().risk_rank == 0 and not Entry.objects.get().flagged


def test_new_members_only_refuses_a_member_with_a_paid_order(shopper, monkeypatch):
    gw = giveaway(new_members_only=True)
    monkeypatch.setattr("offers.selectors.is_new_member", lambda member: False)
    answer = enter(shopper, gw)
    assert answer.status_code == 403
    assert answer.json()["error"]["reason"] == "new_members_only"


def test_a_giveaway_of_awarded_prizes_takes_no_entries(shopper):
    gw = giveaway(mode=Giveaway.Mode.AWARDED)
    gw.status = Giveaway.Status.PUBLISHED
    answer = enter(shopper, gw)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "giveaway_takes_no_entries"
    assert not Entry.objects.exists()
