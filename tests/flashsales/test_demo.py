"""The demo has a flash sale running whenever it is started: two teas at 70% of their price,
50 units each, 2 per member. Loading the demo again the same day changes nothing, and a
shopper buys from the sale through the flash-sale path."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from flashsales.models import FlashSale, FlashSaleItem
from tests.flashsales.conftest import buy_fast, shopper
from tests.steps import ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path_factory):
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "flashsales-demo-media")
    settings.FLASH_SALE_COUNTER = "database"
    call_command("load_demo", stdout=StringIO())


def snapshot():
    return [sorted(model.objects.values_list(), key=str) for model in (FlashSale, FlashSaleItem)]


def test_the_demo_sale_is_running_and_a_shopper_buys_from_it(demo):
    sale = FlashSale.objects.get()
    assert sale.state_at(timezone.now()) == "running"
    items = list(sale.items.select_related("sku"))
    assert len(items) == 2
    for item in items:
        assert item.sale_price < item.normal_price
        assert (item.quantity, item.remaining) == (50, 50)

    before = snapshot()
    call_command("load_demo", stdout=StringIO())
    assert snapshot() == before

    ok(buy_fast(shopper(), sale, items[0].sku, 2), 201)
    assert FlashSaleItem.objects.get(pk=items[0].pk).remaining == 48
