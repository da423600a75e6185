"""Catalog input and output serializers (categories, product list, product detail)."""

from django.conf import settings
from rest_framework import serializers

from config.text import CleanCharField
from storefront.catalog.selectors import ORDERINGS


def absolute_url(url: str) -> str:
    """Storage URLs made absolute with SITE_URL (object storage already gives absolute ones)."""
    if not url:
        return ""
    if url.startswith(("http://", "https://", "//")):
        return url
    return f"{settings.SITE_URL}/{url.lstrip('/')}"


def image_url(image, size: str) -> str | None:
    """The absolute URL of a product image's `size` rendition ("list" or "detail").

    Renditions are made by the task queued when the image is saved (and by the periodic
    sweep for any it missed), never while answering a request: until they exist, or while
    they are of an older upload, the original is answered."""
    if image is None or not image.original:
        return None
    thumbnails = image._state.fields_cache.get("thumbnails")
    if thumbnails is not None and thumbnails.source == image.original.name:
        return absolute_url(getattr(thumbnails, f"{size}_url"))
    return absolute_url(image.original.url)


def product_image_url(product):
    """The list-size thumbnail of a SKU, or of its product when the SKU has no image of its own."""
    for candidate in (product, getattr(product, "parent", None)):
        if candidate is None:
            continue
        images = getattr(candidate, "ordered_images", None)
        if images is None:
            images = list(candidate.images.select_related("thumbnails").order_by("display_order", "id")[:1])
        if images:
            return image_url(images[0], "list")
    return None


# --- input --------------------------------------------------------------------------------
class ProductListQuerySerializer(serializers.Serializer):
    category = serializers.IntegerField(
        required=False, min_value=1, help_text="A category id; its sub-categories are included."
    )
    # Normalised, never refused: a zero-width space pasted from a chat is dropped, and
    # full-width letters and digits typed with a Chinese input method become ASCII.
    q = CleanCharField(
        fold_width=True,
        drop_unsafe=True,
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Keywords (Chinese works): title, SKU attributes, search keywords.",
    )
    min_price = serializers.DecimalField(required=False, max_digits=12, decimal_places=2, min_value=0)
    max_price = serializers.DecimalField(required=False, max_digits=12, decimal_places=2, min_value=0)
    in_stock = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: only products that can be bought now."
    )
    ordering = serializers.ChoiceField(
        required=False, choices=list(ORDERINGS), help_text="Default: relevance when `q` is given, else newest first."
    )
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=50, default=20)

    def validate(self, attrs):
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_price": "max_price must not be lower than min_price."})
        return attrs


# --- output -------------------------------------------------------------------------------
def _money():
    return serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, read_only=True)


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    children = serializers.ListField(child=serializers.DictField(), help_text="Sub-categories, same shape.")


class ProductSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="product.pk")
    title = serializers.CharField(source="product.title")
    price = _money()
    currency = serializers.CharField()
    original_price = _money()
    image = serializers.SerializerMethodField(help_text="List-size thumbnail, absolute URL.")
    in_stock = serializers.BooleanField()
    sales = serializers.IntegerField()

    def get_image(self, summary) -> str | None:
        return image_url(summary.image, "list")


class ProductPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProductSummarySerializer(many=True)


class ProductImageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    caption = serializers.CharField()
    list = serializers.SerializerMethodField(help_text="List-size thumbnail (square).")
    detail = serializers.SerializerMethodField(help_text="Detail-page size.")
    original = serializers.SerializerMethodField()

    def get_list(self, image) -> str | None:
        return image_url(image, "list")

    def get_detail(self, image) -> str | None:
        return image_url(image, "detail")

    def get_original(self, image) -> str:
        return absolute_url(image.original.url) if image.original else ""


class AttributeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    value = serializers.CharField()


class SkuSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    attributes = serializers.DictField(child=serializers.CharField(), help_text="Attribute code -> value.")
    price = _money()
    currency = serializers.CharField()
    original_price = _money()
    stock_status = serializers.ChoiceField(choices=["in_stock", "low", "sold_out"])
    available_quantity = serializers.IntegerField(
        help_text="Most a shopper may buy now: stock, capped by the purchase limit."
    )


class SkuPickerValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    available = serializers.BooleanField(help_text="Some SKU with this value can be bought.")


class SkuPickerAttributeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    values = SkuPickerValueSerializer(many=True)


class SkuCombinationSerializer(serializers.Serializer):
    sku = serializers.IntegerField()
    values = serializers.DictField(child=serializers.CharField())
    stock_status = serializers.ChoiceField(choices=["in_stock", "low", "sold_out"])
    available_quantity = serializers.IntegerField()


class SkuPickerSerializer(serializers.Serializer):
    attributes = SkuPickerAttributeSerializer(many=True)
    combinations = SkuCombinationSerializer(many=True, help_text="Combinations not listed do not exist.")


class FlashSaleSkuSerializer(serializers.Serializer):
    sku = serializers.IntegerField()
    sale_price = _money()
    normal_price = _money()
    remaining = serializers.IntegerField()
    sold_out = serializers.BooleanField()


class ProductFlashSaleSerializer(serializers.Serializer):
    """The product's running (or next) flash sale: buy it at POST /api/v1/flash-sales/{id}/orders/."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=["upcoming", "running"])
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    server_time = serializers.DateTimeField()
    seconds_to_start = serializers.IntegerField(help_text="Countdown to the start; 0 once running.")
    seconds_to_end = serializers.IntegerField()
    per_member_limit = serializers.IntegerField()
    items = FlashSaleSkuSerializer(many=True)


class ProductDetailSerializer(ProductSummarySerializer):
    description = serializers.CharField(help_text="Sanitised HTML.")
    images = ProductImageSerializer(many=True)
    attributes = AttributeSerializer(many=True)
    skus = SkuSerializer(many=True)
    sku_picker = SkuPickerSerializer()
    flash_sale = ProductFlashSaleSerializer(
        source="sections.flash_sale", allow_null=True, required=False, default=None, help_text="null: none."
    )
