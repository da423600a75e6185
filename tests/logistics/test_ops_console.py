"""Shipping in the operations console: an order with a pending refund or after-sales request
is flagged in the queue and ships only once confirmed; the import's template has Chinese
column names; a refused row is listed with the spreadsheet's own row number and tells a
number repeated in the file from one a parcel already has; the operations dashboard counts
what is waiting, links each figure to its list and draws orders shipped per day."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oscar.apps.order.models import Order

from logistics import services
from logistics.models import Shipment
from storefront.demo.roles import MARKETING, OPERATIONS, sync_role_group
from storefront.orders import after_sales
from storefront.payments import refunds
from storefront.payments.models import PaymentProblem
from tests.factories import StaffFactory, paid_order, tracking_number

pytestmark = pytest.mark.django_db

IMPORT = "/admin/logistics/shipment/import/"


@pytest.fixture
def operations(client):
    user = StaffFactory(nickname="运营部 老周")
    user.groups.add(sync_role_group(OPERATIONS))
    client.force_login(user)
    client.user = user
    return client


def upload(client, text, name="parcels.csv"):
    return client.post(
        IMPORT,
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile(name, text.encode(), "text/csv")},
    )


def everything(order):
    """The ship form's quantities: every unit of every line."""
    return {f"line_{line.pk}": line.quantity for line in order.lines.all()}


# --- shipping with care --------------------------------------------------------------------------
def test_an_order_with_a_pending_refund_is_flagged_and_ships_only_once_confirmed(carriers, operations):
    order = paid_order()
    refunds.start_refund(order=order, amount=Decimal("5.00"), key="OPS1", actor=operations.user)
    Order.objects.filter(pk=order.pk).update(status="paid")  # a partial refund leaves it to ship
    queue = operations.get(reverse("admin:logistics_ordertoship_changelist")).content.decode()
    assert "⚠ 退款中：发货需确认" in queue

    url = reverse("admin:logistics_ordertoship_ship", args=[order.pk])
    page = operations.get(url).content.decode()
    assert "发货前请核实" in page and "订单有进行中的退款" in page
    body = {"carrier": carriers["ZTO"].pk, "tracking_number": tracking_number("ZTO"), **everything(order)}

    refused = operations.post(url, body)
    assert refused.status_code == 200 and "勾选确认后才能发货" in refused.content.decode()
    assert not Shipment.objects.exists()

    shipped = operations.post(url, {**body, "confirm": "on"})
    assert shipped.status_code == 302
    assert Order.objects.get(pk=order.pk).status == "shipped"


def test_a_pending_after_sales_request_needs_the_confirmation_too(carriers, operations):
    order = paid_order()
    after_sales.request_refund(order=order, member=order.user, kind="refund_only", reason="不想要了")
    url = reverse("admin:logistics_ordertoship_ship", args=[order.pk])
    body = {"carrier": carriers["SF"].pk, "tracking_number": tracking_number("SF"), **everything(order)}
    assert operations.post(url, body).status_code == 200
    assert not Shipment.objects.exists()
    assert operations.post(url, {**body, "confirm": "on"}).status_code == 302


def test_an_order_without_trouble_ships_without_a_confirmation(carriers, operations):
    order = paid_order()
    url = reverse("admin:logistics_ordertoship_ship", args=[order.pk])
    assert "发货前请核实" not in operations.get(url).content.decode()
    response = operations.post(
        url, {"carrier": carriers["SF"].pk, "tracking_number": tracking_number("SF"), **everything(order)}
    )
    assert response.status_code == 302


