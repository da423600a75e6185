"""A marketer in a real browser (Debian's Chromium, tests/browser.py) schedules a flash sale
in the admin: a name, a window, a per-member limit and a SKU at a sale price with a quantity
set aside. The sale is then listed by the shopper API, and its admin row shows the live
remaining quantity, orders and conversion once a shopper bought from it. The pages are
Chinese, times are Shanghai's, SKUs are named by title, never by raw id."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from flashsales.models import FlashSale
from storefront.demo.roles import MARKETING, sync_role_group
from tests.factories import StaffFactory, sku
from tests.flashsales.conftest import buy_fast, shopper
from tests.steps import ok

pytestmark = pytest.mark.django_db(transaction=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_marketer_schedules_a_flash_sale_and_the_api_lists_it(live_server, browser_page, settings):
    settings.FLASH_SALE_COUNTER = "database"
    marketer = StaffFactory(username="xiaolin", nickname="市场部 小林", password="pass-123456")
    marketer.groups.add(sync_role_group(MARKETING))
    tea = sku(price="128.00", stock=50, title="狮峰龙井 礼盒")
    page = browser_page
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "xiaolin")
    page.fill("#id_password", "pass-123456")
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/flashsales/flashsale/add/")
    assert "秒杀活动" in page.title()
    starts = timezone.localtime(timezone.now() - dt.timedelta(minutes=5), SHANGHAI)
    ends = starts + dt.timedelta(hours=2)
    page.fill("#id_name", "周末秒杀")
    page.fill("#id_starts_at_0", f"{starts:%Y-%m-%d}")
    page.fill("#id_starts_at_1", f"{starts:%H:%M:%S}")
    page.fill("#id_ends_at_0", f"{ends:%Y-%m-%d}")
    page.fill("#id_ends_at_1", f"{ends:%H:%M:%S}")
    page.fill("#id_per_member_limit", "1")
    options = page.locator("#id_items-0-sku option").all_inner_texts()
    label = next(text for text in options if "狮峰龙井 礼盒" in text)
    assert str(tea.pk) not in label.replace("128.00", "")  # named, not numbered
    page.select_option("#id_items-0-sku", label=label)
    page.fill("#id_items-0-sale_price", "59.00")
    page.fill("#id_items-0-quantity", "20")
    page.click("[name=_save]")
    page.wait_for_url("**/admin/flashsales/flashsale/")
    assert "周末秒杀" in page.inner_text("#result_list")

    sale = FlashSale.objects.get(name="周末秒杀")
    listed = ok(APIClient().get("/api/v1/flash-sales/"))["results"]
    assert [(s["id"], s["state"], s["items"][0]["sku"], s["items"][0]["sale_price"]) for s in listed] == [
        (sale.pk, "running", tea.pk, "59.00")
    ]

    ok(buy_fast(shopper(), sale, tea), 201)
    page.reload()
    row = page.inner_text("#result_list tbody tr")
    assert "进行中" in row and "19" in row  # running, 19 of 20 left
    assert f"{starts:%Y-%m-%d %H:%M}" in row  # Shanghai time
    page.click("#result_list a:text-is('周末秒杀')")
    content = page.inner_text("#content")
    assert "下单 1 笔，付款 0 笔" in content
    assert "秒杀库存 20 件，剩余 19 件" in content  # the live remaining quantity
    assert "狮峰龙井 礼盒" in page.inner_text("#items-group")  # the SKU inline, by its title
    page.screenshot(path="/tmp/flashsales-admin.png", full_page=True)
    assert not page.outside_requests
