"""Catalog reads for the shopper API: the category tree, the product list and the product
detail, each in a fixed number of queries whatever the page size or the number of SKUs and
images. Prices and stock come from the strategy (storefront.catalog.strategy), fed with prefetched
stock records so it never queries per product.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import nh3
from django.conf import settings
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils.module_loading import import_string
from oscar.core.loading import get_model

from config.errors import NotFound
from storefront.catalog.models import ProductListing
from storefront.catalog.strategy import get_strategy

Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")

ORDERINGS = {
    "price": (F("shelf_price").asc(nulls_last=True), "-id"),
    "-price": (F("shelf_price").desc(nulls_last=True), "-id"),
    "-created": ("-date_created", "-id"),
    "-sales": (F("sales").desc(), "-date_created", "-id"),
}
MAX_SEARCH_TERMS = 5


# --- categories ---------------------------------------------------------------------------
def category_tree() -> list[dict]:
    """Public categories as nested dicts, in one query (treebeard's path order)."""
    categories = (
        Category.objects.filter(is_public=True, ancestors_are_public=True)
        .order_by("path")
        .only("id", "name", "slug", "path", "depth")
    )
    roots: list[dict] = []
    open_nodes: dict[str, dict] = {}
    step = Category.steplen
    for category in categories:
        node = {"id": category.pk, "name": category.name, "slug": category.slug, "children": []}
        parent = open_nodes.get(category.path[:-step]) if category.depth > 1 else None
        if category.depth == 1:
            roots.append(node)
        elif parent is not None:
            parent["children"].append(node)
        else:
            continue  # under a hidden branch
        open_nodes[category.path] = node
    return roots


def get_public_category(category_id: int):
    category = Category.objects.filter(pk=category_id, is_public=True, ancestors_are_public=True).first()
    if category is None:
        raise NotFound("No such category.", code="category_not_found")
    return category


# --- products: shared pieces --------------------------------------------------------------
def _browsable():
    return Product.objects.filter(is_public=True, parent__isnull=True).exclude(structure=Product.CHILD)


def _sku_stockrecords(product_ref="pk"):
    """Stock records of a product's sellable units: its own, or its public children's."""
    # product_id IN (the product and its public children), not an OR across the join:
    # PostgreSQL answers this from the primary key and parent_id indexes, where the OR
    # made it scan every stock record for every product.
    units = Product.objects.filter(
        Q(pk=OuterRef(OuterRef(product_ref))) | Q(parent_id=OuterRef(OuterRef(product_ref)), is_public=True)
    ).values("pk")
    return StockRecord.objects.filter(product_id__in=units)


def _annotated(queryset):
    """Values the database filters and sorts by: the lowest SKU price, whether anything is
    in stock, units sold. The prices shown come from the strategy over the same records."""
    lowest_price = _sku_stockrecords().filter(price__isnull=False).order_by("price").values("price")[:1]
    in_stock = _sku_stockrecords().filter(num_in_stock__gt=Coalesce(F("num_allocated"), 0))
    untracked = _sku_stockrecords().filter(product__parent__isnull=True, product__product_class__track_stock=False)
    untracked_child = _sku_stockrecords().filter(product__parent__product_class__track_stock=False)
    return queryset.annotate(
        shelf_price=Subquery(lowest_price),
        has_stock=Exists(in_stock) | Exists(untracked) | Exists(untracked_child),
        sales=Coalesce(F("listing__sales_count"), 0),
    )


def _images_prefetch():
    return Prefetch(
        "images",
        queryset=ProductImage.objects.select_related("thumbnails").order_by("display_order", "id"),
        to_attr="ordered_images",
    )


def _children_prefetch(*, with_attributes: bool):
    children = Product.objects.filter(is_public=True).select_related("listing").order_by("id")
    lookups = ["stockrecords"]
    if with_attributes:
        lookups.append(_attribute_values_prefetch())
    return Prefetch("children", queryset=children.prefetch_related(*lookups), to_attr="public_children")


def _attribute_values_prefetch():
    values = (
        ProductAttributeValue.objects.exclude(attribute__code__in=hidden_attribute_codes())
        .select_related("attribute", "value_option")
        .prefetch_related("value_multi_option")
        .order_by("attribute__id")
    )
    return Prefetch("attribute_values", queryset=values, to_attr="loaded_attribute_values")


# --- products: figures the API shows -----------------------------------------------------
@dataclass
class Sku:
    product: object
    price: Decimal | None
    original_price: Decimal | None
    currency: str
    stock_status: str  # in_stock, low, sold_out
    available_quantity: int
    attributes: dict = field(default_factory=dict)  # attribute code -> value
    attribute_names: dict = field(default_factory=dict)  # attribute code -> (name, value)

    @property
    def id(self):
        return self.product.pk

    @property
    def in_stock(self):
        return self.stock_status != "sold_out"


def _sku(product, strategy) -> Sku:
    info = strategy.fetch_for_product(product)
    price = info.price
    amount = original = None
    currency = settings.OSCAR_DEFAULT_CURRENCY
    if price.exists:
        amount = price.incl_tax if price.is_tax_known else price.excl_tax
        currency = price.currency or currency
        original = getattr(price, "original", None)
    availability = info.availability
    listing = product._state.fields_cache.get("listing")
    limit = listing.purchase_limit if listing is not None else None
    num_available = getattr(availability, "num_available", None)
    if not availability.is_available_to_buy or amount is None:
        status, quantity = "sold_out", 0
    else:
        quantity = settings.ORDER_MAX_QUANTITY_PER_SKU if num_available is None else max(0, num_available)
        threshold = settings.CATALOG_LOW_STOCK_THRESHOLD
        if info.stockrecord is not None and info.stockrecord.low_stock_threshold is not None:
            threshold = info.stockrecord.low_stock_threshold
        status = "low" if num_available is not None and num_available <= threshold else "in_stock"
        if limit:
            quantity = min(quantity, limit)
    return Sku(product, amount, original, currency, status, quantity)


def _skus(product, strategy) -> list[Sku]:
    if product.is_parent:
        return [_sku(child, strategy) for child in product.public_children]
    return [_sku(product, strategy)]


@dataclass
class ProductSummary:
    product: object
    price: Decimal | None
    original_price: Decimal | None
    currency: str
    in_stock: bool
    sales: int
    image: object  # a ProductImage or None
    skus: list = field(default_factory=list)


def _summary(product, strategy) -> ProductSummary:
    skus = _skus(product, strategy)
    priced = [sku for sku in skus if sku.price is not None]
    # The "from" price: the cheapest SKU, as the database sorts and filters by.
    cheapest = min(priced, key=lambda sku: sku.price) if priced else None
    images = product.ordered_images
    return ProductSummary(
        product=product,
        price=cheapest.price if cheapest else None,
        original_price=cheapest.original_price if cheapest else None,
        currency=cheapest.currency if cheapest else settings.OSCAR_DEFAULT_CURRENCY,
        in_stock=any(sku.in_stock for sku in skus),
        sales=getattr(product, "sales", 0),
        image=images[0] if images else None,
        skus=skus,
    )


# --- product list -------------------------------------------------------------------------
def search_terms(q: str) -> list[str]:
    return [term for term in q.lower().split() if term][:MAX_SEARCH_TERMS]


def product_list(*, category=None, q="", min_price=None, max_price=None, in_stock=None, ordering=""):
    """The product list queryset, filtered and ordered; page it, then call `summarise`."""
    products = _annotated(_browsable().select_related("listing", "product_class"))
    if category is not None:
        in_branch = ProductCategory.objects.filter(product_id=OuterRef("pk"), category__path__startswith=category.path)
        products = products.filter(Exists(in_branch))
    terms = search_terms(q)
    if terms:
        rank = Value(0, output_field=IntegerField())
        for term in terms:
            # Substring match: works for Chinese, where words have no spaces between them.
            # As a subquery on the listing table alone, so PostgreSQL can answer it from the
            # trigram index before joining the products.
            matching = ProductListing.objects.filter(search_text__contains=term).values("product_id")
            products = products.filter(pk__in=matching)
            rank = rank + Case(
                When(title__icontains=term, then=Value(100)),
                When(listing__search_keywords__icontains=term, then=Value(10)),
                default=Value(1),
                output_field=IntegerField(),
            )
        products = products.annotate(rank=rank)
    if min_price is not None:
        products = products.filter(shelf_price__gte=min_price)
    if max_price is not None:
        products = products.filter(shelf_price__lte=max_price)
    if in_stock is True:
        products = products.filter(has_stock=True)
    elif in_stock is False:
        products = products.filter(has_stock=False)
    if ordering:
        order_by = ORDERINGS[ordering]
    elif terms:
        order_by = ("-rank", "-date_created", "-id")
    else:
        order_by = ORDERINGS["-created"]
    return products.order_by(*order_by)


def summarise(products, *, request=None) -> list[ProductSummary]:
    """Loads what a page of products shows (stock records, SKUs, images) in a fixed number
    of queries and prices it through the strategy."""
    products = list(products)
    prefetch_related_objects(products, "stockrecords", _children_prefetch(with_attributes=False), _images_prefetch())
    strategy = get_strategy(request=request)
    return [_summary(product, strategy) for product in products]


# --- product detail -----------------------------------------------------------------------
@dataclass
class ProductDetail(ProductSummary):
    description: str = ""
    attributes: list = field(default_factory=list)
    sku_picker: dict = field(default_factory=dict)
    images: list = field(default_factory=list)
    # Filled by other domains (settings.PRODUCT_DETAIL_SECTIONS): {name: value}.
    sections: dict = field(default_factory=dict)


def _detail_sections() -> dict:
    return {name: import_string(path) for name, path in settings.PRODUCT_DETAIL_SECTIONS.items()}


def product_detail_sections(product, sections=None) -> dict:
    """The product detail's sections of other domains (a flash sale's price and countdown):
    settings.PRODUCT_DETAIL_SECTIONS is {name: dotted path of `section(product)`}. A section
    may also have `annotate(queryset)`, applied to the product's own query, so that a product
    without anything to show costs no query more."""
    sections = sections if sections is not None else _detail_sections()
    return {name: section(product) for name, section in sections.items()}


def _value_text(value) -> str:
    try:
        return str(value.value_as_text)
    except Exception:  # an attribute type Oscar cannot render as text (a file) is left out
        return ""


def _attribute_rows(values) -> list[dict]:
    return [
        {"code": v.attribute.code, "name": v.attribute.name, "value": text} for v in values if (text := _value_text(v))
    ]


def sku_picker(skus: list[Sku]) -> dict:
    """What the SKU picker needs: each attribute's values (with whether any SKU having it
    can be bought) and every existing combination with its stock, so combinations that do
    not exist or are sold out can be greyed out."""
    axes: dict[str, dict] = {}
    for sku in skus:
        for code, (name, value) in sku.attribute_names.items():
            axis = axes.setdefault(code, {"code": code, "name": name, "values": {}})
            known = axis["values"].setdefault(value, {"value": value, "available": False})
            known["available"] = known["available"] or sku.in_stock
    return {
        "attributes": [
            {"code": axis["code"], "name": axis["name"], "values": list(axis["values"].values())}
            for axis in axes.values()
        ],
        "combinations": [
            {
                "sku": sku.id,
                "values": sku.attributes,
                "stock_status": sku.stock_status,
                "available_quantity": sku.available_quantity,
            }
            for sku in skus
        ],
    }


def product_detail(*, product_id: int, request=None) -> ProductDetail:
    sections = _detail_sections()
    products = _annotated(_browsable().select_related("listing", "product_class"))
    for section in sections.values():
        products = section.annotate(products) if hasattr(section, "annotate") else products
    product = (
        products.prefetch_related(
            "stockrecords",
            _attribute_values_prefetch(),
            _children_prefetch(with_attributes=True),
            _images_prefetch(),
        )
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise NotFound("No such product.", code="product_not_found")
    strategy = get_strategy(request=request)
    summary = _summary(product, strategy)
    for sku in summary.skus:
        values = getattr(sku.product, "loaded_attribute_values", []) if product.is_parent else []
        for value in values:
            text = _value_text(value)
            if text:
                sku.attributes[value.attribute.code] = text
                sku.attribute_names[value.attribute.code] = (value.attribute.name, text)
    return ProductDetail(
        **{name: getattr(summary, name) for name in ProductSummary.__dataclass_fields__},
        description=nh3.clean(product.description or "", link_rel="noopener noreferrer"),
        attributes=_attribute_rows(product.loaded_attribute_values),
        sku_picker=sku_picker(summary.skus),
        images=product.ordered_images,
        sections=product_detail_sections(product, sections),
    )


# --- product images, for lists of order and basket lines ------------------------------------
def image_prefetches(products="lines__product"):
    """Prefetches the images (with thumbnails) of the products and of their parents."""
    images = ProductImage.objects.select_related("thumbnails").order_by("display_order", "id")
    return [
        Prefetch(f"{products}__images", queryset=images, to_attr="ordered_images"),
        Prefetch(f"{products}__parent__images", queryset=images, to_attr="ordered_images"),
    ]


def hidden_attribute_codes() -> set[str]:
    """Attributes kept off the shopper's pages and search: the original-price attribute."""
    return {settings.CATALOG_ORIGINAL_PRICE_ATTRIBUTE}
