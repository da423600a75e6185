"""The benchmark catalog: 1,000 products with 5 SKUs and 3 images each, in a small
category tree, with stock, search keywords, sales counters and thumbnails.

Oscar's rows are bulk-inserted (the demo loader goes through the ORM one object at a time
and would take minutes at this size). Bulk inserts send no signals, so what the catalog
keeps beside Oscar's tables (storefront.ProductListing: search text, keywords, sales
counters; storefront.ProductImageThumbnails) is then filled by calling the catalog's own
service functions, exactly as the signals and tasks of a normal save would: the list,
search and detail scenarios read the same rows as in production."""

import io
import random
import time
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageDraw

FLAVOURS = ["原味", "少糖", "无糖", "桂花", "茉莉"]
SIZES = ["中杯", "大杯"]
KEYWORDS = ["送礼", "明前", "热饮", "冰饮", "新品", "限定", "低卡", "经典"]
WORDS = ["乌龙", "龙井", "普洱", "白茶", "红茶", "抹茶", "拿铁", "美式", "奶茶", "果茶", "碧螺春", "铁观音"]


def _images(count=12):
    """A dozen distinct JPEG files the 3,000 image rows share: thumbnails are made per file."""
    names = []
    for index in range(count):
        image = Image.new("RGB", (1200, 1200), (40 + index * 15, 120, 90 + index * 10))
        ImageDraw.Draw(image).ellipse((300, 300, 900, 900), fill=(240, 230, 210))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        name = f"bench/products/p{index:02d}.jpg"
        if default_storage.exists(name):
            default_storage.delete(name)
        names.append(default_storage.save(name, io.BytesIO(buffer.getvalue())))
    return names


