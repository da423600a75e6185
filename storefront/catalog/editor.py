"""The product editor of the console: one page for a product, its description, pictures,
attributes and its SKU grid (storefront.catalog.admin.ProductEditorAdmin shows it).

- Specs are the product class's attributes of type "option" (规格, 口味 ...). The marketer
  ticks values of each spec (or types new ones); every combination of the ticked values
  is one SKU, an Oscar child product, with its price, original price, stock and picture.
  A combination dropped later is hidden (not deleted: orders keep pointing at it); ticked
  again, the same SKU comes back with its price and stock.
- The other attributes of the class (text, number, a choice...) are ordinary fields of the
  product; a choice is stored as Oscar's option, so it can be changed on every later save.
- A product with no spec ticked is a standalone product: the grid has one row, itself.
- The slug comes from the title in pinyin when left empty (明前龙井 -> ming-qian-long-jing).
- Saving never publishes: a new product stays off sale until it is published (a button, or
  the publish time), and publishing asks for a price on every SKU
  (storefront.catalog.publishing).

Prices, original prices and stock are refused below zero here, and the database refuses
them too (check constraints: storefront migration 0014 and Django's positive integers).
Allocated stock is shown, never edited: orders move it.
"""

import itertools
import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from oscar.core.loading import get_model
from pypinyin import lazy_pinyin

from config.errors import KitError
from config.images import clean_image
from storefront.catalog.models import ProductListing

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
AttributeOption = get_model("catalogue", "AttributeOption")
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductImage = get_model("catalogue", "ProductImage")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")

IMAGE_LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pixels": 40_000_000, "max_side": 2400}
NEW_VALUES_SPLIT = re.compile(r"[,，、;；\n]+")
MINUTES = "%Y-%m-%dT%H:%M"


def pinyin_slug(title: str) -> str:
    """明前龙井 250g -> ming-qian-long-jing-250g; an empty answer becomes "product"."""
    return slugify("-".join(lazy_pinyin(title or ""))) or "product"


def hidden_codes() -> set[str]:
    return {settings.CATALOG_ORIGINAL_PRICE_ATTRIBUTE}


def spec_attributes(product_class) -> list:
    return list(
        product_class.attributes.filter(type=ProductAttribute.OPTION, option_group__isnull=False)
        .exclude(code__in=hidden_codes())
        .select_related("option_group")
        .order_by("id")
    )


def plain_attributes(product_class) -> list:
    """The class's attributes the editor shows as fields of the product itself."""
    kinds = [
        ProductAttribute.TEXT,
        ProductAttribute.INTEGER,
        ProductAttribute.BOOLEAN,
        ProductAttribute.FLOAT,
        ProductAttribute.RICHTEXT,
        ProductAttribute.DATE,
        ProductAttribute.DATETIME,
        ProductAttribute.MULTI_OPTION,
    ]
    return list(
        product_class.attributes.filter(type__in=kinds).exclude(code__in=hidden_codes()).select_related("option_group")
    )


def category_label(category) -> str:
    return " > ".join(node.name for node in [*category.get_ancestors(), category])


class CategoryChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return category_label(obj)


