"""Builders of catalog data shaped like the demo's: a tea shop with categories, products
with SKUs (Oscar child products with text attributes), stock records and images."""

import hashlib
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from oscar.core.loading import get_model
from PIL import Image

from storefront.catalog import services as catalog_services

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductImage = get_model("catalogue", "ProductImage")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")


def product_class(name="茶叶", *, track_stock=True):
    key = hashlib.sha1(f"{name}/{track_stock}".encode()).hexdigest()[:8]
    klass, _ = ProductClass.objects.get_or_create(
        slug=f"class-{key}", defaults={"name": name, "track_stock": track_stock}
    )
    return klass


def attribute(klass, code, name):
    found, _ = ProductAttribute.objects.get_or_create(
        product_class=klass, code=code, defaults={"name": name, "type": "text"}
    )
    return found


def category(name, parent=None):
    if parent is None:
        return Category.objects.add_root(create_kwargs={"name": name})
    return Category.objects.add_child(parent, create_kwargs={"name": name})


def partner():
    found, _ = Partner.objects.get_or_create(code="qingshan", defaults={"name": "青山茶舍"})
    return found


def stock(product, *, price="10.00", num_in_stock=10, num_allocated=None, low_stock_threshold=None):
    return StockRecord.objects.create(
        product=product,
        partner=partner(),
        partner_sku=f"sku-{product.pk}",
        price_currency="CNY",
        price=Decimal(price) if price is not None else None,
        num_in_stock=num_in_stock,
        num_allocated=num_allocated,
        low_stock_threshold=low_stock_threshold,
    )


def png_bytes(size=(1200, 900), color=(30, 120, 60)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def image(product, *, display_order=0, caption="", thumbnails=True):
    made = ProductImage.objects.create(
        product=product,
        display_order=display_order,
        caption=caption,
        original=SimpleUploadedFile(f"p{product.pk}-{display_order}.png", png_bytes(), content_type="image/png"),
    )
    if thumbnails:
        # What the task queued on commit does; tests run inside a transaction that never commits.
        catalog_services.make_product_image_thumbnails(image_id=made.pk)
    return made


def standalone(
    title,
    *,
    price="10.00",
    num_in_stock=10,
    categories=(),
    keywords="",
    klass=None,
    is_public=True,
    images=0,
    description="",
    **stock_kwargs,
):
    product = Product.objects.create(
        title=title,
        structure=Product.STANDALONE,
        product_class=klass or product_class(),
        is_public=is_public,
        description=description,
    )
    for cat in categories:
        ProductCategory.objects.create(product=product, category=cat)
    if price is not None or num_in_stock:
        stock(product, price=price, num_in_stock=num_in_stock, **stock_kwargs)
    if keywords:
        catalog_services.update_listing(product=product, search_keywords=keywords)
    for order in range(images):
        image(product, display_order=order)
    return product


def with_skus(title, skus, *, categories=(), keywords="", klass=None, is_public=True, images=0, description=""):
    """A parent product and one child per entry of `skus`: dicts of attribute values
    ({"color": "红", "size": "M"}) plus optional price, stock, allocated, limit, original_price."""
    klass = klass or product_class()
    names = {"color": "颜色", "size": "规格", "weight": "重量", "origin": "产地"}
    parent = Product.objects.create(
        title=title,
        structure=Product.PARENT,
        product_class=klass,
        is_public=is_public,
        description=description,
    )
    for cat in categories:
        ProductCategory.objects.create(product=parent, category=cat)
    for spec in skus:
        spec = dict(spec)
        price = spec.pop("price", "10.00")
        num_in_stock = spec.pop("stock", 10)
        allocated = spec.pop("allocated", None)
        limit = spec.pop("limit", None)
        original = spec.pop("original_price", None)
        child = Product.objects.create(
            parent=parent, structure=Product.CHILD, title="", is_public=spec.pop("is_public", True)
        )
        for code, value in spec.items():
            ProductAttributeValue.objects.create(
                product=child, attribute=attribute(klass, code, names.get(code, code)), value_text=value
            )
        stock(child, price=price, num_in_stock=num_in_stock, num_allocated=allocated)
        if limit or original:
            catalog_services.update_listing(
                product=child, purchase_limit=limit, original_price=Decimal(original) if original else None
            )
    if keywords:
        catalog_services.update_listing(product=parent, search_keywords=keywords)
    for order in range(images):
        image(parent, display_order=order)
    return parent
