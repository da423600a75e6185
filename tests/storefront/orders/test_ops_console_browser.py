"""The order screens in a real browser (Debian's Chromium driven by Playwright,
tests/browser.py), in Chinese: operations approve a shopper's after-sales request right on
the order page; a store's staff member hands a pickup order over with its code, sees only
their own store's orders, and gets the console's 403 page, saying what they can do, for a
screen that is not theirs. Screenshots are written under var/screenshots/."""

from pathlib import Path

import pytest
from django.conf import settings
from oscar.apps.order.models import Order

from storefront.demo.roles import OPERATIONS, STORE_STAFF, sync_role_group
from storefront.orders import after_sales
from storefront.orders.models import AfterSalesRequest
from storefront.payments.models import Refund
from tests.browser import drawn_as_a_control
from tests.factories import StaffFactory, StoreFactory, paid_order

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def sign_in(page, live_server, username):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-123456")
    page.click("[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_operations_approve_an_after_sales_request_from_the_order_page(live_server, browser_page):
    user = StaffFactory(username="laozhou", nickname="运营部 老周", password="pass-123456")
    user.groups.add(sync_role_group(OPERATIONS))
    order = paid_order()
    request = after_sales.request_refund(order=order, member=order.user, kind="refund_only", reason="茶叶受潮了")
    page = browser_page
    sign_in(page, live_server, "laozhou")

    page.goto(f"{live_server.url}/admin/storefront/operationsorder/?problem=after_sales")
    assert order.number in page.inner_text("#result_list") and "售后待处理" in page.inner_text("#result_list")
    page.goto(f"{live_server.url}/admin/storefront/operationsorder/{order.pk}/change/")
    decision = page.locator(".kit-after-sales")
    assert "仅退款" in decision.inner_text() or "茶叶受潮了" in decision.inner_text()
    page.fill(".kit-decide input[name=decision_note]", "照片可见受潮")
    page.screenshot(path=SCREENSHOTS / "ops-after-sales-on-order-page.png", full_page=True)
    page.click(".kit-decide button[value=approve]")
    page.wait_for_url(f"**/operationsorder/{order.pk}/change/")

    assert "已同意订单" in page.inner_text("body")
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.decision_note) == (
        AfterSalesRequest.Status.APPROVED,
        user,
        "照片可见受潮",
    )
    assert Refund.objects.filter(order=order).exists()
    # The refund goes to the (sandbox) provider once the decision is committed.
    assert Order.objects.get(pk=order.pk).status in ("refunding", "refunded")
    assert "由 运营部 老周 处理" in page.inner_text(".kit-after-sales")
    assert page.outside_requests == [] and page.csp_violations == []


def test_store_staff_hand_over_a_pickup_by_code_and_see_only_their_store(live_server, browser_page):
    mine, theirs = StoreFactory(name="青山茶舍 静安店"), StoreFactory(name="青山茶舍 武康路店")
    clerk = StaffFactory(username="xiaomei", nickname="静安店 小美", password="pass-123456")
    clerk.groups.add(sync_role_group(STORE_STAFF))
    mine.staff.add(clerk)
    own = paid_order(fulfilment="pickup", store=mine)
    other = paid_order(fulfilment="pickup", store=theirs)
    page = browser_page
    sign_in(page, live_server, "xiaomei")

    page.goto(f"{live_server.url}/admin/storefront/operationsorder/")
    listing = page.inner_text("#result_list")
    assert own.number in listing and other.number not in listing
    page.screenshot(path=SCREENSHOTS / "store-staff-orders.png", full_page=True)

    page.goto(f"{live_server.url}/admin/storefront/operationsorder/pickup/")
    waiting = page.inner_text("#kit-waiting-pickups")
    assert own.number in waiting and other.number not in waiting
    assert drawn_as_a_control(page, "#id_code") and drawn_as_a_control(page, "#content form [type=submit]")
    page.fill("#id_code", own.info.pickup_code)
    page.click("#content form [type=submit]")
    page.wait_for_load_state()
    assert f"订单 {own.number} 已核销" in page.inner_text("body")
    assert Order.objects.get(pk=own.pk).status == "completed"
    page.screenshot(path=SCREENSHOTS / "store-staff-pickup.png", full_page=True)

    # Another store's code is refused, and that store's order does not open.
    page.fill("#id_code", other.info.pickup_code)
    page.click("#content form [type=submit]")
    page.wait_for_load_state()
    assert Order.objects.get(pk=other.pk).status == "paid"
    page.goto(f"{live_server.url}/admin/storefront/operationsorder/{other.pk}/change/")
    assert other.number not in page.inner_text("#content")

    # A screen that is not theirs: the console's 403 page, with what they can do instead.
    page.goto(f"{live_server.url}/admin/logistics/ordertoship/")
    content = page.inner_text("#content")
    assert "您的账号没有权限打开这个页面" in content and "门店店员" in content and "自提订单核销" in content
    page.screenshot(path=SCREENSHOTS / "store-staff-403.png", full_page=True)
    assert page.outside_requests == [] and page.csp_violations == []
