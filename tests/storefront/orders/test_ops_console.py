"""The operations console's order screens, as operations and store staff use them: the order
list with its badges and filters, the one order page (lines, money, address, parcels, the
platforms' state, after-sales decided in place, one status history with names), the bulk
actions, store staff limited to their store, and the friendly 403 and 404 pages."""

import logging
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.apps.order.models import Order

from logistics import services as shipping
from storefront.demo.roles import MARKETING, OPERATIONS, STORE_STAFF, sync_role_group
from storefront.orders import after_sales
from storefront.orders.models import AfterSalesRequest
from storefront.payments import refunds
from storefront.payments.models import PaymentProblem, Refund
from tests.factories import StaffFactory, StoreFactory, carriers, image, paid_order, tracking_number

pytestmark = pytest.mark.django_db

ORDERS = "/admin/storefront/operationsorder/"


def staff_with(role, **fields):
    user = StaffFactory(**fields)
    user.groups.add(sync_role_group(role))
    return user


@pytest.fixture
def operations(client):
    user = staff_with(OPERATIONS, nickname="运营部 老周")
    client.force_login(user)
    client.user = user
    return client


def row_of(html, number):
    """The list's row of one order."""
    return next(row for row in re.findall(r"<tr.*?</tr>", html, re.S) if number in row)


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_order_list_shows_recipient_items_money_and_problems_in_chinese(operations):
    carriers()
    quiet = paid_order(quantities=(2,))
    image(quiet.lines.get().product)
    asked = paid_order(quantities=(1, 1))
    after_sales.request_refund(order=asked, member=asked.user, kind="refund_only", reason="茶叶受潮了")

    html = page_of(operations, ORDERS)

    row_of_quiet = row_of(html, quiet.number)
    assert "张三" in row_of_quiet and "138****8000" in row_of_quiet
    assert "13800138000" not in html  # the list masks every phone
    assert "青山绿茶 1 × 2" in row_of_quiet and re.search(
        r'<img class="kit-thumb" src="[^"]+\.(png|jpg|webp)"', row_of_quiet
    )
    assert "¥60.00" in row_of_quiet and "微信支付" in row_of_quiet
    assert "待发货" in row_of_quiet and "kit-status-paid" in row_of_quiet
    assert "售后待处理" not in row_of_quiet
    row_of_asked = row_of(html, asked.number)
    assert "售后待处理" in row_of_asked
    assert "+00:00" not in html  # times are shown in Shanghai time, not in UTC


def test_the_list_filters_by_status_problem_carrier_and_payment(operations):
    carriers()
    shipped = paid_order()
    shipping.ship_order(order=shipped, carrier="ZTO", tracking_number=tracking_number("ZTO"))
    waiting = paid_order()
    by_alipay = paid_order(method="alipay")
    problem = paid_order()
    PaymentProblem.objects.create(
        kind="amount_mismatch", provider="wechat", reference="T1", order=problem, message="金额不符"
    )

    def listed(query):
        response = operations.get(f"{ORDERS}?{query}")
        assert response.status_code == 200
        return {order.pk for order in response.context["cl"].result_list}

    assert listed("status=shipped") == {shipped.pk}
    assert listed("carrier=ZTO") == {shipped.pk}
    assert listed("problem=payment") == {problem.pk}
    assert listed("info__payment_method__exact=alipay") == {by_alipay.pk}
    assert waiting.pk in listed("status=paid")
    filters = page_of(operations, ORDERS)
    assert "订单状态" in filters and "待处理问题" in filters and "快递公司" in filters


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_a_few_or_a_full_page_of_orders(operations):
    carriers()

    def add_orders():
        order = paid_order(quantities=(1, 2))
        image(order.lines.first().product)
        after_sales.request_refund(order=order, member=order.user, kind="refund_only", reason="a")
        shipping.ship_order(order=paid_order(), carrier="SF", tracking_number=tracking_number("SF"))
        paid_order(fulfilment="pickup")

    add_orders()
    few = _queries(operations, ORDERS)
    for _ in range(5):
        add_orders()
    assert Order.objects.count() == 18
    assert _queries(operations, ORDERS) == few


