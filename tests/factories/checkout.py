"""Builders for checkout stories: SKUs with stock, offers, vouchers, a filled basket, an order."""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from oscar.apps.offer.models import Benefit, Condition, ConditionalOffer, Range
from oscar.apps.partner.models import StockRecord
from oscar.apps.voucher.models import Voucher
from oscar.test.factories import create_product

from storefront.basket import services as basket_services
from storefront.checkout import services as checkout_services
from tests.factories.members import AddressFactory
from tests.factories.stores import StoreFactory

_counter = itertools.count(1)


def sku(*, price="50.00", stock=10, title=None, public=True, track_stock=True):
    """A standalone product with one stock record: what the API calls a SKU."""
    n = next(_counter)
    product = create_product(
        title=title or f"明前龙井 {n}",
        product_class="茶叶" if track_stock else "电子卡券",
        price=Decimal(price),
        num_in_stock=stock,
        partner_sku=f"T{n:05d}",
        is_public=public,
    )
    if not track_stock:
        klass = product.product_class
        klass.track_stock = False
        klass.save()
    return product


def child_sku(parent_title="碧螺春", *, price="80.00", stock=5):
    parent = create_product(title=parent_title, structure="parent", product_class="茶叶")
    return create_product(parent=parent, title="", price=Decimal(price), num_in_stock=stock, product_class="茶叶")


def stock_of(product):
    return StockRecord.objects.get(product=product)


def _range(products=None):
    if products is None:
        return Range.objects.create(name=f"all {next(_counter)}", includes_all_products=True)
    rng = Range.objects.create(name=f"some {next(_counter)}")
    for product in products:
        rng.add_product(product)
    return rng


def site_offer(*, value, kind=Benefit.FIXED, products=None, exclusive=False, priority=0, name=None):
    """A site offer: `value` off (absolute yuan or percent) when the basket has one qualifying item."""
    rng = _range(products)
    return ConditionalOffer.objects.create(
        name=name or f"立减 {value} #{next(_counter)}",
        offer_type=ConditionalOffer.SITE,
        condition=Condition.objects.create(range=rng, type=Condition.COUNT, value=1),
        benefit=Benefit.objects.create(range=rng, type=kind, value=Decimal(value)),
        exclusive=exclusive,
        priority=priority,
    )


def voucher(code, *, value="10.00", usage=Voucher.MULTI_USE, products=None, starts=None, ends=None, exclusive=True):
    now = timezone.now()
    item = Voucher.objects.create(
        name=f"券 {code}",
        code=code,
        usage=usage,
        start_datetime=starts or now - timedelta(days=1),
        end_datetime=ends or now + timedelta(days=30),
    )
    rng = _range(products)
    offer = ConditionalOffer.objects.create(
        name=f"券 {code} 立减",
        offer_type=ConditionalOffer.VOUCHER,
        condition=Condition.objects.create(range=rng, type=Condition.COUNT, value=1),
        benefit=Benefit.objects.create(range=rng, type=Benefit.FIXED, value=Decimal(value)),
        exclusive=exclusive,
    )
    item.offers.add(offer)
    return item


def address_of(member, **fields):
    return AddressFactory(member=member, **fields)


def pickup_store(**fields):
    return StoreFactory(offers_pickup=True, **fields)


def fill_basket(member, *items):
    """items: (product, quantity) pairs, added through the basket service."""
    for product, quantity in items:
        basket_services.add_line(member=member, sku_id=product.pk, quantity=quantity)


def place(member, *, key=None, address=None, store=None, payment_method="wechat", **extra):
    """Places the member's basket through the service; returns the order."""
    if address is None and store is None:
        address = address_of(member)
    order, _created = checkout_services.place_order(
        member=member,
        idempotency_key=key or f"key-{next(_counter)}",
        payment_method=payment_method,
        address_id=address.pk if address else None,
        store_id=store.pk if store else None,
        **extra,
    )
    return order


def buy(member, product, quantity=1, **kwargs):
    fill_basket(member, (product, quantity))
    return place(member, **kwargs)
