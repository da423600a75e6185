"""An operations user ships in a real browser (Debian's Chromium driven by Playwright,
tests/browser.py), in Chinese, at 1440 px: a paid order by hand from its page, whose Ship
button is in sight without scrolling; a batch by importing a file with one bad row, which is
shown with the spreadsheet's row number, then fixed and imported; and an order with a pending
refund request, flagged in the queue and shipped only once confirmed. Screenshots are
written under var/screenshots/."""

from pathlib import Path

import pytest
from django.conf import settings
from oscar.apps.order.models import Order

from logistics.models import Shipment
from storefront.demo.roles import OPERATIONS, sync_role_group
from storefront.orders import after_sales
from tests.browser import drawn_as_a_control
from tests.factories import StaffFactory, carriers, paid_order, tracking_number

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def sign_in(page, live_server, username):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-123456")
    page.click("[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def in_sight(page, selector) -> bool:
    """Visible in the window as it opens: no scrolling, across or down."""
    box = page.locator(selector).first.bounding_box()
    return bool(box) and box["x"] >= 0 and box["x"] + box["width"] <= 1440 and box["y"] + box["height"] <= 900


@pytest.fixture
def operations(db):
    user = StaffFactory(username="laozhou", nickname="运营部 老周", password="pass-123456")
    user.groups.add(sync_role_group(OPERATIONS))
    carriers()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return user


def test_operations_ship_a_paid_order_by_hand_from_its_page(live_server, browser_page, operations):
    order = paid_order(quantities=(2, 1))
    page = browser_page
    sign_in(page, live_server, "laozhou")

    page.goto(f"{live_server.url}/admin/storefront/operationsorder/?status=paid")
    listing = page.inner_text("#result_list")
    assert order.number in listing and "待发货" in listing and "138****8000" in listing
    page.screenshot(path=SCREENSHOTS / "ops-orders.png", full_page=True)

    page.click(f"text={order.number}")
    page.wait_for_url(f"**/operationsorder/{order.pk}/change/")
    assert in_sight(page, "#kit-ship-top")
    content = page.inner_text("#content")
    assert "13800138000" in content and "状态记录" in content and "待发货" in content
    page.screenshot(path=SCREENSHOTS / "ops-order-page.png", full_page=False)

    page.click("#kit-ship-top")
    page.wait_for_url(f"**/ordertoship/{order.pk}/ship/")
    page.select_option("#id_carrier", label="中通快递")
    number = tracking_number("ZTO")
    page.fill("#id_tracking_number", number)
    for control in ("#id_carrier", "#id_tracking_number", "#kit-ship-submit", "#content-main input[type=number]"):
        assert drawn_as_a_control(page, control), control
    page.screenshot(path=SCREENSHOTS / "ops-ship-form.png", full_page=True)
    page.click("#kit-ship-submit")
    page.wait_for_url(f"**/ordertoship/{order.pk}/change/")

    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert Shipment.objects.get(order=order).shipped_by == operations
    page.goto(f"{live_server.url}/admin/storefront/operationsorder/{order.pk}/change/")
    history = page.inner_text("table.kit-history")
    assert "待发货 → 已发货" in history and "运营部 老周" in history
    assert number in page.inner_text("#content")

    # The dashboard: the parcel sent today is in the chart, and each figure opens its list.
    page.goto(f"{live_server.url}/admin/logistics/operationsdashboard/")
    assert page.locator("#kit-shipped-chart").is_visible()
    assert "待发货订单" in page.inner_text("#content") and "超时未发货" in page.inner_text("#content")
    page.screenshot(path=SCREENSHOTS / "ops-dashboard.png", full_page=True)
    page.click("#kit-tile-to_ship")
    page.wait_for_url("**/admin/logistics/ordertoship/")
    assert page.outside_requests == [] and page.csp_violations == []


def test_operations_import_a_file_with_one_bad_row_fix_it_and_ship_the_batch(
    live_server, browser_page, operations, tmp_path
):
    first, second = paid_order(), paid_order()
    numbers = [tracking_number("ZTO"), tracking_number("SF")]
    page = browser_page
    sign_in(page, live_server, "laozhou")

    page.goto(f"{live_server.url}/admin/logistics/ordertoship/")
    assert in_sight(page, "#result_list a.button")  # each row's Ship button, in sight at 1440 px
    page.goto(f"{live_server.url}/admin/logistics/shipment/import/")
    assert "下载导入模板" in page.inner_text("#content")
    bad = tmp_path / "发货.csv"
    bad.write_text(
        f"订单号,快递公司,快递单号\n{first.number},ZTO,{numbers[0]}\n{second.number},SF,12345\n",
        encoding="utf-8",
    )
    page.set_input_files("#id_import_file", str(bad))
    page.select_option("#id_format", label="csv")
    page.click("#content form [type=submit]")
    page.wait_for_selector("#kit-import-errors")
    errors = page.inner_text("#kit-import-errors")
    assert "第 3 行" in errors and second.number in errors and "第 2 行" not in errors
    assert not Shipment.objects.exists()
    page.screenshot(path=SCREENSHOTS / "ops-import-errors.png", full_page=True)

    good = tmp_path / "发货-改.csv"
    good.write_text(
        f"订单号,快递公司,快递单号\n{first.number},ZTO,{numbers[0]}\n{second.number},SF,{numbers[1]}\n",
        encoding="utf-8",
    )
    page.set_input_files("#id_import_file", str(good))
    page.select_option("#id_format", label="csv")
    page.click("#content form [type=submit]")
    page.wait_for_selector("#kit-import-ready")
    page.screenshot(path=SCREENSHOTS / "ops-import-preview.png", full_page=True)
    page.click("form[action$='process_import/'] [type=submit]")
    page.wait_for_load_state()

    assert set(Order.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"shipped"}
    assert set(Shipment.objects.values_list("source", flat=True)) == {"import"}
    assert page.outside_requests == [] and page.csp_violations == []


def test_operations_see_the_pending_refund_flag_and_must_confirm_to_ship(live_server, browser_page, operations):
    order = paid_order()
    after_sales.request_refund(order=order, member=order.user, kind="refund_only", reason="买错了")
    page = browser_page
    sign_in(page, live_server, "laozhou")

    page.goto(f"{live_server.url}/admin/logistics/ordertoship/")
    row = page.locator("#result_list tr").filter(has_text=order.number)
    assert "售后待处理：发货需确认" in row.inner_text()
    page.goto(f"{live_server.url}/admin/storefront/operationsorder/{order.pk}/change/")
    assert "顾客有待处理的售后申请" in page.inner_text(".kit-order-head")

    page.click("#kit-ship-top")
    assert "发货前请核实" in page.inner_text("#kit-ship-warning")
    page.select_option("#id_carrier", label="顺丰速运")
    page.fill("#id_tracking_number", tracking_number("SF"))
    with page.expect_navigation():
        page.click("#kit-ship-submit")
    assert "勾选确认后才能发货" in page.inner_text("#content")
    assert not Shipment.objects.exists()
    page.screenshot(path=SCREENSHOTS / "ops-ship-needs-confirmation.png", full_page=True)

    page.check("#id_confirm")
    page.fill("#id_tracking_number", tracking_number("SF"))
    page.click("#kit-ship-submit")
    page.wait_for_url(f"**/ordertoship/{order.pk}/change/")
    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert page.outside_requests == [] and page.csp_violations == []
