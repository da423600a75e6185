"""Two members become one (the shopper bound the phone of an older account): what the absorbed
member bought at sale prices counts for the survivor, so the per-member limit covers both
accounts together, and the move happens once however often the task is delivered."""

import pytest

from flashsales import services
from flashsales.models import FlashSaleBuyer, FlashSaleOrderLine
from storefront.members.services import merge_members
from tests.factories import sku
from tests.flashsales.conftest import buy_fast, error_code, item_of, schedule_sale, shopper
from tests.steps import ok

pytestmark = pytest.mark.django_db


def test_the_absorbed_members_purchases_count_for_the_survivor(committed, counter_kind):
    tea, cup = sku(price="128.00", stock=50), sku(price="30.00", stock=50)
    sale = schedule_sale((tea, "59.00", 10), (cup, "9.90", 10), limit=2)
    survivor, older = shopper(), shopper(phone="13800138007")
    ok(buy_fast(survivor, sale, tea, 1), 201)
    ok(buy_fast(older, sale, tea, 1), 201)
    ok(buy_fast(older, sale, cup, 2), 201)

    with committed():
        merge_members(source=older, target=survivor, phone=older.phone, initiated_by=survivor)

    held = dict(FlashSaleBuyer.objects.filter(member=survivor).values_list("item__sku", "quantity"))
    assert held == {tea.pk: 2, cup.pk: 2}
    assert not FlashSaleBuyer.objects.filter(member=older).exists()
    assert set(FlashSaleOrderLine.objects.values_list("member", flat=True)) == {survivor.pk}
    # Together they reached the limit of two teas: the survivor buys no third.
    assert error_code(buy_fast(survivor, sale, tea, 1)) == "flash_sale_limit_reached"
    assert item_of(sale, tea).remaining == 8
    # The task delivered twice moves nothing more.
    assert services.move_buyers(source_id=older.pk, target_id=survivor.pk) == 0
