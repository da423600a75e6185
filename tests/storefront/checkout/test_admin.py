"""Operations work orders in the Django admin; the demo brings an offer and a voucher."""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from oscar.apps.offer.models import ConditionalOffer
from oscar.apps.voucher.models import Voucher

from platforms.base import SHANGHAI
from storefront.orders.models import OrderInfo
from storefront.orders.status import change_order_status
from tests.factories import StaffFactory, buy, pickup_store, sku, stock_of

pytestmark = pytest.mark.django_db

URL = "/admin/storefront/operationsorder/"


@pytest.fixture
def ops_client(client):
    user = StaffFactory()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="storefront",
            codename__in=["operate_orders", "view_operationsorder", "change_operationsorder"],
        )
    )
    client.force_login(user)
    return client


def test_orders_are_filterable_by_status_payment_store_date_and_overdue(member, ops_client, settings):
    settings.SHIPPING_PROMISE_HOURS = 48
    late, on_time = buy(member, sku()), buy(member, sku(), store=pickup_store(), payment_method="alipay")
    for order in (late, on_time):
        change_order_status(order, "paid", actor="test", reason="paid")
    OrderInfo.objects.filter(order=late).update(paid_at=timezone.now() - timedelta(hours=49))
    store_id = on_time.info.pickup_store_id
    for query, expected in [
        ("", {late.number, on_time.number}),
        ("?status=paid", {late.number, on_time.number}),
        ("?overdue=yes", {late.number}),
        ("?info__payment_method=alipay", {on_time.number}),
        (f"?info__pickup_store__id__exact={store_id}", {on_time.number}),
        (f"?date_placed__gte={timezone.localdate():%Y-%m-%d}", {late.number, on_time.number}),
        (f"?q={late.number}", {late.number}),
    ]:
        response = ops_client.get(URL + query)
        assert response.status_code == 200, query
        shown = {o.number for o in response.context["cl"].result_list}
        assert shown == expected, query


def test_the_order_page_shows_the_event_timeline(member, ops_client):
    order = buy(member, sku())
    change_order_status(order, "paid", actor="wechatpay:notification", reason="transaction 4200")
    page = ops_client.get(f"{URL}{order.pk}/change/").content.decode()
    # The 状态记录 table: time in Shanghai, the change in Chinese, who made it by name.
    table = page[page.index('<table class="kit-history"') :]
    table = table[: table.index("</table>")]
    rows = [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]
    placed, paid = order.notes.order_by("date_created", "pk")
    assert rows[1:] == [
        [
            f"{timezone.localtime(placed.date_created, SHANGHAI):%Y-%m-%d %H:%M:%S}",
            f"下单：合计 ¥{order.total_incl_tax:.2f}，快递配送",
            f"顾客 {member.nickname}",
        ],
        [
            f"{timezone.localtime(paid.date_created, SHANGHAI):%Y-%m-%d %H:%M:%S}",
            "待付款 → 待发货（transaction 4200）",
            "微信支付通知",
        ],
    ]


def test_operations_cancel_unpaid_orders_from_the_list(member, ops_client):
    tea = sku(stock=5)
    unpaid, paid = buy(member, tea), buy(member, tea)
    change_order_status(paid, "paid", actor="test", reason="paid")
    ops_client.post(URL, {"action": "cancel_unpaid", "_selected_action": [unpaid.pk, paid.pk]})
    unpaid.refresh_from_db()
    paid.refresh_from_db()
    assert (unpaid.status, paid.status) == ("cancelled", "paid")
    assert stock_of(tea).num_allocated == 0 and stock_of(tea).num_in_stock == 4
    assert unpaid.notes.filter(message__contains="cancelled by operations").exists()


def test_staff_without_the_operations_permission_cannot_cancel(member, client):
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_operationsorder"))
    client.force_login(viewer)
    order = buy(member, sku())
    assert client.get(URL).status_code == 200
    client.post(URL, {"action": "cancel_unpaid", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_the_demo_loader_adds_an_offer_and_a_voucher_once():
    from django.conf import settings

    from storefront.demo.checkout_extras import load_checkout_demo

    assert "storefront.demo.checkout_extras.load_checkout_demo" in settings.DEMO_EXTRA_LOADERS
    load_checkout_demo()
    load_checkout_demo()
    assert ConditionalOffer.objects.filter(name="满199减20").count() == 1
    voucher = Voucher.objects.get(code="QINGSHAN10")
    assert voucher.offers.count() == 1 and voucher.is_active()