# --- the import ----------------------------------------------------------------------------------
def test_the_import_template_has_chinese_column_names_the_import_understands(carriers, operations):
    page = operations.get(IMPORT).content.decode()
    template_url = reverse("admin:logistics_shipment_import_template")
    assert template_url in page and "下载导入模板" in page

    response = operations.get(template_url)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["订单号", "快递公司", "快递单号"]

    order = paid_order()
    filled = f"订单号,快递公司,快递单号\n{order.number},ZTO,{tracking_number('ZTO')}\n"
    preview = upload(operations, filled)
    assert "全部可以导入" in preview.content.decode()
    operations.post(reverse("admin:logistics_shipment_process_import"), preview.context["confirm_form"].initial)
    assert Shipment.objects.get().order == order

    xlsx = operations.get(template_url + "?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_each_refused_row_is_listed_with_the_spreadsheets_row_number(carriers, operations):
    good, unpaid = paid_order(), paid_order(status="pending_payment")
    text = (
        "订单号,快递公司,快递单号\n"
        f"{good.number},ZTO,{tracking_number('ZTO')}\n"
        f"{unpaid.number},ZTO,{tracking_number('ZTO')}\n"
        f"NO-SUCH-ORDER,SF,{tracking_number('SF')}\n"
    )

    html = upload(operations, text).content.decode()

    errors = html[html.index('id="kit-import-errors"') :]
    assert "有 2 行不能导入" in errors
    # Row 1 holds the column names: the unpaid order is on row 3, the unknown one on row 4.
    assert 'data-row="3"' in errors and 'data-row="4"' in errors and 'data-row="2"' not in errors
    assert "第 3 行" in errors and unpaid.number in errors and "only paid orders" in errors
    assert "Unknown order NO-SUCH-ORDER" in errors
    assert not Shipment.objects.exists()


def test_a_number_twice_in_the_file_is_told_from_one_used_before(carriers, operations):
    earlier = paid_order()
    used = tracking_number("ZTO")
    services.ship_order(order=earlier, carrier="ZTO", tracking_number=used)
    repeated = tracking_number("ZTO")
    first, second, third = paid_order(), paid_order(), paid_order()
    text = (
        "订单号,快递公司,快递单号\n"
        f"{first.number},ZTO,{repeated}\n"
        f"{second.number},zto,{repeated.lower()}\n"
        f"{third.number},ZTO,{used}\n"
    )

    html = upload(operations, text).content.decode()

    errors = html[html.index('id="kit-import-errors"') :]
    row3 = errors[errors.index('data-row="3"') : errors.index('data-row="4"')]
    assert "本文件第 2 行已填写这个快递单号" in row3
    row4 = errors[errors.index('data-row="4"') :]
    assert f"之前已用于订单 {earlier.number} 的包裹" in row4 and "本文件第" not in row4
    assert Shipment.objects.count() == 1


def test_the_import_page_names_the_orders_chosen_in_the_list(carriers, operations):
    orders = [paid_order(), paid_order()]
    page = operations.get(f"{IMPORT}?orders={orders[0].number},{orders[1].number}").content.decode()
    assert f"所选订单：{orders[0].number}、{orders[1].number}" in page


# --- the operations dashboard ----------------------------------------------------------------
DASHBOARD = "/admin/logistics/operationsdashboard/"


def test_the_dashboard_counts_what_waits_and_links_each_figure_to_its_list(carriers, operations, settings):
    settings.SHIPPING_PROMISE_HOURS = 48
    paid_order(paid_at=timezone.now() - dt.timedelta(hours=60))
    paid_order()
    paid_order(fulfilment="pickup")  # handed over in store, not shipped
    asked = paid_order()
    after_sales.request_refund(order=asked, member=asked.user, kind="refund_only", reason="a")
    PaymentProblem.objects.create(kind="amount_mismatch", provider="wechat", reference="T9", message="金额不符")
    stuck = services.ship_order(order=paid_order(), carrier="ZTO", tracking_number=tracking_number("ZTO"))
    Shipment.objects.filter(pk=stuck.pk).update(shipped_at=timezone.now() - dt.timedelta(days=6))
    services.ship_order(order=paid_order(), carrier="SF", tracking_number=tracking_number("SF"))

    response = operations.get(DASHBOARD)

    assert response.status_code == 200
    tiles = {tile.key: tile for tile in response.context["tiles"]}
    assert (tiles["to_ship"].count, tiles["overdue"].count) == (3, 1)
    assert tiles["after_sales"].count == 1 and tiles["payment_problems"].count == 1
    assert tiles["parcels"].count == 1
    assert tiles["overdue"].url == "/admin/logistics/ordertoship/?overdue=yes"
    assert tiles["after_sales"].url == "/admin/storefront/operationsorder/?problem=after_sales"
    for tile in tiles.values():
        assert operations.get(tile.url).status_code == 200, tile.key
    html = response.content.decode()
    assert '<svg id="kit-shipped-chart"' in html and "<script>" not in html
    today = timezone.localdate()
    assert f"{today:%m-%d} 发货 1 单" in html  # the parcel sent today; the stuck one is 6 days back
    six_days_ago = today - dt.timedelta(days=6)
    assert f"{six_days_ago:%m-%d} 发货 1 单" in html


def test_the_dashboard_costs_the_same_queries_however_many_orders(carriers, operations):
    def add():
        paid_order()
        services.ship_order(order=paid_order(), carrier="ZTO", tracking_number=tracking_number("ZTO"))

    add()
    with CaptureQueriesContext(connection) as few:
        operations.get(DASHBOARD)
    for _ in range(4):
        add()
    with CaptureQueriesContext(connection) as many:
        operations.get(DASHBOARD)
    assert len(few) == len(many)


def test_the_dashboard_is_for_operations_only(client):
    marketer = StaffFactory()
    marketer.groups.add(sync_role_group(MARKETING))
    client.force_login(marketer)
    assert client.get(DASHBOARD).status_code == 403