def test_the_order_page_shows_lines_money_address_parcels_and_one_history_with_names(operations, caplog):
    carriers()
    order = paid_order(quantities=(2, 1))
    number = tracking_number("ZTO")
    shipping.ship_order(order=order, carrier="ZTO", tracking_number=number, actor=operations.user)

    with caplog.at_level(logging.INFO, logger="storefront.orders.admin"):
        html = page_of(operations, f"{ORDERS}{order.pk}/change/")

    for text in ("青山绿茶 1", "青山绿茶 2", "SKU 编码", "实付金额", "¥90.00", "未使用积分或优惠券"):
        assert text in html
    # Operations see the full phone, and that look is logged with who looked.
    assert "13800138000" in html
    assert any(order.number in r.getMessage() and "in full" in r.getMessage() for r in caplog.records)
    # The parcel with its carrier and number.
    assert "中通快递" in html and number in html
    # One history: each change once, in Chinese, with the name of who did it.
    history = re.search(r'<table class="kit-history">.*?</table>', html, re.S).group(0)
    assert history.count("待发货 → 已发货") == 1
    assert "运营部 老周" in history
    assert not re.search(r"(staff|member) \d+", history)
    assert "shipped" not in history
    # No field of the order can be edited: no save button.
    assert 'name="_save"' not in html


def test_a_marketers_view_of_the_phone_is_masked_and_store_staff_see_no_payments(client):
    store = StoreFactory()
    order = paid_order(fulfilment="pickup", store=store)
    clerk = staff_with(STORE_STAFF, nickname="静安店 小美")
    store.staff.add(clerk)
    client.force_login(clerk)
    html = page_of(client, f"{ORDERS}{order.pk}/change/")
    assert "13800138000" not in html and "138****8000" in html
    assert "T" + order.number not in html  # no payment inline for store staff


def test_the_ship_button_is_on_top_and_a_pending_request_is_flagged(operations):
    carriers()
    order = paid_order()
    after_sales.request_refund(order=order, member=order.user, kind="refund_only", reason="不想要了")

    html = page_of(operations, f"{ORDERS}{order.pk}/change/")

    ship_url = reverse("admin:logistics_ordertoship_ship", args=[order.pk])
    assert f'id="kit-ship-top" class="button default kit-ship-button" href="{ship_url}"' in html
    assert "顾客有待处理的售后申请：发货前需要确认" in html
    # Before the first section of the page: visible without scrolling.
    assert html.index("kit-ship-top") < html.index("商品与金额")


def test_operations_approve_an_after_sales_request_from_the_order_page(operations):
    order = paid_order()
    request = after_sales.request_refund(order=order, member=order.user, kind="refund_only", reason="破损")
    html = page_of(operations, f"{ORDERS}{order.pk}/change/")
    approve = reverse("admin:storefront_aftersalesrequest_decide", args=[request.pk, "approve"])
    assert f'formaction="{approve}"' in html and "同意退款" in html

    response = operations.post(approve, {"decision_note": "照片可见破损", "restock": ""})

    assert response.status_code == 302 and response["Location"] == f"{ORDERS}{order.pk}/change/"
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.decision_note) == ("approved", operations.user, "照片可见破损")
    assert Refund.objects.get(order=order).amount == request.amount
    assert Order.objects.get(pk=order.pk).status == "refunding"
    html = page_of(operations, f"{ORDERS}{order.pk}/change/")
    assert "已同意，退款中" in html and "由 运营部 老周 处理" in html


