"""Catalog writes: the listing rows beside Oscar's products, their search text, sales
counters, product image thumbnails, the catalog version that invalidates cached responses,
and submitting published product pages to WeChat search.
"""

import logging
import time
from decimal import InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from oscar.core.loading import get_model

from config.money import to_yuan
from storefront.catalog.models import ProductImageThumbnails, ProductListing
from storefront.catalog.selectors import hidden_attribute_codes

logger = logging.getLogger(__name__)

Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")

CATALOG_VERSION_KEY = "catalog:version"
PRODUCT_PAGE_PATH = "pages/product/index"


# --- cache version ------------------------------------------------------------------------
def catalog_version() -> str:
    """The current catalog version; cached catalog responses are keyed by it."""
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        version = str(time.time_ns())
        cache.add(CATALOG_VERSION_KEY, version, None)
        version = cache.get(CATALOG_VERSION_KEY, version)
    return version


def bump_catalog_version() -> None:
    """Makes every cached catalog response stale.

    Called at once and again after commit: a response rebuilt between the two from
    not-yet-committed data is dropped by the second bump."""
    _bump()
    transaction.on_commit(_bump)


def _bump():
    cache.set(CATALOG_VERSION_KEY, str(time.time_ns()), None)


# --- listings and search text -------------------------------------------------------------
def ensure_listing(*, product) -> ProductListing:
    listing, _ = ProductListing.objects.get_or_create(product=product)
    return listing


def _attribute_texts(values) -> list[str]:
    texts = []
    for value in values:
        try:
            text = value.value_as_text
        except Exception:  # an attribute type Oscar cannot render as text is not searchable
            logger.debug("attribute value %s has no text form", value.pk)
            continue
        if text:
            texts.append(str(text))
    return texts


def sync_original_price(*, value, deleted: bool = False) -> None:
    """An Oscar attribute coded CATALOG_ORIGINAL_PRICE_ATTRIBUTE ("original_price", editable
    on the dashboard's product form) becomes the listing's crossed-out price."""
    if value.attribute.code != settings.CATALOG_ORIGINAL_PRICE_ATTRIBUTE:
        return
    amount = None
    if not deleted:
        try:
            amount = to_yuan(str(value.value).strip()) if value.value not in (None, "") else None
        except (InvalidOperation, TypeError, ValueError):
            logger.warning("product %s: original price %r is not an amount", value.product_id, value.value)
            amount = None
        if amount is not None and amount < 0:
            amount = None
    listing, _ = ProductListing.objects.get_or_create(product_id=value.product_id)
    if listing.original_price != amount:
        ProductListing.objects.filter(pk=listing.pk).update(original_price=amount)


def refresh_search_text(*, product_id: int) -> None:
    """Rebuilds the search text of a browsable product (a child refreshes its parent):
    title, the marketer's keywords, and the attribute values of the product and its SKUs."""
    product = Product.objects.filter(pk=product_id).only("id", "parent_id", "structure", "title").first()
    if product is None:
        return
    if product.parent_id:
        product = Product.objects.filter(pk=product.parent_id).only("id", "structure", "title").first()
        if product is None:
            return
    listing = ensure_listing(product=product)
    values = (
        ProductAttributeValue.objects.filter(product__in=[product.pk, *product.children.values_list("pk", flat=True)])
        .exclude(attribute__code__in=hidden_attribute_codes())
        .select_related("attribute", "value_option")
        .prefetch_related("value_multi_option")
        .order_by("product_id", "attribute_id")
    )
    attributes = " ".join(dict.fromkeys(_attribute_texts(values))).lower()
    title = (product.title or "").lower()
    keywords = listing.search_keywords.lower()
    ProductListing.objects.filter(pk=listing.pk).update(
        search_text=" ".join(part for part in (title, keywords, attributes) if part),
        search_attributes=attributes,
    )


@transaction.atomic
def update_listing(*, product, search_keywords=None, purchase_limit=None, original_price=None) -> ProductListing:
    """What marketers set per product or SKU; `None` leaves a value as it is."""
    listing = ensure_listing(product=product)
    if search_keywords is not None:
        listing.search_keywords = search_keywords.strip()
    if purchase_limit is not None:
        listing.purchase_limit = purchase_limit or None
    if original_price is not None:
        listing.original_price = original_price
    listing.full_clean()
    # Saving a listing refreshes the search text and the catalog version (storefront.signals).
    listing.save()
    return listing


# --- sales --------------------------------------------------------------------------------
@transaction.atomic
def record_sale(*, product_id: int, quantity: int) -> None:
    """Counts `quantity` units sold of a SKU (and of its parent, which the list orders by).
    A negative quantity takes back a refunded sale; the count never goes below zero."""
    product = Product.objects.filter(pk=product_id).only("id", "parent_id").first()
    if product is None:
        return
    ids = [product.pk] + ([product.parent_id] if product.parent_id else [])
    for pk in ids:
        ProductListing.objects.get_or_create(product_id=pk)
    if quantity >= 0:
        ProductListing.objects.filter(pk__in=ids).update(sales_count=F("sales_count") + quantity)
    else:
        listings = ProductListing.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        for listing in listings:
            listing.sales_count = max(0, listing.sales_count + quantity)
            listing.save(update_fields=["sales_count"])
    bump_catalog_version()


# --- thumbnails ---------------------------------------------------------------------------
def make_product_image_thumbnails(*, image_id: int) -> ProductImageThumbnails | None:
    """Renders the list and detail sizes of a product image once and stores their URLs."""
    from sorl.thumbnail import get_thumbnail

    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None or not image.original:
        return None
    existing = ProductImageThumbnails.objects.filter(image=image).first()
    if existing is not None and existing.source == image.original.name:
        return existing
    list_thumb = get_thumbnail(image.original, settings.CATALOG_THUMBNAIL_LIST, crop="center", quality=85)
    detail_thumb = get_thumbnail(image.original, settings.CATALOG_THUMBNAIL_DETAIL, upscale=False, quality=85)
    thumbnails, _ = ProductImageThumbnails.objects.update_or_create(
        image=image,
        defaults={"source": image.original.name, "list_url": list_thumb.url, "detail_url": detail_thumb.url},
    )
    # Cached answers showed the original until now: let them be rebuilt with the renditions.
    bump_catalog_version()
    return thumbnails


def make_missing_product_image_thumbnails(*, limit: int = 200) -> int:
    """The sweep behind the save-time task: renders images that have no renditions, or
    renditions of an older upload (a worker that was down, images loaded as raw fixtures).
    Returns how many it made."""
    stale = (
        ProductImage.objects.exclude(original="")
        .filter(Q(thumbnails__isnull=True) | ~Q(thumbnails__source=F("original")))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for image_id in list(stale) if make_product_image_thumbnails(image_id=image_id) is not None)


# --- WeChat search ------------------------------------------------------------------------
def product_page(product_id: int) -> dict:
    return {"path": PRODUCT_PAGE_PATH, "query": f"id={product_id}"}


def submit_product_page_for_search(*, product_id: int) -> bool:
    """Hands a published product's page to WeChat search. False when it is no longer
    public (unpublished again before the task ran): nothing is sent then."""
    from platforms.base import get_miniprogram

    if not Product.objects.filter(pk=product_id, is_public=True, parent__isnull=True).exists():
        return False
    get_miniprogram("wechat").submit_pages([product_page(product_id)])
    return True
