"""Writes the demo catalogue (`catalogue_data.py`) into Oscar: categories, product classes
and attributes, parent and child products, stock records and pictures.

Every row is found by a natural key (category and option codes, product class slugs,
UPCs, partner SKUs, image positions), so loading twice changes nothing.
"""

from decimal import Decimal

from django.utils.text import slugify
from oscar.core.loading import get_model

from . import catalogue_data as data
from .images import draw_product, stored_image
from .upsert import upsert

AttributeOption = get_model("catalogue", "AttributeOption")
AttributeOptionGroup = get_model("catalogue", "AttributeOptionGroup")
Category = get_model("catalogue", "Category")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")

PARTNER_CODE = "qingshan"
PARTNER_NAME = "青山茶舍"
CURRENCY = "CNY"


def load_partner():
    return upsert(Partner, lookup={"code": PARTNER_CODE}, values={"name": PARTNER_NAME})


def load_categories() -> dict[str, "Category"]:
    by_code = {}
    for code, name, description, children in data.CATEGORIES:
        root = _category(None, code, name, description)
        by_code[code] = root
        for child_code, child_name in children:
            by_code[child_code] = _category(root, child_code, child_name, "")
    return by_code


def _category(parent, code, name, description):
    values = {"name": name, "slug": code, "description": description, "is_public": True}
    category = Category.objects.filter(code=code).first()
    if category is None:
        if parent is None:
            return Category.objects.add_root(create_kwargs={"code": code, **values})
        return Category.objects.add_child(parent, create_kwargs={"code": code, **values})
    return upsert(Category, lookup={"pk": category.pk}, values=values)


def load_product_classes() -> tuple[dict, dict, dict]:
    """Product classes by slug, their attributes by (class slug, code), options by (group code, name)."""
    options, groups = {}, {}
    for group_code, (group_name, option_names) in data.OPTION_GROUPS.items():
        group = groups[group_code] = upsert(
            AttributeOptionGroup, lookup={"code": group_code}, values={"name": group_name}
        )
        for position, option_name in enumerate(option_names):
            options[(group_code, option_name)] = upsert(
                AttributeOption,
                lookup={"code": f"{group_code}-{position}"},
                values={"group": group, "option": option_name},
            )
    classes, attributes = {}, {}
    for spec in data.PRODUCT_CLASSES:
        product_class = upsert(
            ProductClass,
            lookup={"slug": spec.slug},
            values={"name": spec.name, "requires_shipping": spec.requires_shipping, "track_stock": True},
        )
        for code, name, kind, group_code in spec.attributes:
            group = groups[group_code] if group_code else None
            attributes[(spec.slug, code)] = upsert(
                ProductAttribute,
                lookup={"product_class": product_class, "code": code},
                values={"name": name, "type": kind, "option_group": group, "required": False},
            )
        classes[spec.slug] = product_class
    return classes, attributes, options


IMAGE_KINDS = {spec.slug: spec.image_kind for spec in data.PRODUCT_CLASSES}


def load_products(*, partner, categories, classes, attributes, options) -> None:
    for index, spec in enumerate(data.PRODUCTS):
        product_class = classes[spec.product_class]
        attributes_of_class = {code: attr for (slug, code), attr in attributes.items() if slug == spec.product_class}
        structure = Product.PARENT if spec.skus else Product.STANDALONE
        product = upsert(
            Product,
            lookup={"upc": spec.upc},
            values={
                "structure": structure,
                "title": spec.title,
                "slug": slugify(spec.title_en),
                "description": spec.description,
                "product_class": product_class,
                "parent": None,
                "is_public": True,
                "is_discountable": True,
            },
        )
        _set_attributes(product, attributes_of_class, options, spec.attributes)
        for category_code in spec.categories:
            ProductCategory.objects.get_or_create(product=product, category=categories[category_code])
        if spec.skus:
            for sku in spec.skus:
                child = upsert(
                    Product,
                    lookup={"upc": f"{spec.upc}-{sku.code}"},
                    values={
                        "structure": Product.CHILD,
                        "parent": product,
                        "product_class": None,
                        "title": f"{spec.title} · {sku.label}",
                        "slug": slugify(f"{spec.title_en} {sku.code}"),
                        "description": "",
                        "is_public": True,
                        "is_discountable": True,
                    },
                )
                values = dict(sku.attributes)
                if sku.original_price:
                    values["original_price"] = sku.original_price
                _set_attributes(child, attributes_of_class, options, values)
                _stock(partner, child, sku.price, sku.stock, sku.low_stock_threshold)
        else:
            if spec.original_price:
                _set_attributes(product, attributes_of_class, options, {"original_price": spec.original_price})
            _stock(partner, product, spec.price, spec.stock, 5)
        _images(product, spec, IMAGE_KINDS[spec.product_class], image_count=1 + index % 3)


def _set_attributes(product, attributes, options, values: dict[str, str]) -> None:
    for code, value in values.items():
        attribute = attributes[code]
        if attribute.type == ProductAttribute.OPTION:
            fields = {"value_option": options[(attribute.option_group.code, value)]}
        else:
            fields = {"value_text": value}
        upsert(ProductAttributeValue, lookup={"product": product, "attribute": attribute}, values=fields)


def _stock(partner, product, price: str, num_in_stock: int, low_stock_threshold: int) -> None:
    # `make run` loads the demo at every start: stock levels are set once only, so orders
    # placed in the demo keep their allocations and sales.
    upsert(
        StockRecord,
        lookup={"partner": partner, "partner_sku": product.upc},
        values={
            "product": product,
            "price_currency": CURRENCY,
            "price": Decimal(price),
            "low_stock_threshold": low_stock_threshold,
        },
        initial={"num_in_stock": num_in_stock, "num_allocated": 0},
    )


def _images(product, spec, kind: str, image_count: int) -> None:
    # The pictures show the product itself, then (for a second or third one) a SKU's label.
    labels = [""] + [sku.label for sku in spec.skus[:2]] if spec.skus else ["", "", ""]
    for position in range(image_count):
        caption = labels[position] if position < len(labels) else ""
        name = f"demo/products/{spec.upc.lower()}-{position + 1}.jpg"
        stored_image(
            name,
            lambda caption=caption, position=position: draw_product(
                kind=kind,
                title=spec.title,
                title_en=spec.title_en,
                caption=caption,
                color=spec.color,
                variant=position,
            ),
        )
        upsert(
            ProductImage,
            lookup={"product": product, "display_order": position},
            values={"original": name, "caption": caption or spec.title},
        )