def test_a_rejection_from_the_order_page_leaves_the_order_paid(operations):
    order = paid_order()
    request = after_sales.request_refund(order=order, member=order.user, kind="refund_only", reason="a")
    operations.post(reverse("admin:storefront_aftersalesrequest_decide", args=[request.pk, "reject"]), {})
    request.refresh_from_db()
    assert request.status == AfterSalesRequest.Status.REJECTED
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_a_get_or_someone_without_the_operate_permission_decides_nothing(client):
    order = paid_order()
    request = after_sales.request_refund(order=order, member=order.user, kind="refund_only", reason="a")
    url = reverse("admin:storefront_aftersalesrequest_decide", args=[request.pk, "approve"])
    client.force_login(staff_with(OPERATIONS))
    client.get(url)
    clerk = staff_with(STORE_STAFF)
    client.force_login(clerk)
    assert client.post(url, {}).status_code == 403
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_packing_list_prints_the_chosen_orders_and_import_shipping_starts_from_the_list(operations):
    carriers()
    first, second, other = paid_order(quantities=(2,)), paid_order(quantities=(1, 3)), paid_order()

    response = operations.post(ORDERS, {"action": "print_packing_list", "_selected_action": [first.pk, second.pk]})

    html = response.content.decode()
    assert response.status_code == 200 and "拣货单" in html
    assert first.number in html and second.number in html and other.number not in html
    assert html.count("kit-packing-order") == 2
    to_import = operations.post(ORDERS, {"action": "ship_by_import", "_selected_action": [first.pk]})
    assert to_import.status_code == 302
    assert to_import["Location"].startswith(reverse("admin:logistics_shipment_import"))
    assert first.number in to_import["Location"]


def test_operations_cancel_an_unpaid_order_with_the_action(operations, monkeypatch):
    order = paid_order(status="pending_payment")
    called = []
    monkeypatch.setattr(
        "storefront.payments.unpaid.cancel_unpaid_order", lambda **kwargs: called.append(kwargs["order"].pk)
    )
    operations.post(ORDERS, {"action": "cancel_unpaid", "_selected_action": [order.pk]})
    assert called == [order.pk]


# --- store staff -----------------------------------------------------------------------------
def test_store_staff_see_only_their_stores_orders_and_hand_them_over(client):
    mine, theirs = StoreFactory(name="静安店"), StoreFactory(name="武康路店")
    clerk = staff_with(STORE_STAFF, nickname="静安店 小美")
    mine.staff.add(clerk)
    own = paid_order(fulfilment="pickup", store=mine)
    other = paid_order(fulfilment="pickup", store=theirs)
    delivery = paid_order()
    client.force_login(clerk)

    listed = {o.pk for o in client.get(ORDERS).context["cl"].result_list}
    assert listed == {own.pk}
    assert client.get(f"{ORDERS}{other.pk}/change/").status_code in (302, 404)
    assert client.get(f"{ORDERS}{delivery.pk}/change/").status_code in (302, 404)
    pickup = page_of(client, reverse("admin:storefront_operationsorder_pickup"))
    assert own.number in pickup and other.number not in pickup

    refused = client.post(reverse("admin:storefront_operationsorder_pickup"), {"code": other.info.pickup_code})
    assert refused.status_code == 200
    assert Order.objects.get(pk=other.pk).status == "paid"
    done = client.post(reverse("admin:storefront_operationsorder_pickup"), {"code": own.info.pickup_code})
    assert done.status_code == 302
    assert Order.objects.get(pk=own.pk).status == "completed"
    # Nothing else of the console is theirs.
    assert client.get("/admin/storefront/paymenttransaction/").status_code == 403
    assert client.get("/admin/logistics/ordertoship/").status_code == 403


# --- friendly refusals -------------------------------------------------------------------------
def test_a_marketer_opening_orders_gets_the_consoles_403_saying_what_they_can_do(client, caplog):
    marketer = staff_with(MARKETING, username="xiaolin")
    client.force_login(marketer)

    with caplog.at_level(logging.INFO):
        response = client.get(ORDERS)

    assert response.status_code == 403
    html = response.content.decode()
    assert "您的账号没有权限打开这个页面" in html
    assert "市场" in html and "您可以打开" in html
    assert "/admin/offers/couponbatch/" in html  # a page of theirs, offered instead
    refusals = [r for r in caplog.records if "permission refused" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].levelno == logging.INFO and refusals[0].exc_info is None
    assert "xiaolin" in refusals[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and "/admin/" in r.getMessage()]


def test_a_page_that_does_not_exist_gets_the_consoles_404(operations):
    response = operations.get("/admin/storefront/no-such-screen/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "找不到这个页面" in html and "回到首页" in html


def test_refunds_in_flight_flag_the_order_in_the_list(operations):
    order = paid_order()
    refunds.start_refund(order=order, amount=Decimal("1.00"), key="OPS1", actor=operations.user)
    row = row_of(page_of(operations, ORDERS), order.number)
    assert "退款中" in row
