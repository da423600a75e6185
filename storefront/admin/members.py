from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from storefront.models import Address, User


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ("name", "phone", "province", "city", "district", "detail", "postcode", "is_default")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "nickname", "phone", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_active", "groups")
    search_fields = ("username", "nickname", "phone", "email")
    ordering = ("-date_joined",)
    inlines = [AddressInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Profile"), {"fields": ("nickname", "phone", "avatar", "birthday", "gender", "email", "first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
