"""Marketers and finance in the loyalty console: every screen renders in Chinese with
Shanghai times, a manual adjustment needs a reason and the permission and is audited, and
a member's ledger page costs a bounded number of queries."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from loyalty import services
from loyalty.models import Account, Entry, Rules
from tests.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def staff_with(*codenames, superuser=False):
    user = StaffFactory(is_superuser=superuser)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="loyalty", codename__in=codenames))
    return user


@pytest.fixture
def adjuster():
    return staff_with("adjust_points", "view_account", "view_entry")


@pytest.fixture
def shopper_with_history(adjuster):
    shopper = MemberFactory(nickname="茶友小王", phone="13800138000")
    for day in (1, 2, 3):
        services.check_in(member=shopper, now=dt.datetime(2026, 11, day, 9, 0, tzinfo=SHANGHAI))
    services.adjust_points(member=shopper, points=200, reason="开业补偿", staff=adjuster, key="t1")
    return shopper


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/loyalty/rules/add/",
        "/admin/loyalty/promotion/",
        "/admin/loyalty/promotion/add/",
        "/admin/loyalty/tier/",
        "/admin/loyalty/tier/add/",
        "/admin/loyalty/bonusrule/",
        "/admin/loyalty/checkinreward/",
        "/admin/loyalty/account/",
        "/admin/loyalty/entry/",
        "/admin/loyalty/checkin/",
        "/admin/loyalty/pointscheck/",
        "/admin/loyalty/pointsliability/",
    ],
)
def test_every_loyalty_screen_renders(admin_client, shopper_with_history, url):
    response = admin_client.get(url)
    assert response.status_code == 200, url


def test_the_account_page_shows_the_ledger_in_chinese_and_shanghai_time(admin_client, shopper_with_history):
    account = Account.objects.get(member=shopper_with_history)
    page = admin_client.get(reverse("admin:loyalty_account_change", args=[account.pk])).content.decode()
    assert "积分明细" in page and "积分批次" in page and "签到" in page
    # Entries are stamped when written: shown in Shanghai time, to the minute.
    entry = Entry.objects.filter(account=account).first()
    assert timezone.localtime(entry.created_at, SHANGHAI).strftime("%Y-%m-%d %H:%M") in page
    assert "138****8000" in page and "13800138000" not in page
    assert "人工调整积分" in page


def test_the_ledger_view_costs_the_same_queries_for_a_long_history(
    admin_client, shopper_with_history, adjuster, django_assert_max_num_queries
):
    account = Account.objects.get(member=shopper_with_history)
    url = reverse("admin:loyalty_account_change", args=[account.pk])
    for n in range(30):
        services.adjust_points(member=shopper_with_history, points=1, reason=f"补发{n}", staff=adjuster, key=f"k{n}")
    with django_assert_max_num_queries(25):
        assert admin_client.get(url).status_code == 200


def test_an_adjustment_with_a_reason_is_a_ledger_entry_naming_the_staff_member(client, adjuster, shopper_with_history):
    client.force_login(adjuster)
    account = Account.objects.get(member=shopper_with_history)
    url = reverse("admin:loyalty_account_adjust") + f"?ids={account.pk}"
    before = account.available
    response = client.post(url, {"points": "50", "reason": "客服补偿", "token": "tok-1"})
    assert response.status_code == 302
    entry = Entry.objects.filter(account=account, kind=Entry.Kind.ADJUST).order_by("-id").first()
    assert (entry.delta, entry.reason, entry.staff) == (50, "客服补偿", adjuster)
    account.refresh_from_db()
    assert account.available == before + 50
    # The same form submitted twice counts once.
    client.post(url, {"points": "50", "reason": "客服补偿", "token": "tok-1"})
    account.refresh_from_db()
    assert account.available == before + 50


def test_an_adjustment_without_a_reason_is_refused_and_writes_nothing(client, adjuster, shopper_with_history):
    client.force_login(adjuster)
    account = Account.objects.get(member=shopper_with_history)
    count = Entry.objects.count()
    response = client.post(
        reverse("admin:loyalty_account_adjust") + f"?ids={account.pk}", {"points": "50", "reason": "  ", "token": "t"}
    )
    assert response.status_code == 200 and "必须填写调整原因" in response.content.decode()
    assert Entry.objects.count() == count


def test_staff_without_the_permission_cannot_adjust(client, shopper_with_history):
    client.force_login(staff_with("view_account"))
    account = Account.objects.get(member=shopper_with_history)
    url = reverse("admin:loyalty_account_adjust") + f"?ids={account.pk}"
    assert client.get(url).status_code == 403
    assert client.post(url, {"points": "50", "reason": "x", "token": "t"}).status_code == 403
    page = client.get(reverse("admin:loyalty_account_change", args=[account.pk])).content.decode()
    assert "人工调整积分" not in page


def test_the_liability_page_shows_value_in_yuan_and_an_inline_chart(admin_client, shopper_with_history):
    page = admin_client.get("/admin/loyalty/pointsliability/").content.decode()
    assert "积分负债" in page and "¥" in page and "<svg" in page and "每月发放、使用与过期" in page
    assert "cdn" not in page.lower() and '<script src="http' not in page


def test_a_marketer_changes_the_earning_rate(admin_client):
    response = admin_client.get("/admin/loyalty/rules/")
    assert response.status_code == 302
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: field.initial if field.initial is not None else "" for name, field in form.fields.items()}
    data.update({k: v for k, v in form.initial.items() if v is not None})
    data.update(
        earn_enabled="on",
        redeem_enabled="on",
        earn_points_per_yuan="2.00",
        expiry="never",
        tier_basis="lifetime_points",
        tier_downgrade="never",
        check_in_cycle="week",
        available_after_days="",
    )
    for key in ("earn_enabled", "redeem_enabled"):
        data[key] = "on"
    response = admin_client.post(response["Location"], data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Rules.objects.get().earn_points_per_yuan == 2
