"""The loyalty demo: rules, three tiers, check-in rewards and shoppers with history, loaded
twice without changing anything; the marketer may edit the rules and adjust points,
operations may only view accounts."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from loyalty.models import Account, CheckIn, CheckInReward, Entry, Lot, Promotion, Rules, Tier

pytestmark = pytest.mark.django_db


def snapshot():
    rows = {}
    for model in (Rules, Tier, CheckInReward, Promotion, Account, Entry, Lot, CheckIn):
        rows[model.__name__] = sorted(model.objects.values_list(), key=str)
    return rows


@pytest.fixture
def demo(settings, tmp_path_factory):
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "loyalty-demo-media")
    call_command("load_demo", stdout=StringIO())


def test_the_demo_has_three_tiers_rewards_and_shoppers_with_history(demo):
    assert list(Tier.objects.values_list("name", flat=True)) == ["会员", "银卡", "金卡"]
    assert CheckInReward.objects.count() == 3
    lin = Account.objects.get(member__username="demo_shopper_lin")
    assert lin.check_ins.count() == 6 and lin.available > 0
    assert Entry.objects.filter(account=lin, kind=Entry.Kind.ADJUST).count() == 2


def test_loading_the_demo_twice_changes_nothing(demo):
    before = snapshot()
    call_command("load_demo", stdout=StringIO())
    assert snapshot() == before


def test_the_marketer_edits_rules_and_adjusts_points_and_operations_only_views(demo):
    marketer, operations = Client(), Client()
    assert marketer.login(username="marketer", password="qingshan-marketer")
    assert operations.login(username="operations", password="qingshan-operations")
    account = Account.objects.get(member__username="demo_shopper_chen")
    assert marketer.get("/admin/loyalty/rules/1/change/").status_code == 200
    assert marketer.get(f"/admin/loyalty/account/adjust/?ids={account.pk}").status_code == 200
    assert marketer.get("/admin/loyalty/pointsliability/").status_code == 200
    assert operations.get(f"/admin/loyalty/account/{account.pk}/change/").status_code == 200
    assert operations.get(f"/admin/loyalty/account/adjust/?ids={account.pk}").status_code == 403
    assert operations.get("/admin/loyalty/rules/1/change/").status_code == 403
