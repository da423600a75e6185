"""Demo data of flash sales (settings.DEMO_EXTRA_LOADERS): one sale of two teas, running
whenever the demo is started. Its window is today (Shanghai) until three days later, so
each start of the demo re-opens it, and two loads on the same day write nothing new. The
quantity set aside is written when the item is created only (the demo's shoppers buy it)."""

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from oscar.apps.catalogue.models import Product

from flashsales.models import FlashSale, FlashSaleItem
from storefront.demo.upsert import upsert

SHANGHAI = ZoneInfo("Asia/Shanghai")
NAME = "限时秒杀 · 每日好茶"
QUANTITY = 50
PER_MEMBER = 2
SHARE = Decimal("0.70")  # the sale price: 70% of the normal price, whole yuan


def demo_window(now=None):
    today = timezone.localtime(now or timezone.now(), SHANGHAI).date()
    starts = dt.datetime.combine(today, dt.time(0, 0), tzinfo=SHANGHAI)
    return starts, starts + dt.timedelta(days=3)


def load_demo() -> str:
    starts, ends = demo_window()
    sale = upsert(
        FlashSale,
        lookup={"name": NAME},
        values={"starts_at": starts, "ends_at": ends, "is_active": True},
        initial={"per_member_limit": PER_MEMBER},
    )
    skus = (
        Product.objects.filter(
            structure=Product.CHILD, is_public=True, parent__is_public=True, stockrecords__price__gte=Decimal("20")
        )
        .select_related("parent")
        .order_by("upc")
        .distinct()[:2]
    )
    for product in skus:
        normal = product.stockrecords.order_by("pk").first().price
        upsert(
            FlashSaleItem,
            lookup={"sale": sale, "sku": product},
            values={"normal_price": normal, "sale_price": (normal * SHARE).quantize(Decimal("1"), ROUND_DOWN)},
            initial={"quantity": QUANTITY, "remaining": QUANTITY},
        )
    return f"flash sale {NAME!r}: {timezone.localtime(starts, SHANGHAI):%m-%d} to {timezone.localtime(ends, SHANGHAI):%m-%d}"
