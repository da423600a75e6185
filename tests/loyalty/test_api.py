"""The shopper's loyalty endpoints over HTTP: the account a new and a seasoned member see, the
ledger (only their own, newest first, a page costing the same queries whatever its size),
the daily check-in on the Shanghai calendar with its streak and cycle rewards, and the tiers.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from loyalty import services
from loyalty.models import Account, BonusRule, CheckIn, CheckInReward, Entry, Rules
from tests.conftest import client_for
from tests.factories import MemberFactory, fill_basket, place, sku
from tests.loyalty.conftest import balances, grant
from tests.steps import ok

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
ACCOUNT, LEDGER, CHECK_IN, TIERS = (
    "/api/v1/loyalty/account/",
    "/api/v1/loyalty/ledger/",
    "/api/v1/loyalty/check-in/",
    "/api/v1/loyalty/tiers/",
)


def beijing(text) -> dt.datetime:
    """A moment on the Beijing clock ("2026-03-10 23:59")."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def check_in_at(member, moment):
    """The member taps check-in at `moment` (a fresh client: its token is valid then)."""
    with freeze_time(moment):
        return client_for(member).post(CHECK_IN)


def account_at(member, moment):
    with freeze_time(moment):
        return ok(client_for(member).get(ACCOUNT))


# --- the account ---------------------------------------------------------------------------------
def test_a_new_member_sees_zero_points_the_base_tier_and_the_way_to_the_next(member, member_api, rules, tiers):
    body = ok(member_api.get(ACCOUNT))

    assert (body["available"], body["pending"], body["reserved"], body["lifetime_points"]) == (0, 0, 0, 0)
    assert (body["value"], body["currency"]) == ("0.00", "CNY")
    assert body["tier"] == {"code": "member", "name": "会员", "multiplier": "1.00", "benefits": ""}
    next_tier = body["next_tier"]
    assert (next_tier["code"], next_tier["threshold"], next_tier["basis"]) == ("silver", 1000, "lifetime_points")
    assert (next_tier["progress"], next_tier["remaining"]) == (0, 1000)
    assert body["expiring_soon"] == {"points": 0, "days": 30, "by_date": []}
    assert (body["checked_in_today"], body["streak"]) == (False, 0)
    assert body["rules"] == {"redeem_points_per_yuan": 100, "redeem_min_points": 100, "redeem_max_share": "50.00"}
    assert not Account.objects.exists()  # reading opens no account


def test_without_tiers_or_saved_rules_the_account_still_answers(member, member_api):
    body = ok(member_api.get(ACCOUNT))
    assert (body["available"], body["tier"], body["next_tier"]) == (0, None, None)
    assert body["rules"]["redeem_points_per_yuan"] == 100  # the defaults


def test_a_member_with_history_sees_balances_tier_progress_and_what_expires_by_shanghai_date(
    rules, tiers, points_staff, order_steps
):
    rules.expiry, rules.expiry_days = Rules.Expiry.DAYS, 30
    rules.save()
    BonusRule.objects.create(kind=BonusRule.Kind.UGC_APPROVED, points=1500)
    member = MemberFactory()
    # 17:00 UTC is 01:00 the next day in Beijing: the lot's date is Beijing's.
    with freeze_time("2026-03-01 17:00:00+00:00"):  # expires 2026-03-31 17:00 UTC = 04-01 01:00 Beijing
        grant(member, 300, staff=points_staff)
    with freeze_time("2026-03-05 02:00:00+00:00"):  # expires 2026-04-04 10:00 Beijing
        grant(member, 200, staff=points_staff)
        services.award_bonus(member=member, kind=BonusRule.Kind.UGC_APPROVED, reference="ugc:1")
    now = beijing("2026-03-20 12:00")
    with freeze_time(now):
        # An order paid (its points pending) and one placed with points (reserved).
        fill_basket(member, (sku(price="120.00"), 1))
        paid = place(member)
        order_steps.pay(paid)
        fill_basket(member, (sku(price="80.00"), 1))
        place(member, use_points=250)  # taken from the lot expiring first: 50 of its 300 are left
        check_in_at(member, now)

    body = account_at(member, now + dt.timedelta(minutes=1))

    # 300 + 200 + 1500 granted, 250 reserved, 5 for today's check-in; the paid order's points pending.
    assert (body["available"], body["pending"], body["reserved"]) == (1755, 180, 250)  # 120 yuan x1.5 (银卡)
    assert body["lifetime_points"] == 1505  # the bonus and the check-in; manual grants are not earned points
    assert body["value"] == "17.55"
    assert body["tier"]["code"] == "silver"
    assert body["next_tier"] == {
        "code": "gold",
        "name": "金卡",
        "multiplier": "2.00",
        "benefits": "",
        "threshold": 5000,
        "basis": "lifetime_points",
        "progress": 1505,
        "remaining": 3495,
    }
    # Within 30 days: 50 left of the first lot, the 200 and the 1500 of 03-05; today's 5 points
    # expire on 04-19, inside the window too.
    assert body["expiring_soon"] == {
        "points": 1755,
        "days": 30,
        "by_date": [
            {"date": "2026-04-01", "points": 50},
            {"date": "2026-04-04", "points": 1700},
            {"date": "2026-04-19", "points": 5},
        ],
    }
    assert (body["checked_in_today"], body["streak"]) == (True, 1)
    # Tomorrow the streak still counts (not broken yet), but today's check-in is not done.
    tomorrow = account_at(member, now + dt.timedelta(days=1))
    assert (tomorrow["checked_in_today"], tomorrow["streak"]) == (False, 1)
    # The day after, it is broken.
    assert account_at(member, now + dt.timedelta(days=2))["streak"] == 0


