"""The marketer's flash-sale screens without a browser: the list shows each sale's live
remaining quantity, orders placed and paid and the conversion, in Chinese and Shanghai time;
raising an item's quantity on its page moves the remaining quantity (and the counter) with it."""

import html
import re

import pytest
from django.test import Client
from django.utils import timezone

from flashsales.demo import SHANGHAI
from storefront.demo.roles import MARKETING, sync_role_group
from storefront.orders.status import PAID, change_order_status
from tests.factories import StaffFactory, sku
from tests.flashsales.conftest import buy_fast, counter_left, item_of, schedule_sale, shopper
from tests.steps import ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer_client():
    marketer = StaffFactory(username="xiaolin", nickname="市场部 小林")
    marketer.groups.add(sync_role_group(MARKETING))
    client = Client()
    client.force_login(marketer)
    return client


def test_the_list_shows_remaining_orders_paid_and_conversion(marketer_client, settings, committed):
    settings.FLASH_SALE_COUNTER = "database"
    tea = sku(price="128.00", stock=50)
    sale = schedule_sale((tea, "59.00", 10), limit=1, name="周年庆秒杀")
    numbers = [ok(buy_fast(shopper(), sale, tea), 201)["number"] for _ in range(4)]
    from oscar.apps.order.models import Order

    change_order_status(Order.objects.get(number=numbers[0]), PAID, actor="test", reason="paid in the test")

    page = marketer_client.get("/admin/flashsales/flashsale/")
    assert page.status_code == 200
    text = page.content.decode()
    # The sale's row; the theme wraps each cell's value in its own markup, so only the text counts.
    row = next(r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", text, re.S) if "周年庆秒杀" in r)
    cells = [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]
    name = next(i for i, cell in enumerate(cells) if cell == "周年庆秒杀")
    starts, _ends, state, limit, quota, left, placed, paid, conversion = cells[name + 1 : name + 10]
    assert starts == f"{timezone.localtime(sale.starts_at, SHANGHAI):%Y-%m-%d %H:%M}"
    assert (state, limit, quota) == ("进行中", "1", "10")
    assert (left, placed, paid, conversion) == ("6", "4", "1", "10%")  # paid / quota

    detail = marketer_client.get(f"/admin/flashsales/flashsale/{sale.pk}/change/").content.decode()
    assert "下单 4 笔，付款 1 笔" in detail
    assert "已售占比 40%" in detail


def test_raising_the_quantity_moves_the_remaining_with_it(marketer_client, settings, committed):
    settings.FLASH_SALE_COUNTER = "database"
    tea = sku(price="128.00", stock=50)
    sale = schedule_sale((tea, "59.00", 10), limit=3)
    ok(buy_fast(shopper(), sale, tea, 3), 201)
    item = item_of(sale)
    form = {
        "name": sale.name,
        "starts_at_0": f"{timezone.localtime(sale.starts_at, SHANGHAI):%Y-%m-%d}",
        "starts_at_1": f"{timezone.localtime(sale.starts_at, SHANGHAI):%H:%M:%S}",
        "ends_at_0": f"{timezone.localtime(sale.ends_at, SHANGHAI):%Y-%m-%d}",
        "ends_at_1": f"{timezone.localtime(sale.ends_at, SHANGHAI):%H:%M:%S}",
        "per_member_limit": "3",
        "is_active": "on",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "1",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-id": str(item.pk),
        "items-0-sale": str(sale.pk),
        "items-0-sku": str(tea.pk),
        "items-0-sale_price": "59.00",
        "items-0-normal_price": "128.00",
        "items-0-quantity": "20",
    }
    with committed():
        response = marketer_client.post(f"/admin/flashsales/flashsale/{sale.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    item.refresh_from_db()
    assert (item.quantity, item.remaining) == (20, 17)  # 3 held by the order
    assert counter_left(item) == 17
