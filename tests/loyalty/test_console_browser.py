"""A marketer in a real browser (Debian's Chromium driven by Playwright, never a downloaded
browser): logs in to the admin, changes the earning rate, adjusts a member's points with a
reason (the browser refuses the form without one) and reads the liability page with its
chart. The pages are Chinese, show members by nickname and masked phone, fit the window,
and load nothing from outside the server.

Screenshots of each page are left in /tmp/loyalty-console-*.png for a person to look at.
The browser comes from tests/browser.py (skipped where Chromium is missing, failed instead
under CI).
"""

import datetime as dt
import re

import pytest

from loyalty import services
from loyalty.models import Account, Entry, Rules
from storefront.demo.roles import MARKETING, sync_role_group
from tests.browser import fits_the_window
from tests.factories import MemberFactory, StaffFactory

SCREENSHOTS = "/tmp/loyalty-console-{}.png"

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_marketer_changes_the_rate_adjusts_points_and_reads_the_liability(live_server, browser_page):
    marketer = StaffFactory(username="xiaolin", nickname="市场部 小林", password="pass-123456")
    marketer.groups.add(sync_role_group(MARKETING))
    boss = StaffFactory(is_superuser=True, nickname="店长")
    Rules.objects.create()  # the defaults, saved once (as the demo does)
    shopper = MemberFactory(nickname="茶友小王", phone="13800138000")
    services.check_in(member=shopper, now=dt.datetime.now(dt.UTC))
    services.adjust_points(member=shopper, points=300, reason="开卡礼", staff=boss, key="b1")
    account = Account.objects.get(member=shopper)
    assert account.available == 305
    page = browser_page

    # Logs in through the admin's own form.
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "xiaolin")
    page.fill("#id_password", "pass-123456")
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert "控制台首页" in page.title()

    # 积分规则: the list opens the one row; the new earning rate is saved and shown.
    page.click("#nav-sidebar a:has-text('积分规则')")
    page.wait_for_url("**/admin/loyalty/rules/**")
    assert "购物得积分" in page.inner_text("#content")
    page.fill("#id_earn_points_per_yuan", "2.00")
    page.click("[name=_save]")
    page.wait_for_url("**/admin/loyalty/rules/1/change/")
    assert "成功修改" in page.inner_text("ul.messagelist")
    assert page.input_value("#id_earn_points_per_yuan") == "2.00"
    assert "市场部 小林" in page.inner_text("#content")  # who saved the rules last
    assert Rules.objects.get().earn_points_per_yuan == 2
    page.screenshot(path=SCREENSHOTS.format("rules"), full_page=True)

    # 积分账户: the member by nickname and masked phone, opened from the list.
    page.goto(f"{live_server.url}/admin/loyalty/")
    page.click("#nav-sidebar a:has-text('积分账户')")
    page.click("text=茶友小王（138****8000）")
    page.wait_for_url(f"**/admin/loyalty/account/{account.pk}/change/")
    body = page.inner_text("#content")
    assert "138****8000" in body and "13800138000" not in body and shopper.username not in body

    # 人工调整积分: refused by the browser without a reason, then done with one.
    page.click("text=人工调整积分")
    page.wait_for_url("**/admin/loyalty/account/adjust/**")
    assert "可用 305 积分" in page.inner_text("#content")
    page.fill("#id_points", "120")
    page.click("input[type=submit]")
    assert "/adjust/" in page.url and page.evaluate("!document.querySelector('#id_reason').validity.valid")
    assert Entry.objects.filter(account=account, kind=Entry.Kind.ADJUST).count() == 1
    page.fill("#id_reason", "补偿漏发的签到积分")
    page.click("input[type=submit]")
    page.wait_for_url(f"**/admin/loyalty/account/{account.pk}/change/")
    assert "已调整 +120 积分：茶友小王（138****8000）" in page.inner_text("ul.messagelist")
    assert re.search(r"可用积分[:：]?\s*425", page.inner_text("fieldset"))
    newest = page.locator("tr.form-row").filter(has_text="补偿漏发的签到积分")
    assert newest.count() == 1
    assert all(words in newest.inner_text() for words in ("人工调整", "120", "425", "市场部 小林"))
    # The lots, earliest expiry first, are on the page for the marketer too.
    lots = page.locator("[data-inline-type]").filter(has_text="积分批次").locator("tr.form-row")
    assert sorted(int(row.locator("td.field-points").inner_text()) for row in lots.all()) == [5, 120, 300]
    assert fits_the_window(page)
    page.screenshot(path=SCREENSHOTS.format("account"), full_page=True)
    entry = Entry.objects.filter(account=account, kind=Entry.Kind.ADJUST).first()
    assert (entry.delta, entry.reason, entry.staff_id) == (120, "补偿漏发的签到积分", marketer.pk)

    # 积分负债: what is outstanding, in points and yuan, and the monthly chart.
    page.goto(f"{live_server.url}/admin/loyalty/")
    page.click("#nav-sidebar a:has-text('积分负债')")
    page.wait_for_url("**/admin/loyalty/pointsliability/")
    assert "积分负债" in page.inner_text("h1")
    figures = page.inner_text(".loyalty-figures")
    assert re.search(r"可用积分\s*425\s*≈ ¥4\.25", figures)
    assert re.search(r"未兑付合计\s*¥4\.25", figures)
    this_month = page.locator("table.loyalty-months tbody tr").last.inner_text().split()
    assert this_month[1:4] == ["425", "0", "0"]  # issued, spent, expired
    chart = page.locator("svg[role=img]")
    assert chart.locator("rect").count() == 36  # 12 months x issued / spent / expired
    assert chart.bounding_box()["height"] > 100
    assert "北京时间" in page.inner_text("#content")
    assert fits_the_window(page)
    page.screenshot(path=SCREENSHOTS.format("liability"), full_page=True)

    assert page.outside_requests == []
    assert page.csp_violations == []