@transaction.atomic
def load(products=1000, skus=5, images=3, seed=7):
    from oscar.apps.catalogue.categories import create_from_breadcrumbs
    from oscar.core.loading import get_model

    Product = get_model("catalogue", "Product")
    ProductClass = get_model("catalogue", "ProductClass")
    ProductAttribute = get_model("catalogue", "ProductAttribute")
    ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
    ProductCategory = get_model("catalogue", "ProductCategory")
    ProductImage = get_model("catalogue", "ProductImage")
    Partner = get_model("partner", "Partner")
    StockRecord = get_model("partner", "StockRecord")

    rng = random.Random(seed)
    product_class, _ = ProductClass.objects.get_or_create(
        name="Bench drink", defaults={"requires_shipping": True, "track_stock": True}
    )
    flavour, _ = ProductAttribute.objects.get_or_create(
        product_class=product_class, code="flavour", defaults={"name": "口味", "type": "text"}
    )
    size, _ = ProductAttribute.objects.get_or_create(
        product_class=product_class, code="size", defaults={"name": "规格", "type": "text"}
    )
    partner, _ = Partner.objects.get_or_create(name="Bench partner")
    categories = [
        create_from_breadcrumbs(path)
        for path in ("茶 > 绿茶", "茶 > 乌龙", "茶 > 红茶", "咖啡 > 拿铁", "咖啡 > 美式", "茶点 > 糕点")
    ]
    files = _images()

    parents = Product.objects.bulk_create(
        [
            Product(
                structure="parent",
                product_class=product_class,
                is_public=True,
                title=f"{rng.choice(WORDS)}{rng.choice(WORDS)} {n:04d}",
                slug=f"bench-{n}",
                description="<p>基准测试商品</p>",
                upc=f"BENCH-{n:05d}",
            )
            for n in range(products)
        ]
    )
    children = Product.objects.bulk_create(
        [
            Product(
                structure="child",
                parent=parent,
                is_public=True,
                title="",
                slug=f"bench-{p}-{s}",
                upc=f"BENCH-{p:05d}-{s}",
            )
            for p, parent in enumerate(parents)
            for s in range(skus)
        ]
    )
    values = []
    for index, child in enumerate(children):
        values.append(
            ProductAttributeValue(product=child, attribute=flavour, value_text=FLAVOURS[index % skus % len(FLAVOURS)])
        )
        values.append(
            ProductAttributeValue(
                product=child, attribute=size, value_text=SIZES[(index // len(FLAVOURS)) % len(SIZES)]
            )
        )
    ProductAttributeValue.objects.bulk_create(values)
    StockRecord.objects.bulk_create(
        [
            StockRecord(
                product=child,
                partner=partner,
                partner_sku=child.upc,
                price=Decimal(rng.randrange(1200, 4800)) / 100,
                num_in_stock=rng.randrange(0, 500),
                num_allocated=0,
            )
            for child in children
        ]
    )
    ProductCategory.objects.bulk_create(
        [ProductCategory(product=parent, category=categories[n % len(categories)]) for n, parent in enumerate(parents)]
    )
    ProductImage.objects.bulk_create(
        [
            ProductImage(product=parent, original=files[(n + i) % len(files)], caption="", display_order=i)
            for n, parent in enumerate(parents)
            for i in range(images)
        ]
    )
    extras = fill_catalog_extras(parents, children, rng)
    return {
        "products": len(parents),
        "skus": len(children),
        "images": len(parents) * images,
        "media_root": settings.MEDIA_ROOT,
        **extras,
    }


def fill_catalog_extras(parents, children, rng):
    """Listings, search text, sales counters and thumbnails through storefront.catalog.services,
    the calls the product/listing signals and the thumbnail task make on a normal save."""
    from oscar.core.loading import get_model

    from storefront.catalog import services
    from storefront.catalog.models import ProductListing

    ProductImage = get_model("catalogue", "ProductImage")
    started = time.monotonic()

    def lap(what):
        nonlocal started
        print(f"  {what} in {time.monotonic() - started:.1f} s", flush=True)
        started = time.monotonic()

    # A SKU's listing holds only its own figures (limit, crossed-out price, sales); saving
    # one makes the listing signal rebuild the search text of its parent, which the
    # update_listing call per parent below does once instead of five times.
    ProductListing.objects.bulk_create([ProductListing(product=child) for child in children])
    keyworded = 0
    for parent in parents:
        # update_listing creates the parent's listing and builds its search text (title,
        # marketer keywords, SKU attribute values); a third of the products get keywords.
        words = " ".join(rng.sample(KEYWORDS, 2)) if rng.random() < 0.33 else ""
        keyworded += bool(words)
        services.update_listing(product=parent, search_keywords=words)
    lap("listings and search text")
    # Sales of one SKU in five, counted on the SKU and its parent as a paid order does.
    sold = 0
    for child in children[::5]:
        services.record_sale(product_id=child.pk, quantity=rng.randrange(1, 300))
        sold += 1
    lap("sales counters")
    thumbnails = 0
    for image_id in ProductImage.objects.filter(product__in=parents).order_by("pk").values_list("pk", flat=True):
        thumbnails += services.make_product_image_thumbnails(image_id=image_id) is not None
    lap("thumbnails")
    return {"keyworded_products": keyworded, "skus_with_sales": sold, "thumbnails": thumbnails}


def flash_sale_sku(units=100):
    """A fresh SKU with exactly `units` in stock for the flash-sale scenario."""
    from oscar.core.loading import get_model

    Product = get_model("catalogue", "Product")
    StockRecord = get_model("partner", "StockRecord")
    parent = Product.objects.filter(structure="parent").order_by("pk").first()
    child = Product.objects.create(
        structure="child", parent=parent, is_public=True, title="限时秒杀", slug="bench-flash", upc="BENCH-FLASH"
    )
    StockRecord.objects.create(
        product=child,
        partner=StockRecord.objects.first().partner,
        partner_sku="BENCH-FLASH",
        price=Decimal("9.90"),
        num_in_stock=units,
        num_allocated=0,
    )
    return child.pk
