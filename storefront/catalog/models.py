"""What the shopper catalog adds to Oscar's products.

Oscar keeps products, SKUs (child products), categories, images and stock records. Here
sits what a mini program shop needs on top: the search keywords marketers set, a sales
counter for "best-selling" ordering, a per-SKU purchase limit and crossed-out price, the
denormalised search text that the trigram index covers, and the thumbnails made once per
product image so list requests never render one.
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ProductListing(models.Model):
    """One row per Oscar product (parent, child or standalone), created on product save."""

    product = models.OneToOneField(
        "catalogue.Product",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="listing",
        verbose_name=_("product"),
    )
    search_keywords = models.CharField(
        _("search keywords"),
        max_length=500,
        blank=True,
        help_text=_("Extra words shoppers may search with, separated by spaces or commas, e.g. 明前 绿茶 送礼."),
    )
    sales_count = models.PositiveIntegerField(
        _("units sold"),
        default=0,
        db_index=True,
        help_text=_("Used for best-selling ordering; counted from paid orders."),
    )
    purchase_limit = models.PositiveSmallIntegerField(
        _("purchase limit per order"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Most units of this SKU a shopper may buy at once; empty for no limit."),
    )
    original_price = models.DecimalField(
        _("original price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Crossed-out price shown when it is higher than the selling price."),
    )
    # Lower-cased title, keywords and SKU attribute values of a browsable product, kept by
    # services.catalog.refresh_search_text; a pg_trgm GIN index covers it on PostgreSQL.
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)
    # The attribute part alone, so a match can be ranked below title and keyword matches.
    search_attributes = models.TextField(blank=True, default="", editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # The product editor's schedule (storefront.catalog.publishing): a product is put on sale
    # at publish_at and taken off at unpublish_at by a beat task; both empty for none.
    publish_at = models.DateTimeField("定时上架", null=True, blank=True)
    unpublish_at = models.DateTimeField("定时下架", null=True, blank=True)

    class Meta:
        verbose_name = _("product listing")
        verbose_name_plural = _("product listings")
        constraints = [
            models.CheckConstraint(
                condition=Q(purchase_limit__isnull=True) | Q(purchase_limit__gte=1),
                name="listing_purchase_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(original_price__isnull=True) | Q(original_price__gte=0),
                name="listing_original_price_not_negative",
            ),
            models.CheckConstraint(condition=Q(sales_count__gte=0), name="listing_sales_not_negative"),
            models.CheckConstraint(
                condition=Q(publish_at__isnull=True)
                | Q(unpublish_at__isnull=True)
                | Q(unpublish_at__gt=F("publish_at")),
                name="listing_unpublish_after_publish",
            ),
        ]

    def __str__(self):
        return str(self.product_id)


class ProductImageThumbnails(models.Model):
    """The list- and detail-size renditions of one Oscar product image, as storage URLs.

    Made by the `make_product_image_thumbnails` task when the image is saved; `source` is
    the original's name they were made from, so a replaced file gets new ones."""

    image = models.OneToOneField(
        "catalogue.ProductImage",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="thumbnails",
    )
    source = models.CharField(max_length=255)
    list_url = models.CharField(max_length=500)
    detail_url = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("product image thumbnails")
        verbose_name_plural = _("product image thumbnails")