def test_the_account_costs_the_same_queries_with_one_lot_or_thirty(rules, points_staff):
    rules.expiry, rules.expiry_days = Rules.Expiry.DAYS, 20
    rules.save()
    few, many = MemberFactory(), MemberFactory()
    grant(few, 10, staff=points_staff)
    for n in range(30):
        with freeze_time(timezone.now() - dt.timedelta(days=n % 15)):
            grant(many, 10, staff=points_staff)
    counts = {}
    for who in (few, many):
        shopper = client_for(who)
        with CaptureQueriesContext(connection) as queries:
            body = ok(shopper.get(ACCOUNT))
        counts[who.pk] = len(queries)
    assert body["expiring_soon"]["points"] == 300 and len(body["expiring_soon"]["by_date"]) == 15
    # The token, the rules, the tiers, the account, the last check-in, the lots by day.
    assert list(counts.values()) == [6, 6]


def test_points_expiring_later_than_30_days_are_not_listed(member_with_points, rules):
    body = ok(client_for(member_with_points).get(ACCOUNT))
    assert body["available"] == 1000
    assert body["expiring_soon"] == {"points": 0, "days": 30, "by_date": []}  # end of next year


@pytest.mark.parametrize(("method", "path"), [("get", ACCOUNT), ("get", LEDGER), ("post", CHECK_IN), ("get", TIERS)])
def test_anonymous_callers_get_401_in_the_error_shape(api, rules, method, path):
    response = getattr(api, method)(path)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "not_authenticated" and error["message"] and error["fields"] == {}
    assert not Entry.objects.exists() and not CheckIn.objects.exists()


# --- the ledger ----------------------------------------------------------------------------------
def test_the_ledger_lists_only_the_member_s_own_entries_newest_first(rules, points_staff):
    member, other = MemberFactory(), MemberFactory()
    grant(member, 500, staff=points_staff, reason="客服补偿")
    grant(other, 900, staff=points_staff, reason="别人的积分")
    fill_basket(member, (sku(price="80.00"), 1))
    order = place(member, use_points=200)
    grant(other, 100, staff=points_staff, reason="别人的积分")
    services.check_in(member=member)

    body = ok(client_for(member).get(LEDGER))

    assert (body["count"], body["next"], body["previous"]) == (3, None, None)
    own = list(Entry.objects.filter(account__member=member).order_by("-pk").values_list("pk", flat=True))
    assert [item["id"] for item in body["results"]] == own
    check_in, reserve, adjust = body["results"]
    assert (check_in["kind"], check_in["delta"], check_in["balance_after"]) == ("check_in", 5, 305)
    assert (reserve["kind"], reserve["delta"], reserve["reserved_delta"], reserve["order_number"]) == (
        "redeem_reserve",
        -200,
        200,
        order.number,
    )
    assert reserve["kind_label"] == "下单抵扣（冻结）"
    assert (adjust["kind"], adjust["reason"], adjust["order_number"]) == ("adjust", "客服补偿", None)
    assert "别人的积分" not in str(body)
    assert ok(client_for(MemberFactory()).get(LEDGER))["count"] == 0  # no account: an empty page