class MinuteDateTimeField(forms.DateTimeField):
    """A date and time to the minute, in the browser's own picker (no seconds to type)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 60}, format=MINUTES)

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [MINUTES, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
        super().__init__(**kwargs)


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleImageInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


def _attribute_field(attribute):
    label, required = attribute.name, False
    if attribute.type == ProductAttribute.INTEGER:
        return forms.IntegerField(label=label, required=required)
    if attribute.type == ProductAttribute.FLOAT:
        return forms.FloatField(label=label, required=required)
    if attribute.type == ProductAttribute.BOOLEAN:
        return forms.BooleanField(label=label, required=False)
    if attribute.type == ProductAttribute.DATE:
        return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))
    if attribute.type == ProductAttribute.DATETIME:
        return MinuteDateTimeField(label=label, required=required)
    if attribute.type == ProductAttribute.OPTION:
        return forms.ModelChoiceField(attribute.option_group.options.order_by("id"), label=label, required=False)
    if attribute.type == ProductAttribute.MULTI_OPTION:
        return forms.ModelMultipleChoiceField(
            attribute.option_group.options.order_by("id") if attribute.option_group else AttributeOption.objects.none(),
            label=label,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
    widget = forms.Textarea(attrs={"rows": 3}) if attribute.type == ProductAttribute.RICHTEXT else forms.TextInput
    return forms.CharField(label=label, required=required, widget=widget)


class ProductEditorForm(forms.Form):
    """The product's own fields; the specs' values and the grid come with it (SkuRowForm)."""

    title = forms.CharField(label="商品名称", max_length=255)
    slug = forms.SlugField(
        label="链接名",
        max_length=255,
        required=False,
        allow_unicode=True,
        help_text="留空则按商品名称自动生成拼音，例如 ming-qian-long-jing。",
    )
    categories = CategoryChoices(Category.objects.none(), label="分类", required=False)
    description = forms.CharField(
        label="商品详情", required=False, widget=forms.Textarea(attrs={"class": "kit-rich-text", "rows": 12})
    )
    search_keywords = forms.CharField(
        label="搜索关键词", max_length=500, required=False, help_text="用空格或逗号分隔，例如 明前 绿茶 送礼。"
    )
    publish_at = MinuteDateTimeField(label="定时上架", required=False, help_text="到时自动上架；留空则手动上架。")
    unpublish_at = MinuteDateTimeField(label="定时下架", required=False, help_text="到时自动下架；留空则不下架。")
    new_images = MultipleImageField(label="上传图片", required=False, help_text="可一次选多张；拖动图片调整顺序。")

    def __init__(self, *args, product_class, product=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product_class = product_class
        self.product = product
        self.fields["categories"].queryset = Category.objects.order_by("path")
        self.plain = plain_attributes(product_class)
        self.specs = spec_attributes(product_class)
        # A standalone product already sold as itself keeps no specs (a parent keeps them):
        # its choice attributes are then ordinary fields, one value each.
        self.specs_locked = product is not None and not product.is_parent
        if self.specs_locked:
            self.plain = [*self.plain, *self.specs]
        # A parent whose SKUs are not told apart by the class's choice attributes (made
        # elsewhere, with text attributes): its grid is its SKUs as they are, one row each.
        self.by_sku = product is not None and product.is_parent and _skus_without_specs(product, self.specs)
        for attribute in self.plain:
            self.fields[f"attr_{attribute.code}"] = _attribute_field(attribute)
        for attribute in [] if self.specs_locked or self.by_sku else self.specs:
            self.fields[f"spec_{attribute.code}"] = forms.ModelMultipleChoiceField(
                attribute.option_group.options.order_by("id"),
                label=attribute.name,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"spec_{attribute.code}_new"] = forms.CharField(
                label=f"新增{attribute.name}",
                required=False,
                max_length=255,
                help_text="多个值用逗号分隔；保存后可在上方勾选。",
            )
        if product is not None and not self.is_bound:
            self.initial.update(initial_for(product, self.plain, self.specs))

    def clean(self):
        data = super().clean()
        start, end = data.get("publish_at"), data.get("unpublish_at")
        if start and end and end <= start:
            self.add_error("unpublish_at", "下架时间须晚于上架时间。")
        return data

    # --- the specs and the grid ---------------------------------------------------------
    def spec_groups(self):
        """[(attribute, [option, ...])] of the specs with a value ticked or typed, in the
        class's order. Typed values are matched to existing options by name, else kept
        as names for save() to create (the same objects the grid rows hold)."""
        if getattr(self, "_spec_groups", None) is not None:
            return self._spec_groups
        groups = []
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        for attribute in self.specs:
            if self.is_bound:
                chosen = list(data.get(f"spec_{attribute.code}") or [])
                typed = [v.strip() for v in NEW_VALUES_SPLIT.split(data.get(f"spec_{attribute.code}_new") or "")]
            else:
                chosen = list(self.initial.get(f"spec_{attribute.code}") or [])
                typed = []
            existing = {option.option: option for option in attribute.option_group.options.all()}
            for name in typed:
                if not name:
                    continue
                found = existing.get(name)
                if found is None:
                    found = AttributeOption(group=attribute.option_group, option=name)
                    existing[name] = found
                if found not in chosen and not any(getattr(o, "option", None) == name for o in chosen):
                    chosen.append(found)
            if chosen:
                groups.append((attribute, chosen))
        self._spec_groups = groups
        return groups


def option_key(option) -> str:
    """A grid row's part for one option: its id, or its name when it does not exist yet."""
    return str(option.pk) if option.pk else f"new:{option.option}"


