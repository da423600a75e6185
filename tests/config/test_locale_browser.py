"""An operations person in a real browser (Debian's Chromium driven by Playwright, never a
downloaded browser) sees the console in Chinese: the login page, the admin's home page and
the orders list, with none of the kit's English labels. The 简体中文 / English switch in the
header turns the same page English and back, without any script (the content security
policy allows none inline).

Screenshots are left in var/screenshots/locale-*.png for a person to look at. The browser
comes from tests/browser.py (skipped where Chromium is missing, failed instead under CI).
"""

from pathlib import Path

import pytest
from django.conf import settings

from storefront.demo.roles import OPERATIONS, sync_role_group
from tests.factories import StaffFactory

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

# Labels of ours as the admin shows them in English (it capitalises the first letter of a
# model's plural name); none may be left on a Chinese page.
ENGLISH_LABELS = [
    "Orders to ship",
    "Parcels needing attention",
    "Failed WeChat shipping uploads",
    "Carriers",
    "After-sales requests",
    "Payment problems",
    "Reconciliation runs",
    "Shipping rates",
    "Personal data requests",
    "Notice log",
    "Select order to change",
    "overdue to ship",
    "Paid, not shipped in time",
    "payment method",
    "Store pickup",
    "Hand over a pickup order",
]

pytestmark = pytest.mark.django_db(transaction=True)


def english_labels_on(page) -> list[str]:
    text = page.inner_text("body")
    return [label for label in ENGLISH_LABELS if label.lower() in text.lower()]


def test_the_console_is_chinese_and_switches_to_english_and_back(live_server, browser_page):
    staff = StaffFactory(username="xiaozhou", nickname="运营 小周", password="pass-123456")
    staff.groups.add(sync_role_group(OPERATIONS))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_page

    # The login page is Chinese and already offers the switch.
    page.goto(f"{live_server.url}/admin/")
    assert "用户名" in page.inner_text("#login-form") and "登录" in page.inner_text("#login-form [type=submit]")
    assert page.locator("#language-switch button").all_inner_texts() == ["简体中文", "English"]
    page.fill("#id_username", "xiaozhou")
    page.fill("#id_password", "pass-123456")
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    # The console's home page: the kit's screens under Chinese names in the menu.
    assert "控制台首页" in page.title()
    content = page.inner_text("#nav-sidebar")
    assert all(name in content for name in ("待发货订单", "售后申请", "支付问题", "对账记录", "运费设置", "快递公司"))
    assert english_labels_on(page) == []
    page.screenshot(path=SCREENSHOTS / "locale-index-zh.png", full_page=True)

    # The orders list: title, filters and the pickup hand-over link in Chinese.
    page.goto(f"{live_server.url}/admin/storefront/operationsorder/")
    assert page.title().startswith("选择 订单 来修改")
    filters = page.inner_text("#changelist-filter")
    assert "以 超时未发货" in filters and "已付款，未按时发货" in filters and "门店自提" in filters
    assert "自提订单核销" in page.inner_text("#main")
    assert english_labels_on(page) == []
    # Chinese is the language in use, so its button is the one that cannot be pressed.
    assert page.locator("#language-switch button[value=zh-hans]").is_disabled()
    page.screenshot(path=SCREENSHOTS / "locale-orders-zh.png", full_page=True)

    # English: the same page comes back in English, and stays English on the next page.
    page.click("#language-switch button[value=en]")
    page.wait_for_url(f"{live_server.url}/admin/storefront/operationsorder/")
    assert page.title().startswith("Select order to change")
    filters = page.inner_text("#changelist-filter")
    assert "overdue to ship" in filters and "Store pickup" in filters
    assert "超时未发货" not in page.inner_text("body")
    page.screenshot(path=SCREENSHOTS / "locale-orders-en.png", full_page=True)
    page.goto(f"{live_server.url}/admin/")
    assert "Orders to ship" in page.inner_text("#nav-sidebar")

    # And back to Chinese.
    page.click("#language-switch button[value=zh-hans]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert "待发货订单" in page.inner_text("#nav-sidebar")
    assert english_labels_on(page) == []

    assert page.outside_requests == []
    assert page.csp_violations == []
