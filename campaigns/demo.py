"""Demo data of entry points (settings.DEMO_EXTRA_LOADERS): a code for each demo store, two shop
assistants with their own codes, a poster channel and the spring giveaway's code; three demo
shoppers who scanned them, logged in and placed orders (pick up in store, unpaid: pay them on
the sandbox page to see paid GMV), so the funnel has something to show.

Rows are found by natural keys (entry point name, username, visitor key) and written only when
something differs; visits and orders are written once, when the demo shopper has none.
"""

import logging

from django.contrib.auth import get_user_model
from oscar.apps.catalogue.models import Product

from config.errors import KitError
from storefront.demo.upsert import upsert
from storefront.stores.models import Store

from . import services
from .models import AttributionRules, EntryPoint, Visit

logger = logging.getLogger(__name__)

# username, nickname of the two shop assistants (no admin access: they only hand out their code)
ASSISTANTS = [("demo_staff_xiaomei", "店员 小美"), ("demo_staff_ajie", "店员 阿杰")]
# username, nickname, which entry point they scanned (by name), whether they then ordered
SHOPPERS = [
    ("demo_scan_wang", "扫码茶友小王", "店员 小美的专属码", True),
    ("demo_scan_li", "扫码茶友小李", "店员 小美的专属码", True),
    ("demo_scan_zhao", "扫码茶友小赵", "春茶海报（地铁站）", False),
]


def load_demo() -> str:
    upsert(AttributionRules, lookup={"pk": 1}, values={}, initial={"window": AttributionRules.Window.DAYS, "days": 30})
    stores = list(Store.objects.filter(is_active=True).order_by("code"))
    for store in stores:
        upsert(
            EntryPoint,
            lookup={"name": f"{store.name}门店码"},
            values={
                "kind": EntryPoint.Kind.STORE,
                "store": store,
                "page": "pages/index/index",
                "params": {"store": store.pk},
            },
        )
    User = get_user_model()
    # The assistants work at the first store that offers pickup (where their shoppers collect).
    home = next((store for store in stores if store.offers_pickup), stores[0] if stores else None)
    for username, nickname in ASSISTANTS:
        assistant = upsert(User, lookup={"username": username}, values={"nickname": nickname})
        if home is not None:
            home.staff.add(assistant)
        upsert(
            EntryPoint,
            lookup={"name": f"{nickname}的专属码"},
            values={
                "kind": EntryPoint.Kind.STAFF,
                "staff": assistant,
                "store": home,
                "page": "pages/index/index",
                "params": {"store": home.pk} if home else {},
            },
        )
    upsert(
        EntryPoint,
        lookup={"name": "春茶海报（地铁站）"},
        values={"kind": EntryPoint.Kind.CHANNEL, "channel": EntryPoint.Channel.POSTER, "page": "pages/index/index"},
    )
    upsert(
        EntryPoint,
        lookup={"name": "春茶抽奖"},
        values={
            "kind": EntryPoint.Kind.CAMPAIGN,
            "campaign": "giveaway:spring-tea",
            "page": "pages/giveaway/index",
            "params": {"giveaway": "spring-tea"},
        },
    )
    made = sum(_shopper(*row, store=home) for row in SHOPPERS)
    return f"campaigns: {EntryPoint.objects.count()} entry points, {len(SHOPPERS)} scanning shoppers ({made} new)"


def _shopper(username, nickname, entry_name, orders, *, store) -> bool:
    visitor = f"demo-visitor-{username}"
    if Visit.objects.filter(visitor=visitor).exists():
        return False
    User = get_user_model()
    shopper = upsert(User, lookup={"username": username}, values={"nickname": nickname})
    entry = EntryPoint.objects.get(name=entry_name)
    services.record_visit(visitor=visitor, launch="1", scene_value=1047, path=entry.page, query={"scene": entry.scene})
    services.join_visits(member_id=shopper.pk, visitor=visitor, joined=True)
    services.record_visit(member=shopper, visitor=visitor, launch="2", scene_value=1001, path="pages/index/index")
    if orders and store is not None:
        _order(shopper, store)
    return True


def _order(shopper, store) -> None:
    from storefront.basket import services as basket_services
    from storefront.checkout import services as checkout_services

    product = (
        Product.objects.filter(is_public=True, stockrecords__num_in_stock__gt=5)
        .exclude(structure=Product.PARENT)
        .order_by("pk")
        .first()
    )
    if product is None:
        return
    try:
        basket_services.add_line(member=shopper, sku_id=product.pk, quantity=1)
        order, _ = checkout_services.place_order(
            member=shopper, idempotency_key=f"demo-{shopper.username}", payment_method="wechat", store_id=store.pk
        )
    except KitError as error:
        logger.info("demo order of %s not placed: %s", shopper.username, error.code)
        return
    services.attribute_order(order_id=order.pk)
