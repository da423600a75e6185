"""Django admin of the catalog: the product editor (商品: one page per product with its
description, pictures, attributes and SKU grid, storefront.catalog.editor; docs/catalog-editor.md)
and the listing rows (search keywords, purchase limit, crossed-out price, sales counters).
"""

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import Count, Min, Q, Sum
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

# Oscar's own product screen registers first, so the editor can take its place.
from oscar.apps.catalogue import admin as oscar_catalogue_admin  # noqa: F401
from oscar.core.loading import get_model

from config import console
from config.errors import KitError
from config.images import clean_image
from storefront.catalog import editor, publishing
from storefront.catalog.models import ProductListing

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")


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


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _yuan(amount):
    return f"¥{amount:.2f}" if amount is not None else "—"


if admin.site.is_registered(Product):
    admin.site.unregister(Product)


@admin.register(Product)
class ProductEditorAdmin(console.ModelAdmin):
    """商品: the list of products (parents and standalone ones, never a SKU alone) and the
    one-page editor (templates/admin/catalogue/product/editor.html)."""

    list_display = ("title_display", "class_name", "sku_count", "price_from", "stock", "status", "updated")
    list_filter = ("is_public", "product_class", "categories")
    search_fields = ("title", "upc", "listing__search_keywords")
    list_select_related = ("product_class", "listing")
    ordering = ("-date_updated",)
    actions = ("publish_selected", "unpublish_selected")
    view_on_site = False
    editor_template = "admin/catalogue/product/editor.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .exclude(structure=Product.CHILD)
            .annotate(
                lowest_price=Min("stockrecords__price"),
                lowest_sku_price=Min("children__stockrecords__price"),
                own_stock=Sum("stockrecords__num_in_stock"),
                sku_stock=Sum("children__stockrecords__num_in_stock"),
                public_skus=Count("children", filter=Q(children__is_public=True), distinct=True),
            )
        )

    @admin.display(description="商品名称", ordering="title")
    def title_display(self, obj):
        return obj.title

    @admin.display(description="商品类型", ordering="product_class__name")
    def class_name(self, obj):
        return obj.product_class.name if obj.product_class else "—"

    @admin.display(description="规格数")
    def sku_count(self, obj):
        return obj.public_skus if obj.is_parent else 1

    @admin.display(description="售价")
    def price_from(self, obj):
        price = obj.lowest_sku_price if obj.is_parent else obj.lowest_price
        return f"{_yuan(price)} 起" if obj.is_parent and price is not None else _yuan(price)

    @admin.display(description="库存")
    def stock(self, obj):
        total = obj.sku_stock if obj.is_parent else obj.own_stock
        return total if total is not None else "—"

    @admin.display(description="状态", ordering="is_public")
    def status(self, obj):
        if obj.is_public:
            return "已上架"
        listing = obj._state.fields_cache.get("listing") if hasattr(obj, "_state") else None
        if listing is not None and listing.publish_at:
            return f"定时上架 {_local(listing.publish_at)}"
        return "未上架（草稿）"

    @admin.display(description="更新时间", ordering="date_updated")
    def updated(self, obj):
        return _local(obj.date_updated)

    # --- actions --------------------------------------------------------------------
    @admin.action(description="上架所选商品", permissions=("change",))
    def publish_selected(self, request, queryset):
        done = 0
        for product in queryset:
            try:
                publishing.publish(product)
                done += 1
            except publishing.ProductNotPriced as exc:
                self.message_user(request, f"「{product.title}」未上架：{exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"已上架 {done} 个商品。")

    @admin.action(description="下架所选商品", permissions=("change",))
    def unpublish_selected(self, request, queryset):
        for product in queryset:
            publishing.unpublish(product)
        self.message_user(request, f"已下架 {queryset.count()} 个商品。")

    # --- the editor -----------------------------------------------------------------
    def get_urls(self):
        return [
            path(
                "upload-image/",
                self.admin_site.admin_view(self.upload_image_view),
                name="catalogue_product_upload_image",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        classes = list(ProductClass.objects.order_by("name"))
        chosen = request.GET.get("class") or request.POST.get("product_class")
        klass = next((k for k in classes if k.slug == chosen), None)
        if klass is None and len(classes) == 1:
            klass = classes[0]
        if klass is None:
            context = {
                **self.admin_site.each_context(request),
                "title": "新建商品：选择商品类型",
                "opts": self.model._meta,
                "classes": classes,
            }
            return TemplateResponse(request, "admin/catalogue/product/choose_class.html", context)
        return self.editor_view(request, None, klass)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        product = Product.objects.filter(pk=object_id).exclude(structure=Product.CHILD).first()
        if product is None:
            raise Http404("没有这个商品。")
        if not self.has_change_permission(request, product):
            if not self.has_view_permission(request, product):
                raise PermissionDenied
            # Roles that only look (operations checking what they ship): Django's read-only page.
            return super().change_view(request, object_id, form_url, extra_context)
        return self.editor_view(request, product, product.get_product_class())

    def editor_view(self, request, product, klass):
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        form = editor.ProductEditorForm(data, files, product_class=klass, product=product)
        if data is not None:
            form_valid = form.is_valid()
            rows = editor.sku_rows(form, data, files)
            rows_valid = editor.validate_rows(rows)
            if form_valid and rows_valid:
                try:
                    saved = editor.save_product(
                        form,
                        rows,
                        image_order=editor.parse_ids(data.getlist("image_order")),
                        deleted_images=editor.parse_ids(data.getlist("image_delete")),
                    )
                except KitError as exc:
                    form.add_error(None, exc.message)
                else:
                    return self._after_save(request, saved, created=product is None)
        else:
            rows = editor.sku_rows(form)
        context = {
            **self.admin_site.each_context(request),
            "title": f"编辑商品：{product.title}" if product else f"新建商品（{klass.name}）",
            "opts": self.model._meta,
            "original": product,
            "product": product,
            "product_class": klass,
            "form": form,
            "rows": rows,
            "hidden_skus": editor.hidden_skus(form, rows),
            "images": list(product.images.order_by("display_order", "id")) if product else [],
            "missing_prices": publishing.unpriced_skus(product) if product else [],
            "has_delete_permission": product is not None and self.has_delete_permission(request, product),
            "upload_url": reverse("admin:catalogue_product_upload_image"),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, self.editor_template, context)

    def _after_save(self, request, product, *, created):
        change_url = reverse("admin:catalogue_product_change", args=[product.pk])
        if "_publish" in request.POST:
            try:
                publishing.publish(product)
            except publishing.ProductNotPriced as exc:
                self.message_user(request, f"已保存，但未上架：{exc.message}", messages.ERROR)
                return redirect(change_url)
            self.message_user(request, f"「{product.title}」已上架。")
            return redirect(change_url)
        if "_unpublish" in request.POST:
            publishing.unpublish(product)
            self.message_user(request, f"「{product.title}」已下架。")
            return redirect(change_url)
        state = "已上架" if product.is_public else "未上架"
        self.message_user(request, f"「{product.title}」已保存（{state}）。")
        if "_continue" in request.POST or created:
            return redirect(change_url)
        return redirect(reverse("admin:catalogue_product_changelist"))

    def upload_image_view(self, request):
        """A picture dropped into the rich description: re-encoded (config/images.py) and
        stored; answers {"location": url} as the editor expects."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        return _upload_image(request)


@require_POST
def _upload_image(request):
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": {"code": "invalid_image", "message": "请选择图片。"}}, status=400)
    try:
        clean = clean_image(upload, field="file", **editor.IMAGE_LIMITS)
    except KitError as exc:
        return JsonResponse(
            {"error": {"code": exc.code, "message": "图片无法使用：请上传 JPEG、PNG 或 WebP。"}}, status=400
        )
    month = timezone.localdate().strftime("%Y/%m")
    name = default_storage.save(f"editor/{month}/{uuid.uuid4().hex}.jpg", clean)
    return JsonResponse({"location": default_storage.url(name)})
