"""A marketer signs in to the console in a real browser (Debian's Chromium driven by
Playwright) and lands on the dashboard: today's and this week's sales, the chart of the last
seven days, the best sellers, the campaigns running and what waits for moderation, all in
Chinese, with nothing loaded from outside the server and nothing refused by the content
security policy. Screenshots: var/screenshots/console-dashboard.png."""

import pytest

from storefront.demo.roles import MARKETING, sync_role_group
from tests.console.steps import screenshot, sign_in, visible_text
from tests.factories import MemberFactory, StaffFactory
from tests.factories.campaigns import EntryPointFactory
from tests.factories.logistics import paid_order
from tests.factories.offers import coupon_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_marketer_lands_on_the_dashboard_with_the_days_figures(live_server, browser_page):
    marketer = StaffFactory(username="xiaolin", nickname="市场部 小林", password="pass-123456")
    marketer.groups.add(sync_role_group(MARKETING))
    paid_order(quantities=(2, 1))  # 90.00
    paid_order(quantities=(1,))  # 30.00
    coupon_for(MemberFactory(), name="周末满100减15")
    entry_point = EntryPointFactory(name="门店海报 A")
    entry_point.visits.create()
    page = browser_page

    sign_in(page, live_server, "xiaolin", "pass-123456")

    dashboard = visible_text(page, "#console-dashboard")
    assert "今日成交额（GMV） ¥120.00" in dashboard
    assert "付款订单 2 今日" in dashboard
    assert "本周热销商品" in dashboard and "青山绿茶 1" in dashboard
    assert "周末满100减15" in dashboard and "已领 1 张" in dashboard
    assert "门店海报 A" in dashboard and "本周访问 1 次" in dashboard
    # The chart is drawn: one bar per day of the last week, today's the tallest.
    bars = page.locator("#kit-gmv-chart svg rect")
    assert bars.count() == 7
    heights = [float(bars.nth(i).get_attribute("height")) for i in range(7)]
    assert heights[-1] == max(heights) > 0
    # The sidebar is the marketer's, by task.
    sidebar = visible_text(page, "#nav-sidebar")
    assert "营销" in sidebar and "优惠券批次" in sidebar
    screenshot(page, "console-dashboard")

    assert page.outside_requests == []
    assert page.csp_violations == []