def test_a_ledger_page_costs_the_same_queries_for_5_and_50_entries(rules, points_staff, django_assert_num_queries):
    member = MemberFactory()
    for n in range(55):
        grant(member, n + 1, staff=points_staff, reason=f"第 {n + 1} 次")
    for _ in range(3):  # entries naming an order: the order number is joined, not fetched per row
        fill_basket(member, (sku(price="80.00"), 1))
        place(member, use_points=100)
    shopper = client_for(member)

    counts = {}
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            body = ok(shopper.get(LEDGER, {"page_size": size}))
        counts[size] = len(queries)
        assert (body["count"], len(body["results"])) == (58, size)
        assert sum(item["order_number"] is not None for item in body["results"][:3]) == 3
    assert counts == {5: 3, 50: 3}  # the token, the count, the page with its orders joined
    with django_assert_num_queries(3):
        second = ok(shopper.get(LEDGER, {"page_size": 50, "page": 2}))
    assert (len(second["results"]), second["next"]) == (8, None) and second["previous"] is not None
    first_page_ids = {item["id"] for item in ok(shopper.get(LEDGER, {"page_size": 50}))["results"]}
    assert first_page_ids.isdisjoint(item["id"] for item in second["results"])


def test_a_ledger_page_beyond_the_last_is_a_404_in_the_error_shape(member_with_points):
    response = client_for(member_with_points).get(LEDGER, {"page": 9})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- daily check-in ------------------------------------------------------------------------------
def test_checking_in_pays_the_daily_points_once(member, member_api, rules):
    response = member_api.post(CHECK_IN)

    assert response.status_code == 201
    body = response.json()
    assert {key: body[key] for key in ("awarded", "streak", "available")} == {"awarded": 5, "streak": 1, "available": 5}
    assert (body["cycle_streak"], body["cycle_count"]) == (1, 1)
    assert body["day"] == timezone.localtime(timezone.now(), SHANGHAI).date().isoformat()
    assert balances(member) == (5, 0, 0)
    entry = Entry.objects.get(account__member=member)
    assert (entry.kind, entry.delta, entry.key) == ("check_in", 5, f"check_in:{body['day']}")
    assert entry.lots.get().remaining == 5  # a lot, so it expires like any grant


def test_a_second_check_in_the_same_day_is_409_with_today_s_result_and_writes_nothing(member, member_api, rules):
    first = ok(member_api.post(CHECK_IN), 201)
    entries, check_ins = Entry.objects.count(), CheckIn.objects.count()

    again = member_api.post(CHECK_IN)

    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "already_checked_in"
    assert error["check_in"] == {"awarded": first["awarded"], "streak": 1, "available": 5}
    assert (Entry.objects.count(), CheckIn.objects.count()) == (entries, check_ins)
    assert balances(member) == (5, 0, 0)
    assert ok(member_api.get(ACCOUNT))["checked_in_today"] is True


def test_the_day_turns_at_midnight_in_shanghai_not_in_utc(member, rules):
    # 15:59 UTC is 23:59 in Beijing; 16:01 UTC is 00:01 the next day.
    assert check_in_at(member, "2026-03-10 15:59:00+00:00").status_code == 201
    late = check_in_at(member, "2026-03-10 16:01:00+00:00")
    assert late.status_code == 201, late.json()
    assert late.json()["streak"] == 2
    assert [c.day.isoformat() for c in CheckIn.objects.order_by("day")] == ["2026-03-10", "2026-03-11"]
    # The rest of the Beijing day 03-11 (until 15:59 UTC on the 11th) is the same day.
    assert check_in_at(member, beijing("2026-03-11 08:00")).status_code == 409
    assert check_in_at(member, "2026-03-11 15:58:00+00:00").json()["error"]["code"] == "already_checked_in"
    assert balances(member) == (10, 0, 0)


def test_the_streak_counts_consecutive_days_and_starts_over_after_a_gap(member, rules):
    streaks = [
        check_in_at(member, beijing(f"2026-05-{day:02d} 09:00")).json()["streak"] for day in (11, 12, 13, 15, 16)
    ]
    assert streaks == [1, 2, 3, 1, 2]
    assert account_at(member, beijing("2026-05-16 20:00"))["streak"] == 2
    assert account_at(member, beijing("2026-05-18 00:00"))["streak"] == 0  # missed the 17th


def test_weekly_cycle_rewards_the_nth_day_in_a_row_and_the_nth_check_in_of_the_week(member, rules):
    """Weeks run Monday to Sunday; 2026-03-02 is a Monday. Day 3 in a row: +10; 5th check-in: +20."""
    CheckInReward.objects.create(kind=CheckInReward.Kind.STREAK, day=3, points=10)
    CheckInReward.objects.create(kind=CheckInReward.Kind.CUMULATIVE, day=5, points=20)
    days = ["03-01", "03-02", "03-03", "03-04", "03-06", "03-07", "03-08", "03-09"]
    answers = [check_in_at(member, beijing(f"2026-{day} 08:30")).json() for day in days]

    got = [(a["day"][5:], a["streak"], a["cycle_streak"], a["cycle_count"], a["awarded"]) for a in answers]
    assert got == [
        ("03-01", 1, 1, 1, 5),  # Sunday: the last day of the week before
        ("03-02", 2, 1, 1, 5),  # Monday: the cycle starts over, the overall streak goes on
        ("03-03", 3, 2, 2, 5),
        ("03-04", 4, 3, 3, 15),  # third day in a row this week: +10
        ("03-06", 1, 1, 4, 5),  # missed Thursday
        ("03-07", 2, 2, 5, 25),  # fifth check-in this week: +20
        ("03-08", 3, 3, 6, 15),  # third in a row again within the week: +10
        ("03-09", 4, 1, 1, 5),  # next Monday: both counts start over
    ]
    assert balances(member)[0] == sum(a["awarded"] for a in answers) == answers[-1]["available"]
    reasons = list(Entry.objects.filter(account__member=member).order_by("pk").values_list("reason", flat=True))
    assert "额外奖励 20" in reasons[5]


