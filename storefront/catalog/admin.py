"""Django admin of the catalog additions: what marketers set per product or SKU beside
Oscar's dashboard (search keywords, purchase limit, crossed-out price), sales counters.

Products, SKUs, stock, images and categories themselves are edited in Oscar's dashboard
at /dashboard/catalogue/ (see docs/catalog.md); every product gets a listing row here on save.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config import console
from storefront.catalog.models import ProductListing


@admin.register(ProductListing)
class ProductListingAdmin(console.ModelAdmin):
    list_display = ("product_title", "structure", "search_keywords", "purchase_limit", "original_price", "sales_count")
    list_editable = ("search_keywords",)
    list_filter = ("product__structure", "product__is_public")
    search_fields = ("product__title", "product__upc", "search_keywords")
    list_select_related = ("product", "product__parent")
    fields = ("product", "search_keywords", "purchase_limit", "original_price", "sales_count", "search_text")
    readonly_fields = ("product", "sales_count", "search_text")
    ordering = ("-product__date_created",)

    @admin.display(description=_("product"), ordering="product__title")
    def product_title(self, listing):
        product = listing.product
        if product.parent_id:
            return f"{product.parent.title} / {product.get_title()}"
        return product.title

    @admin.display(description=_("structure"), ordering="product__structure")
    def structure(self, listing):
        return listing.product.get_structure_display()

    def has_add_permission(self, request):
        return False  # one row per product, made when the product is saved

    def has_delete_permission(self, request, obj=None):
        return False

    # Saving refreshes the search text and the catalog version (storefront.signals).
