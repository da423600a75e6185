"""Django admin of the offline stores: a marketer adds a store with its weekly hours,
holiday exceptions and photos on one page, and sees which stores are open right now."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config import console
from storefront.stores.models import Store, StoreHours, StoreHoursException, StorePhoto
from storefront.stores.selectors import is_open, stores_now, upcoming_exceptions_prefetch


class StoreHoursInline(console.TabularInline):
    model = StoreHours
    extra = 0
    verbose_name_plural = _("opening hours (a row closing before it opens ends after midnight)")


class StoreHoursExceptionInline(console.TabularInline):
    model = StoreHoursException
    extra = 0


class StorePhotoInline(console.TabularInline):
    model = StorePhoto
    extra = 0
    fields = ("preview", "image", "caption", "position")
    readonly_fields = ("preview",)

    @admin.display(description=_("preview"))
    def preview(self, photo):
        if not photo.pk or not photo.image:
            return "-"
        made = photo.renditions_of == photo.image.name
        return format_html(
            '<img src="{}" width="60" height="60" alt="">', photo.thumbnail_url if made else photo.image.url
        )


@admin.register(Store)
class StoreAdmin(console.ModelAdmin):
    list_display = ("code", "name", "city", "district", "phone", "offers_pickup", "is_active", "open_now")
    list_filter = ("city", "offers_pickup", "is_active")
    search_fields = ("code", "name", "address", "phone")
    filter_horizontal = ("staff",)
    inlines = [StoreHoursInline, StoreHoursExceptionInline, StorePhotoInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("hours", upcoming_exceptions_prefetch(today=stores_now().date()))
        )

    @admin.display(description=_("open now"), boolean=True)
    def open_now(self, store):
        return is_open(store, stores_now())
