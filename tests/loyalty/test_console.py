"""Marketers, operations and finance in the loyalty console (the Django admin), as the staff
roles of storefront/demo/roles.py set them up: Marketing changes the rules and adjusts
points, Operations only reads. Every screen is Chinese with Shanghai times and shows members
by nickname and masked phone; an adjustment needs the permission and a reason, is audited
and counts once; a member's page costs the same queries whatever the history; the
liability page adds up to what the ledger says."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import strip_tags
from freezegun import freeze_time

from loyalty import services
from loyalty.models import Account, Entry, Lot, Rules
from storefront.demo.roles import MARKETING, OPERATIONS, sync_role_group
from tests.factories import MemberFactory, StaffFactory, fill_basket, place, sku

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ADJUST_URL = reverse("admin:loyalty_account_adjust")


def staff_in(role, nickname):
    user = StaffFactory(nickname=nickname)
    user.groups.add(sync_role_group(role))
    return type(user).objects.get(pk=user.pk)  # fresh: no permission cache


@pytest.fixture
def marketer(db):
    return staff_in(MARKETING, "市场部 小林")


@pytest.fixture
def operations(db):
    return staff_in(OPERATIONS, "运营部 老周")


def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def shopper(rules, marketer):
    """茶友小王: three check-ins and 200 points granted by the marketer (205 + 10 + ... )."""
    shopper = MemberFactory(nickname="茶友小王", phone="13800138000")
    for day in (1, 2, 3):
        services.check_in(member=shopper, now=dt.datetime(2026, 11, day, 9, 0, tzinfo=SHANGHAI))
    services.adjust_points(member=shopper, points=200, reason="开业补偿", staff=marketer, key="t1")
    return shopper


def account_url(shopper):
    return reverse("admin:loyalty_account_change", args=[Account.objects.get(member=shopper).pk])


def adjust_url(shopper):
    return f"{ADJUST_URL}?ids={Account.objects.get(member=shopper).pk}"


def visible_text(response) -> str:
    return strip_tags(response.content.decode())


def written(shopper):
    """Everything an adjustment could write for the shopper."""
    account = Account.objects.get(member=shopper)
    return (
        account.available,
        Entry.objects.filter(account=account).count(),
        Lot.objects.filter(account=account).count(),
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/loyalty/",
        "/admin/loyalty/rules/1/change/",
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
def test_every_loyalty_screen_renders_in_chinese(client, shopper, url):
    response = logged_in(client, StaffFactory(is_superuser=True)).get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert '<html lang="zh-hans"' in page
    assert re.search(r"[\u4e00-\u9fff]", strip_tags(re.search(r"<h1.*?</h1>", page, re.S).group()))
    assert "13800138000" not in page and shopper.username not in page


def test_marketing_changes_rules_and_adjusts_points_while_operations_only_reads(client, shopper, marketer, operations):
    marketing = logged_in(client, marketer)
    for url in ("/admin/loyalty/rules/1/change/", "/admin/loyalty/promotion/add/", "/admin/loyalty/tier/add/"):
        assert marketing.get(url).status_code == 200, url
    assert marketing.get(adjust_url(shopper)).status_code == 200
    assert marketing.get("/admin/loyalty/pointsliability/").status_code == 200

    ops = logged_in(client, operations)
    for url in ("/admin/loyalty/account/", account_url(shopper), "/admin/loyalty/entry/", "/admin/loyalty/checkin/"):
        assert ops.get(url).status_code == 200, url
    before = written(shopper)
    for url in ("/admin/loyalty/rules/1/change/", "/admin/loyalty/promotion/add/", adjust_url(shopper)):
        assert ops.get(url).status_code == 403, url
    assert ops.post(adjust_url(shopper), {"points": "50", "reason": "私下补偿", "token": "t"}).status_code == 403
    assert ops.post("/admin/loyalty/rules/1/change/", {"earn_points_per_yuan": "9"}).status_code == 403
    assert written(shopper) == before and Rules.objects.get().earn_points_per_yuan == 1
    # The account page is read only for everyone: points change by adjustment only.
    assert "可用积分" in visible_text(ops.get(account_url(shopper)))
    assert 'name="available"' not in logged_in(client, marketer).get(account_url(shopper)).content.decode()


def test_without_the_permission_the_adjust_button_and_action_are_hidden(client, shopper, marketer, operations):
    assert ADJUST_URL in logged_in(client, marketer).get(account_url(shopper)).content.decode()
    assert 'value="adjust_selected"' in client.get("/admin/loyalty/account/").content.decode()
    page = logged_in(client, operations).get(account_url(shopper)).content.decode()
    assert ADJUST_URL not in page and "人工调整积分" not in page
    assert 'value="adjust_selected"' not in client.get("/admin/loyalty/account/").content.decode()


def test_an_adjustment_with_a_reason_is_a_ledger_entry_naming_the_staff_member(client, marketer, shopper):
    available, entries, lots = written(shopper)
    response = logged_in(client, marketer).post(
        adjust_url(shopper), {"points": "50", "reason": "客服补偿", "token": "tok-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == account_url(shopper)
    assert "已调整 +50 积分：茶友小王（138****8000）" in visible_text(response)
    entry = Entry.objects.filter(account__member=shopper).order_by("-id").first()
    assert (entry.kind, entry.delta, entry.reason, entry.staff) == (Entry.Kind.ADJUST, 50, "客服补偿", marketer)
    assert entry.balance_after == available + 50
    assert written(shopper) == (available + 50, entries + 1, lots + 1)
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*客服补偿.*?</tr>", response.content.decode(), re.S).group()
    assert all(words in strip_tags(row) for words in ("人工调整", "50", str(available + 50), "市场部 小林"))


def test_a_deduction_takes_points_from_the_lots_and_never_beyond_the_balance(client, marketer, shopper):
    available, entries, lots = written(shopper)
    marketing = logged_in(client, marketer)
    response = marketing.post(adjust_url(shopper), {"points": "-15", "reason": "误发签到", "token": "d1"}, follow=True)
    assert "已调整 -15 积分" in visible_text(response)
    assert written(shopper) == (available - 15, entries + 1, lots)
    response = marketing.post(
        adjust_url(shopper), {"points": str(-available), "reason": "清零", "token": "d2"}, follow=True
    )
    assert f"最多可扣减 {available - 15} 积分" in visible_text(response)
    assert written(shopper) == (available - 15, entries + 1, lots)


def test_the_same_form_submitted_twice_counts_once(client, marketer, shopper):
    available, entries, _ = written(shopper)
    marketing = logged_in(client, marketer)
    form = {"points": "50", "reason": "客服补偿", "token": "tok-1"}
    marketing.post(adjust_url(shopper), form)
    again = marketing.post(adjust_url(shopper), form, follow=True)
    assert "重复提交，未再次调整：茶友小王（138****8000）" in visible_text(again)
    assert written(shopper)[:2] == (available + 50, entries + 1)
    # A new form (a new token) is a new adjustment.
    marketing.post(adjust_url(shopper), {**form, "token": "tok-2"})
    assert written(shopper)[:2] == (available + 100, entries + 2)


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_adjustment_without_a_reason_is_refused_in_chinese_and_writes_nothing(client, marketer, shopper, reason):
    before = written(shopper)
    response = logged_in(client, marketer).post(adjust_url(shopper), {"points": "50", "reason": reason, "token": "t"})
    assert response.status_code == 200 and "必须填写调整原因。" in visible_text(response)
    assert written(shopper) == before


def test_zero_or_fractional_points_are_refused_and_write_nothing(client, marketer, shopper):
    before = written(shopper)
    marketing = logged_in(client, marketer)
    assert "请填写非零整数。" in visible_text(
        marketing.post(adjust_url(shopper), {"points": "0", "reason": "x", "token": "t"})
    )
    assert "输入整数。" in visible_text(
        marketing.post(adjust_url(shopper), {"points": "1.5", "reason": "x", "token": "t"})
    )
    assert written(shopper) == before


def test_the_account_page_costs_the_same_queries_however_long_the_history(client, marketer, shopper):
    page = logged_in(client, StaffFactory(is_superuser=True))
    with CaptureQueriesContext(connection) as short:
        assert page.get(account_url(shopper)).status_code == 200
    for n in range(20):
        services.adjust_points(member=shopper, points=10, reason=f"补发{n}", staff=marketer, key=f"up{n}")
        services.adjust_points(member=shopper, points=-3, reason=f"扣减{n}", staff=marketer, key=f"down{n}")
    with CaptureQueriesContext(connection) as long:
        assert page.get(account_url(shopper)).status_code == 200
    assert Entry.objects.filter(account__member=shopper).count() == 44
    assert len(long) == len(short) <= 25, [q["sql"] for q in long]
    print(f"account page: {len(short)} queries for 4 entries, {len(long)} for 44")


def test_the_account_page_shows_shanghai_times_and_no_raw_ids_or_codes(client, marketer, shopper):
    # Late in the evening in UTC is the next morning in Shanghai.
    with freeze_time("2026-11-30 17:30:00+00:00"):
        services.adjust_points(member=shopper, points=150, reason="双十二预热", staff=marketer, key="late")
    fill_basket(shopper, (sku(price="50.00"), 1))
    order = place(shopper, use_points=100)
    response = logged_in(client, StaffFactory(is_superuser=True)).get(account_url(shopper))
    text = visible_text(response)
    assert "2026-12-01 01:30" in text and "2026-11-30 17:30" not in text
    assert "积分明细（最新在前）" in text and "积分批次（先过期的先使用）" in text and "订单积分" in text
    assert "下单抵扣（冻结）" in text and "已冻结" in text and f"订单 {order.number}" in text
    assert "茶友小王（138****8000）" in text and "13800138000" not in text and shopper.username not in text
    for code in ("redeem_reserve", "check_in", "adjust:", "not_awarded", "reserved\n"):
        assert code not in text, code
    assert not re.search(rf"<p>\s*{order.pk}\s*</p>", response.content.decode())


@freeze_time("2026-11-15 12:00:00+08:00", tick=True)
def test_the_liability_page_adds_up_to_the_ledger(client, rules, marketer, shopper, order_steps):
    rules.expiry, rules.expiry_days = Rules.Expiry.DAYS, 365
    rules.save()
    # 120 points recorded now for a grant 400 days ago expire at once; 100 are spent on a paid
    # order that earns its own (pending) points; another member is given 1000 points.
    services.adjust_points(
        member=shopper, points=120, reason="去年活动", staff=marketer, now=dt.datetime(2025, 10, 1, tzinfo=SHANGHAI)
    )
    services.expire_points()
    fill_basket(shopper, (sku(price="50.00"), 1))
    order_steps.pay(place(shopper, use_points=100))
    services.adjust_points(member=MemberFactory(), points=1000, reason="大客户", staff=marketer)

    response = logged_in(client, marketer).get("/admin/loyalty/pointsliability/")
    data = response.context["data"]
    ledger = Entry.objects.aggregate(
        available=Sum("delta"),
        pending=Sum("pending_delta"),
        reserved=Sum("reserved_delta"),
        issued=Sum(
            "delta",
            filter=Q(
                delta__gt=0,
                kind__in=["earn_confirmed", "bonus", "check_in", "adjust"],
                created_at__gte=dt.datetime(2026, 11, 1, tzinfo=SHANGHAI),
                created_at__lt=dt.datetime(2026, 12, 1, tzinfo=SHANGHAI),
            ),
        ),
        expired=Sum("delta", filter=Q(kind="expire")),
    )
    assert (data["available"], data["pending"], data["reserved"]) == (
        ledger["available"],
        ledger["pending"],
        ledger["reserved"],
    )
    assert data["pending"] > 0 and data["reserved"] == 0
    november = data["months"][-1]
    assert november.month == dt.date(2026, 11, 1)
    # Issued this month: the late grant of last year's points (written now) and the 1000.
    assert (november.issued, november.spent, november.expired) == (ledger["issued"], 100, 120) == (1120, 100, 120)
    assert -ledger["expired"] == 120
    outstanding = data["available"] + data["pending"] + data["reserved"]
    text = visible_text(response)
    assert f"¥{outstanding / 100:.2f}" in text and f"≈ ¥{data['available'] / 100:.2f}" in text
    assert "每月发放、使用与过期" in text and "北京时间" in text


def test_the_liability_chart_is_inline_svg_with_nothing_from_the_network(client, marketer, shopper):
    page = logged_in(client, marketer).get("/admin/loyalty/pointsliability/").content.decode()
    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", page, re.S).group()
    assert svg.count("<rect") == 36  # 12 months x issued / spent / expired
    assert "<script" not in svg
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "cdn" not in page.lower()


def test_a_marketer_changes_the_earning_rate(client, rules, marketer):
    marketing = logged_in(client, marketer)
    response = marketing.get("/admin/loyalty/rules/")
    assert response.status_code == 302 and response["Location"] == "/admin/loyalty/rules/1/change/"
    form = marketing.get(response["Location"]).context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    data = {name: value for name, value in data.items() if value not in (None, False)}
    data.update(earn_points_per_yuan="2.00", earn_enabled="on", redeem_enabled="on")
    response = marketing.post("/admin/loyalty/rules/1/change/", data, follow=True)
    assert "成功修改" in visible_text(response)
    saved = Rules.objects.get()
    assert (saved.earn_points_per_yuan, saved.updated_by) == (2, marketer)
    assert "市场部 小林" in visible_text(marketing.get("/admin/loyalty/rules/1/change/"))
