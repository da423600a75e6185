from django.contrib import admin

from storefront.models import Store, StoreHours, StoreHoursException, StorePhoto


class StoreHoursInline(admin.TabularInline):
    model = StoreHours
    extra = 0


class StoreHoursExceptionInline(admin.TabularInline):
    model = StoreHoursException
    extra = 0


class StorePhotoInline(admin.TabularInline):
    model = StorePhoto
    extra = 0


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "city", "district", "phone", "offers_pickup", "is_active")
    list_filter = ("city", "offers_pickup", "is_active")
    search_fields = ("code", "name", "address", "phone")
    filter_horizontal = ("staff",)
    inlines = [StoreHoursInline, StoreHoursExceptionInline, StorePhotoInline]
