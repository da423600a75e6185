"""Catalog bookkeeping: the search text follows titles, keywords and SKU attributes; sales
counters follow paid orders; an explicit version bump drops cached responses."""

from decimal import Decimal

import pytest
from oscar.test.factories import OrderFactory, OrderLineFactory

from storefront.catalog import services as catalog_services
from storefront.catalog.models import ProductListing
from storefront.catalog.strategy import ShelfPrice, StorefrontStrategy
from tests.factories import catalog as f

pytestmark = pytest.mark.django_db


def search_text(product):
    return ProductListing.objects.get(product=product).search_text


def test_every_product_gets_a_listing_row_on_save():
    parent = f.with_skus("白牡丹", [{"size": "50g"}])
    assert ProductListing.objects.filter(product__in=[parent, *parent.children.all()]).count() == 2


def test_search_text_follows_title_keywords_and_sku_attributes():
    product = f.with_skus("White Peony 白牡丹", [{"size": "50g", "origin": "福鼎"}], keywords="Gift 送礼")
    assert search_text(product) == "white peony 白牡丹 gift 送礼 50g 福鼎"
    product.title = "贡眉"
    product.save()
    child = product.children.get()
    value = child.attribute_values.get(attribute__code="origin")
    value.value_text = "政和"
    value.save()
    assert search_text(product) == "贡眉 gift 送礼 50g 政和"
    value.delete()
    assert "政和" not in search_text(product)


def test_update_listing_validates_and_refreshes():
    product = f.standalone("寿眉")
    catalog_services.update_listing(product=product, search_keywords="  老白茶  ", purchase_limit=2)
    listing = ProductListing.objects.get(product=product)
    assert (listing.search_keywords, listing.purchase_limit) == ("老白茶", 2)
    assert "老白茶" in listing.search_text


def test_sales_count_on_sku_and_parent_and_refunds_never_go_negative():
    parent = f.with_skus("银针", [{"size": "50g"}, {"size": "100g"}])
    small, large = parent.children.order_by("id")
    catalog_services.record_sale(product_id=small.pk, quantity=3)
    catalog_services.record_sale(product_id=large.pk, quantity=2)
    assert ProductListing.objects.get(product=parent).sales_count == 5
    catalog_services.record_sale(product_id=small.pk, quantity=-10)
    assert ProductListing.objects.get(product=small).sales_count == 0
    assert ProductListing.objects.get(product=parent).sales_count == 0


def test_recount_sales_counts_paid_orders_only():
    parent = f.with_skus("肉桂", [{"size": "50g", "price": "60.00"}])
    sku = parent.children.get()
    teapot = f.standalone("盖碗", price="80.00")
    paid = OrderFactory(status="paid")
    OrderLineFactory(order=paid, product=sku, quantity=2, partner_sku="t")
    OrderLineFactory(order=paid, product=teapot, quantity=1, partner_sku="t")
    unpaid = OrderFactory(status="pending_payment")
    OrderLineFactory(order=unpaid, product=sku, quantity=5, partner_sku="t")
    catalog_services.record_sale(product_id=teapot.pk, quantity=9)  # drifted: recount corrects it
    from storefront.orders.sales import recount_sales

    recount_sales()
    counts = dict(ProductListing.objects.values_list("product_id", "sales_count"))
    assert counts[sku.pk] == 2 and counts[parent.pk] == 2 and counts[teapot.pk] == 1


def test_recount_is_scheduled_nightly():
    from config.celery import BEAT_SCHEDULE

    assert any(entry["task"] == "storefront.tasks.recount_product_sales" for entry in BEAT_SCHEDULE.values())


def test_strategy_is_pluggable(settings, api):
    settings.CATALOG_STRATEGY = "tests.storefront.catalog.test_services.HalfPriceStrategy"
    product = f.standalone("促销茶", price="100.00")
    body = api.get(f"/api/v1/products/{product.pk}/").json()
    assert body["price"] == "50.00"
    assert body["skus"][0]["original_price"] == "100.00"


class HalfPriceStrategy(StorefrontStrategy):
    """A brand's own rule: everything at half price, the usual price crossed out."""

    def pricing_policy(self, product, stockrecord):
        if not stockrecord or stockrecord.price is None:
            return super().pricing_policy(product, stockrecord)
        return ShelfPrice(
            "CNY", (stockrecord.price / 2).quantize(Decimal("0.01")), Decimal("0"), original=stockrecord.price
        )


def test_original_price_attribute_becomes_the_crossed_out_price_and_is_not_shown(api):
    klass = f.product_class("茶叶 原价")
    parent = f.with_skus("正山小种", [{"size": "100g", "price": "98.00"}], klass=klass)
    sku = parent.children.get()
    value = f.ProductAttributeValue.objects.create(
        product=sku, attribute=f.attribute(klass, "original_price", "原价 (元)"), value_text="128.00"
    )
    body = api.get(f"/api/v1/products/{parent.pk}/").json()
    assert body["skus"][0]["original_price"] == "128.00"
    assert body["skus"][0]["attributes"] == {"size": "100g"}
    assert [a["code"] for a in body["sku_picker"]["attributes"]] == ["size"]
    assert "128" not in search_text(parent)
    value.value_text = "不是价格"
    value.save()
    assert ProductListing.objects.get(product=sku).original_price is None


def test_a_paid_order_counts_its_units_as_sold():
    from oscar.apps.order.models import Order

    from storefront.orders.events import order_paid

    parent = f.with_skus("岩茶", [{"size": "50g"}])
    sku = parent.children.get()
    order = OrderFactory(status="paid")
    OrderLineFactory(order=order, product=sku, quantity=3, partner_sku="t")
    order_paid.send_robust(sender=Order, order=order)  # as announced after the payment commits
    assert ProductListing.objects.get(product=parent).sales_count == 3