def test_monthly_cycle_starts_over_on_the_first_of_the_month(member, rules):
    rules.check_in_cycle = Rules.Cycle.MONTH
    rules.save()
    CheckInReward.objects.create(kind=CheckInReward.Kind.STREAK, day=3, points=10)
    CheckInReward.objects.create(kind=CheckInReward.Kind.CUMULATIVE, day=2, points=7)
    days = ["03-29", "03-30", "03-31", "04-01", "04-02", "04-03"]
    answers = [check_in_at(member, beijing(f"2026-{day} 07:00")).json() for day in days]

    got = [(a["streak"], a["cycle_streak"], a["cycle_count"], a["awarded"]) for a in answers]
    assert got == [
        (1, 1, 1, 5),
        (2, 2, 2, 12),  # second of March: +7
        (3, 3, 3, 15),  # third in a row: +10
        (4, 1, 1, 5),  # April: both start over
        (5, 2, 2, 12),
        (6, 3, 3, 15),
    ]


def test_the_week_turns_at_beijing_midnight_between_sunday_and_monday(member, rules):
    """The week also turns at Beijing midnight: Sunday 23:59 and Monday 00:01 are two cycles."""
    CheckInReward.objects.create(kind=CheckInReward.Kind.CUMULATIVE, day=2, points=50)
    sunday = check_in_at(member, beijing("2026-03-08 23:59")).json()
    monday = check_in_at(member, beijing("2026-03-09 00:01")).json()
    assert (sunday["cycle_count"], monday["cycle_count"], monday["streak"], monday["awarded"]) == (1, 1, 2, 5)


# --- tiers ---------------------------------------------------------------------------------------
def test_the_tiers_list_thresholds_benefits_and_marks_the_member_s_own(member, member_api, rules, tiers):
    tiers[1].benefits = "生日双倍积分"
    tiers[1].save()

    body = ok(member_api.get(TIERS))

    assert (body["basis"], body["downgrade"], body["downgrade_months"]) == ("lifetime_points", "never", None)
    assert [(t["code"], t["threshold"], t["multiplier"], t["current"]) for t in body["results"]] == [
        ("member", 0, "1.00", True),
        ("silver", 1000, "1.50", False),
        ("gold", 5000, "2.00", False),
    ]
    assert body["results"][1]["benefits"] == "生日双倍积分"

    BonusRule.objects.create(kind=BonusRule.Kind.POLL_ANSWERED, points=1200)
    services.award_bonus(member=member, kind=BonusRule.Kind.POLL_ANSWERED, reference="poll:1")
    assert [t["code"] for t in ok(member_api.get(TIERS))["results"] if t["current"]] == ["silver"]


def test_the_tiers_say_the_downgrade_period_when_there_is_one(member_api, rules, tiers):
    rules.tier_downgrade, rules.tier_downgrade_months = Rules.Downgrade.AFTER_PERIOD, 6
    rules.save()
    body = ok(member_api.get(TIERS))
    assert (body["downgrade"], body["downgrade_months"]) == ("after_period", 6)


# --- the schema ----------------------------------------------------------------------------------
def test_the_schema_documents_the_loyalty_routes(api):
    schema = ok(api.get("/api/schema/", {"format": "json"}))
    paths = schema["paths"]
    assert set(paths[ACCOUNT]) >= {"get"} and set(paths[LEDGER]) >= {"get"} and set(paths[TIERS]) >= {"get"}
    check_in = paths[CHECK_IN]["post"]
    assert {"201", "409"} <= set(check_in["responses"])
    assert "already_checked_in" in check_in["responses"]["409"]["description"]
    components = schema["components"]["schemas"]
    account = components["Account"]["properties"]
    assert {"available", "pending", "reserved", "tier", "next_tier", "expiring_soon", "streak"} <= set(account)
    assert {"awarded", "streak", "available"} <= set(components["CheckIn"]["properties"])
