"""Anyone lists the flash sales running and to come, with the server's clock for the countdown
and what is left of each SKU; sales ended or switched off are not listed, and a page of many
sales costs the same queries as a page of one. The product detail shows its SKUs' sale
price and the countdown, for one query more."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tests.factories import catalog as f
from tests.factories import sku
from tests.flashsales.conftest import SALES, buy_fast, schedule_sale, shopper
from tests.steps import ok

pytestmark = pytest.mark.django_db


def test_running_and_upcoming_sales_are_listed_with_the_server_time_and_what_is_left(api, settings):
    settings.FLASH_SALE_COUNTER = "database"
    tea, cup = sku(price="128.00", stock=50), sku(price="45.00", stock=50)
    running = schedule_sale((tea, "59.00", 5), (cup, "19.90", 3), name="午间秒杀")
    upcoming = schedule_sale((cup, "9.90", 2), starts_in=120, ends_in=180, name="晚间秒杀")
    schedule_sale((tea, "49.00", 5), starts_in=-120, ends_in=-60, name="昨日秒杀")
    schedule_sale((tea, "49.00", 5), active=False, name="未启用")
    ok(buy_fast(shopper(), running, tea, 2), 201)

    body = ok(api.get(SALES))
    assert [(s["name"], s["state"]) for s in body["results"]] == [("午间秒杀", "running"), ("晚间秒杀", "upcoming")]
    assert abs(parse_datetime(body["server_time"]) - timezone.now()) < dt.timedelta(minutes=5)
    first, second = body["results"]
    assert [(i["sku"], i["sale_price"], i["normal_price"], i["remaining"]) for i in first["items"]] == [
        (tea.pk, "59.00", "128.00", 3),
        (cup.pk, "19.90", "45.00", 3),
    ]
    assert first["seconds_to_start"] == 0 and 0 < first["seconds_to_end"] <= 3600
    assert 0 < second["seconds_to_start"] <= 7200
    assert second["id"] == upcoming.pk and second["per_member_limit"] == 2


def test_a_page_of_many_sales_costs_the_queries_of_one(api):
    def queries_for_page():
        with CaptureQueriesContext(connection) as captured:
            ok(api.get(SALES, {"page_size": 50}))
        return len(captured)

    schedule_sale((sku(price="10.00"), "5.00", 1))
    one = queries_for_page()
    for n in range(12):
        schedule_sale(*[(sku(price="10.00"), "5.00", 3) for _ in range(3)], name=f"秒杀 {n}")
    assert queries_for_page() == one


def test_the_product_detail_shows_the_sale_price_and_countdown(api):
    cup = f.with_skus(
        "青瓷品茗杯", [{"size": "S", "price": "39.00", "stock": 20}, {"size": "M", "price": "45.00", "stock": 20}]
    )
    small, medium = cup.children.order_by("pk")
    with CaptureQueriesContext(connection) as before:
        plain = ok(api.get(f"/api/v1/products/{cup.pk}/"))
    assert plain["flash_sale"] is None
    sale = schedule_sale((medium, "29.00", 10), starts_in=-5, ends_in=55)

    with CaptureQueriesContext(connection) as after:
        body = ok(api.get(f"/api/v1/products/{cup.pk}/"))
    flash = body["flash_sale"]
    assert (flash["id"], flash["state"], flash["seconds_to_start"]) == (sale.pk, "running", 0)
    assert 0 < flash["seconds_to_end"] <= 55 * 60
    assert [(i["sku"], i["sale_price"], i["normal_price"], i["remaining"]) for i in flash["items"]] == [
        (medium.pk, "29.00", "45.00", 10)
    ]
    assert len(after) <= len(before) + 1


def test_the_product_detail_counts_down_to_a_sale_to_come(api):
    tea = sku(price="128.00")
    schedule_sale((tea, "59.00", 10), starts_in=30, ends_in=90)
    flash = ok(api.get(f"/api/v1/products/{tea.pk}/"))["flash_sale"]
    assert flash["state"] == "upcoming"
    assert 0 < flash["seconds_to_start"] <= 30 * 60
