"""A marketer in a real browser (Debian's Chromium through Playwright, tests/browser.py): logs
in to the admin, creates an entry point for a shop assistant, saves it and downloads its WeChat
code; then opens the funnel with its chart. The pages are Chinese, name the assistant by
nickname, and load nothing from outside the server.

Screenshots are left in /tmp/campaigns-console-*.png for a person to look at."""

import json

import pytest

from campaigns.models import EntryPoint
from storefront.demo.roles import MARKETING, sync_role_group
from tests.factories import StaffFactory, StoreFactory

SCREENSHOTS = "/tmp/campaigns-console-{}.png"

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_marketer_creates_a_staff_members_entry_point_and_downloads_its_code(live_server, browser_page):
    marketer = StaffFactory(username="xiaolin", nickname="市场部 小林", password="pass-123456")
    marketer.groups.add(sync_role_group(MARKETING))
    store = StoreFactory(name="青山茶舍 静安店")
    assistant = StaffFactory(nickname="店员 小美", is_staff=False)
    store.staff.add(assistant)
    page = browser_page

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "xiaolin")
    page.fill("#id_password", "pass-123456")
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/campaigns/entrypoint/add/")
    assert "投放入口" in page.title()
    page.fill("#id_name", "小美的专属码")
    page.select_option("#id_kind", "staff")
    page.select_option("#id_staff", label="店员 小美")
    page.select_option("#id_store", label="青山茶舍 静安店")
    page.fill("#id_page", "pages/index/index")
    page.fill("#id_params", json.dumps({"store": store.pk}))
    page.click("[name=_continue]")
    page.wait_for_url("**/admin/campaigns/entrypoint/*/change/")
    assert "成功添加" in page.inner_text("ul.messagelist")
    entry = EntryPoint.objects.get(name="小美的专属码")
    assert entry.staff == assistant
    page.screenshot(path=SCREENSHOTS.format("entry-point"), full_page=True)

    with page.expect_download() as download:
        page.click("#download-wechat-code")
    saved = download.value
    assert saved.suggested_filename.endswith(f"{entry.scene}-wechat.png")
    with open(saved.path(), "rb") as image:
        assert image.read(8) == b"\x89PNG\r\n\x1a\n"

    page.goto(f"{live_server.url}/admin/campaigns/funnel/?by=staff")
    assert "投放漏斗" in page.title()
    assert page.locator("svg.funnel-chart").count() == 1
    page.screenshot(path=SCREENSHOTS.format("funnel"), full_page=True)
    assert page.outside_requests == []
    assert page.csp_violations == []
