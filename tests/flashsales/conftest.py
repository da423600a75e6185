"""Fixtures of the flash-sale stories: a sale a marketer scheduled (SKUs at a sale price, a
quantity set aside, a per-member limit, a window around now), shoppers with an address, and
the fast counter in both of its forms (the database always; Redis too where REDIS_URL is
set, under a key prefix of the test's own so parallel runs never share a counter)."""

import datetime as dt
import itertools
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from flashsales.counter import get_counter
from flashsales.models import FlashSale, FlashSaleItem
from tests.conftest import client_for
from tests.factories import MemberFactory, address_of
from tests.storefront.payments.conftest import committed, providers  # noqa: F401
from tests.storefront.shopping import _checkout_settings  # noqa: F401

SALES = "/api/v1/flash-sales/"
_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def _own_counter_keys(settings):
    settings.FLASH_SALE_COUNTER_PREFIX = f"test-flashsale-{uuid.uuid4().hex}"
    settings.FLASH_SALE_PAY_MINUTES = 10


@pytest.fixture(params=["database", "redis"])
def counter_kind(request, settings):
    """Each fast-path story runs over the database counter and, where Redis is there, Redis."""
    if request.param == "redis" and not settings.REDIS_URL:
        pytest.skip("no REDIS_URL: the Redis counter is exercised where Redis runs (CI, the PG runs)")
    settings.FLASH_SALE_COUNTER = request.param
    return request.param


def schedule_sale(*items, limit=2, starts_in=-60, ends_in=60, name="周年庆秒杀", active=True):
    """items: (sku, sale price, quantity). `starts_in`/`ends_in` are minutes from now."""
    now = timezone.now()
    sale = FlashSale.objects.create(
        name=name,
        starts_at=now + dt.timedelta(minutes=starts_in),
        ends_at=now + dt.timedelta(minutes=ends_in),
        per_member_limit=limit,
        is_active=active,
    )
    for sku, price, quantity in items:
        FlashSaleItem.objects.create(sale=sale, sku=sku, sale_price=Decimal(price), quantity=quantity)
    return sale


def item_of(sale, sku=None):
    return FlashSaleItem.objects.get(sale=sale, **({"sku": sku} if sku is not None else {}))


def counter_left(item):
    return get_counter().peek(item.pk)


def shopper(**fields):
    member = MemberFactory(**fields)
    member.address = address_of(member)
    member.api = client_for(member)
    return member


def buy_fast(member, sale, sku, quantity=1, *, key=None, **body):
    body = {"sku": sku.pk, "quantity": quantity, "payment_method": "wechat", "address_id": member.address.pk, **body}
    return member.api.post(
        f"{SALES}{sale.pk}/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key or f"flash-{next(_keys)}"
    )


def error_code(response):
    return response.json()["error"]["code"]
