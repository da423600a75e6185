"""The loyalty demo: rules, three tiers, check-in rewards and shoppers with history, loaded
twice without changing anything; with the demo's staff accounts the marketer edits the rules
and adjusts points, operations only reads accounts."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from loyalty.models import Account, BonusRule, CheckIn, CheckInReward, Entry, Lot, PointsCheck, Promotion, Rules, Tier
from loyalty.verification import verify_points

pytestmark = pytest.mark.django_db


def snapshot():
    rows = {}
    for model in (Rules, Tier, CheckInReward, BonusRule, Promotion, Account, Entry, Lot, CheckIn):
        rows[model.__name__] = sorted(model.objects.values_list(), key=str)
    return rows


@pytest.fixture
def demo(settings, tmp_path_factory):
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "loyalty-demo-media")
    call_command("load_demo", stdout=StringIO())


def history(username):
    account = Account.objects.get(member__username=username)
    entries = list(Entry.objects.filter(account=account).order_by("pk"))
    return account, entries


def test_the_demo_has_rules_three_tiers_rewards_and_a_promotion(demo):
    assert Rules.objects.get().redeem_points_per_yuan == 100
    assert list(Tier.objects.values_list("name", "threshold")) == [("会员", 0), ("银卡", 1000), ("金卡", 5000)]
    assert sorted(CheckInReward.objects.values_list("kind", "day", "points")) == [
        ("cumulative", 15, 50),
        ("streak", 3, 10),
        ("streak", 7, 30),
    ]
    assert BonusRule.objects.filter(is_active=True).count() == 5
    assert Promotion.objects.get().name == "会员月双倍积分"


@pytest.mark.parametrize(
    ("username", "check_ins", "adjustments"),
    [
        ("demo_shopper_lin", 6, [1200, -300]),
        ("demo_shopper_chen", 2, [300, -75]),
        ("demo_shopper_zhou", 0, []),
    ],
)
def test_each_demo_shopper_has_a_history_that_adds_up(demo, username, check_ins, adjustments):
    account, entries = history(username)
    assert entries[0].kind == Entry.Kind.BONUS and entries[0].delta == 50  # first login
    assert account.check_ins.count() == check_ins
    assert [e.kind for e in entries].count(Entry.Kind.CHECK_IN) == check_ins
    adjusted = [e for e in entries if e.kind == Entry.Kind.ADJUST]
    assert [e.delta for e in adjusted] == adjustments
    assert all(e.staff.username == "admin" and e.reason for e in adjusted)
    assert account.available == sum(e.delta for e in entries) == entries[-1].balance_after > 0
    assert account.member.nickname.startswith("茶友")


def test_the_demo_ledger_agrees_with_its_lots_and_accounts(demo):
    check = verify_points(record=False)
    assert (check.accounts, check.drifted) == (3, 0)
    assert not PointsCheck.objects.exists()


def test_loading_the_demo_twice_changes_nothing(demo):
    before = snapshot()
    call_command("load_demo", stdout=StringIO())
    assert snapshot() == before


def test_the_marketer_edits_rules_and_adjusts_points_and_operations_only_reads(demo):
    marketer, operations = Client(), Client()
    assert marketer.login(username="marketer", password="qingshan-marketer")
    assert operations.login(username="operations", password="qingshan-operations")
    account = Account.objects.get(member__username="demo_shopper_chen")
    adjust = f"/admin/loyalty/account/adjust/?ids={account.pk}"

    assert marketer.get("/admin/loyalty/rules/1/change/").status_code == 200
    assert marketer.get("/admin/loyalty/pointsliability/").status_code == 200
    response = marketer.post(adjust, {"points": "20", "reason": "门店活动补发", "token": "demo-tok"}, follow=True)
    assert "已调整 +20 积分：茶友阿陈（139****0002）" in response.content.decode()
    entry = Entry.objects.filter(account=account).order_by("-pk").first()
    assert (entry.kind, entry.delta, entry.staff.username) == (Entry.Kind.ADJUST, 20, "marketer")

    assert operations.get(f"/admin/loyalty/account/{account.pk}/change/").status_code == 200
    assert operations.get("/admin/loyalty/entry/").status_code == 200
    assert operations.get(adjust).status_code == 403
    assert operations.post(adjust, {"points": "20", "reason": "x", "token": "ops"}).status_code == 403
    assert operations.get("/admin/loyalty/rules/1/change/").status_code == 403
    assert operations.get("/admin/loyalty/pointsliability/").status_code == 403
    assert Entry.objects.filter(account=account).order_by("-pk").first() == entry