def combinations(groups) -> list[dict]:
    """Grid rows of spec groups: [{"key", "label", "options"}]; one row (key "") for none."""
    if not groups:
        return [{"key": "", "label": "默认", "options": []}]
    rows = []
    for options in itertools.product(*[chosen for _, chosen in groups]):
        rows.append(
            {
                "key": "_".join(option_key(option) for option in options),
                "label": " / ".join(option.option for option in options),
                "options": list(options),
            }
        )
    return rows


class SkuRowForm(forms.Form):
    price = forms.DecimalField(
        label="售价 (元)", min_value=Decimal("0"), max_digits=12, decimal_places=2, required=False
    )
    original_price = forms.DecimalField(
        label="原价 (元)", min_value=Decimal("0"), max_digits=12, decimal_places=2, required=False
    )
    num_in_stock = forms.IntegerField(label="库存", min_value=0, required=False)
    image = forms.ImageField(label="规格图片", required=False)

    def __init__(self, *args, row, sku=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.row = row
        self.sku = sku
        self.stockrecord = sku.stockrecords.order_by("id").first() if sku is not None and sku.pk else None
        if not self.is_bound and sku is not None and sku.pk:
            listing = ProductListing.objects.filter(product=sku).first()
            self.initial.update(
                {
                    "price": self.stockrecord.price if self.stockrecord else None,
                    "num_in_stock": self.stockrecord.num_in_stock if self.stockrecord else None,
                    "original_price": listing.original_price if listing else None,
                }
            )

    @property
    def allocated(self) -> int:
        return (self.stockrecord.num_allocated or 0) if self.stockrecord else 0

    @property
    def current_image(self):
        if self.sku is None or not self.sku.pk or not self.sku.is_child:
            return None
        return self.sku.images.order_by("display_order", "id").first()


def spec_key_of(sku, specs) -> str:
    by_attribute = {
        value.attribute_id: value.value_option
        for value in sku.attribute_values.select_related("value_option")
        if value.value_option_id
    }
    parts = []
    for attribute in specs:
        option = by_attribute.get(attribute.pk)
        if option is not None:
            parts.append(option_key(option))
    return "_".join(parts)


def existing_skus(product, specs) -> dict:
    """{grid key: sku} of a product's SKUs: its children, or itself when standalone."""
    if product is None:
        return {}
    if not product.is_parent:
        return {"": product}
    return {spec_key_of(child, specs): child for child in product.children.order_by("id")}


def initial_for(product, plain, specs) -> dict:
    listing = ProductListing.objects.filter(product=product).first()
    initial = {
        "title": product.title,
        "slug": product.slug,
        "categories": list(product.categories.all()),
        "description": product.description,
        "search_keywords": listing.search_keywords if listing else "",
        "publish_at": listing.publish_at if listing else None,
        "unpublish_at": listing.unpublish_at if listing else None,
    }
    values = {value.attribute_id: value for value in product.attribute_values.select_related("attribute")}
    for attribute in plain:
        value = values.get(attribute.pk)
        if value is None:
            continue
        if attribute.type == ProductAttribute.MULTI_OPTION:
            initial[f"attr_{attribute.code}"] = list(value.value_multi_option.all())
        else:
            initial[f"attr_{attribute.code}"] = value.value
    if product.is_parent:
        for attribute in specs:
            ticked = AttributeOption.objects.filter(
                productattributevalue__attribute=attribute,
                productattributevalue__product__parent=product,
                productattributevalue__product__is_public=True,
            ).distinct()
            initial[f"spec_{attribute.code}"] = list(ticked.order_by("id"))
    return initial


def _skus_without_specs(product, specs) -> bool:
    keys = [spec_key_of(child, specs) for child in product.children.all()]
    return "" in keys or len(set(keys)) < len(keys)


def _sku_summary(sku) -> str:
    values = [str(v.value_as_text) for v in sku.attribute_values.select_related("attribute", "value_option")]
    values = [v for v in values if v]
    return " / ".join(values) or sku.get_title()


def sku_rows(form, data=None, files=None) -> list[SkuRowForm]:
    if form.by_sku:
        children = form.product.children.filter(is_public=True).order_by("id")
        return [
            SkuRowForm(
                data,
                files,
                prefix=f"sku-c{child.pk}",
                row={"key": f"c{child.pk}", "label": _sku_summary(child), "options": []},
                sku=child,
            )
            for child in children
        ]
    groups = form.spec_groups() if not form.specs_locked else []
    skus = existing_skus(form.product, form.specs)
    if form.specs_locked:
        rows = [{"key": "", "label": "默认", "options": []}]
    else:
        rows = combinations(groups)
    return [
        SkuRowForm(data, files, prefix=f"sku-{row['key'] or 'single'}", row=row, sku=skus.get(row["key"]))
        for row in rows
    ]


def hidden_skus(form, rows) -> list:
    """The product's SKUs no longer in the grid (shown greyed below it)."""
    if form.by_sku:
        return []
    keys = {row.row["key"] for row in rows}
    return [sku for key, sku in existing_skus(form.product, form.specs).items() if key not in keys and sku.is_child]


# --- saving ----------------------------------------------------------------------------
class EditorRefused(KitError):
    code = "product_editor_refused"


def _partner():
    partner = Partner.objects.order_by("id").first()
    if partner is None:
        partner = Partner.objects.create(code="default", name=settings.OSCAR_SHOP_NAME)
    return partner


def _set_attribute_value(product, attribute, value) -> None:
    if value in (None, "", []) and attribute.type != ProductAttribute.BOOLEAN:
        ProductAttributeValue.objects.filter(product=product, attribute=attribute).delete()
        return
    row, _ = ProductAttributeValue.objects.get_or_create(product=product, attribute=attribute)
    if attribute.type == ProductAttribute.MULTI_OPTION:
        row.value_multi_option.set(value)
        return
    row.value = value  # Oscar's setter writes value_option for an option, value_text for text...
    row.save()


def _save_image(product, upload, *, display_order) -> None:
    clean = clean_image(upload, field="image", **IMAGE_LIMITS)
    image = ProductImage(product=product, display_order=display_order)
    image.original.save(clean.name, clean, save=False)
    image.save()


def _save_sku_row(product, sku, row_form, partner) -> None:
    data = row_form.cleaned_data
    record = sku.stockrecords.filter(partner=partner).order_by("id").first() or StockRecord(
        product=sku,
        partner=partner,
        partner_sku=f"p{product.pk}-{sku.pk}",
        price_currency=settings.OSCAR_DEFAULT_CURRENCY,
    )
    record.price = data.get("price")
    record.num_in_stock = data.get("num_in_stock") if data.get("num_in_stock") is not None else 0
    record.save()
    # The crossed-out price: the listing's, and Oscar's original-price attribute when the
    # class has one (the listing follows that attribute: services.sync_original_price).
    original = data.get("original_price")
    attribute = product.get_product_class().attributes.filter(code=settings.CATALOG_ORIGINAL_PRICE_ATTRIBUTE).first()
    if attribute is not None:
        _set_attribute_value(sku, attribute, f"{original:.2f}" if original is not None else None)
    ProductListing.objects.update_or_create(product=sku, defaults={"original_price": original})
    upload = data.get("image")
    if upload and sku.is_child:
        sku.images.all().delete()
        _save_image(sku, upload, display_order=0)


@transaction.atomic
def save_product(form, rows, *, image_order=(), deleted_images=()):
    """Writes the product, its attributes, pictures and SKU grid; returns the product.
    Never publishes: a new product is saved off sale."""
    data = form.cleaned_data
    product = form.product
    groups = [] if form.specs_locked or form.by_sku else form.spec_groups()
    if product is None:
        product = Product(
            product_class=form.product_class,
            structure=Product.PARENT if groups else Product.STANDALONE,
            is_public=False,
        )
    elif product.is_parent and not groups and not form.by_sku:
        raise EditorRefused("请至少为一个规格勾选一个值（已有规格的商品不能改为单品）。")
    product.title = data["title"]
    product.slug = data.get("slug") or pinyin_slug(data["title"])
    product.description = data.get("description") or ""
    product.save()

    ProductCategory.objects.filter(product=product).exclude(category__in=data.get("categories") or []).delete()
    for category in data.get("categories") or []:
        ProductCategory.objects.get_or_create(product=product, category=category)
    for attribute in form.plain:
        _set_attribute_value(product, attribute, data.get(f"attr_{attribute.code}"))
    ProductListing.objects.update_or_create(
        product=product,
        defaults={
            "search_keywords": data.get("search_keywords") or "",
            "publish_at": data.get("publish_at"),
            "unpublish_at": data.get("unpublish_at"),
        },
    )

    # Pictures: the dragged order, the ones ticked for removal, then the new uploads.
    images = {image.pk: image for image in product.images.all()}
    for image_id in deleted_images:
        if image_id in images:
            images.pop(image_id).delete()
    position = 0
    for image_id in image_order:
        if image_id in images:
            ProductImage.objects.filter(pk=image_id).update(display_order=position)
            position += 1
    for upload in data.get("new_images") or []:
        _save_image(product, upload, display_order=position)
        position += 1

    # The grid.
    partner = _partner()
    created_options = {}
    for attribute, chosen in groups:
        for option in chosen:
            if option.pk is None:
                option.save()
                created_options[(attribute.pk, option.option)] = option
    skus = existing_skus(product, form.specs) if form.product is not None else {}
    kept = set()
    for row_form in rows:
        row = row_form.row
        if form.by_sku:
            _save_sku_row(product, row_form.sku, row_form, partner)
            continue
        if product.is_parent:
            key = "_".join(option_key(option) for option in row["options"])
            sku = skus.get(key)
            if sku is None and not _filled(row_form):
                continue  # a new combination left empty is not sold: no SKU is made
            if sku is None:
                sku = Product.objects.create(parent=product, structure=Product.CHILD, title="", is_public=True)
                for attribute, option in zip([attribute for attribute, _ in groups], row["options"], strict=True):
                    ProductAttributeValue.objects.create(product=sku, attribute=attribute, value_option=option)
            elif not sku.is_public:
                sku.is_public = True
                sku.save()
            kept.add(sku.pk)
        else:
            sku = product
        _save_sku_row(product, sku, row_form, partner)
    if product.is_parent and not form.by_sku:
        for sku in product.children.filter(is_public=True).exclude(pk__in=kept):
            sku.is_public = False
            sku.save()
    # Nothing cached the old SKUs: the receivers bumped the catalog version on every save.
    return product


def _filled(row_form) -> bool:
    data = row_form.cleaned_data
    return any(data.get(name) not in (None, "") for name in ("price", "original_price", "num_in_stock", "image"))


def validate_rows(rows) -> bool:
    valid = True
    for row in rows:
        valid = row.is_valid() and valid
    return valid


def parse_ids(values) -> list[int]:
    found = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part.isdigit():
                found.append(int(part))
    return found


__all__ = [
    "EditorRefused",
    "ProductEditorForm",
    "SkuRowForm",
    "ValidationError",
    "combinations",
    "hidden_skus",
    "pinyin_slug",
    "save_product",
    "sku_rows",
    "validate_rows",
]
