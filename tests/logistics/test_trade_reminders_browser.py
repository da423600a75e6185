"""Operations in a real browser (Debian's Chromium driven by Playwright, tests/browser.py): WeChat's
shipping reminder for an order is in the attention list in Chinese, the staff member marks it
handled, and the order page shows the settlement time WeChat pushed, in Beijing time."""

import pytest
from django.utils import timezone

from logistics.models import TradeReminder, WechatTradeOrder
from platforms.sandbox import wechat_logistics
from platforms.sandbox.models import PayTrade
from tests.factories import StaffFactory, paid_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_operations_work_the_wechat_reminders_and_see_the_settlement(live_server, browser_page, settings):
    settings.PLATFORM_SANDBOX = True
    StaffFactory(username="ops", nickname="运营 小周", password="pass-123456", is_superuser=True)
    order = paid_order()
    trade = PayTrade.objects.get(out_trade_no=order.number)
    wechat_logistics.push_remind_shipping(trade)
    wechat_logistics.push_settlement(trade)
    page = browser_page

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "ops")
    page.fill("#id_password", "pass-123456")
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/logistics/tradereminder/?open=yes")
    listing = page.inner_text("#result_list")
    assert "发货提醒" in listing and order.number in listing and "待处理" in listing
    page.check("#result_list input.action-select")
    page.select_option("select[name=action]", "mark_resolved")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert not TradeReminder.objects.filter(resolved_at__isnull=True).exists()

    settled = WechatTradeOrder.objects.get(order=order).settlement_time
    page.goto(f"{live_server.url}/admin/storefront/operationsorder/{order.pk}/change/")
    content = page.inner_text("#content")
    assert "微信结算时间" in content and timezone.localtime(settled).strftime("%Y-%m-%d %H:%M") in content
    assert page.outside_requests == [] and page.csp_violations == []
