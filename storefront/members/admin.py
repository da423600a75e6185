"""Admin for members and staff.

- "Members" (`Member`, a proxy of the user model showing shoppers only) is where marketers
  and operations find a member by phone, openid / Alipay user id, unionid or nickname and
  see their identities, source, addresses, consents and orders (linked). It is read-only
  for them; staff accounts, passwords and permissions stay in "Members and staff" (`User`),
  which only superusers open.
- Merges and personal data requests are audit logs: read-only for everyone.

Phone numbers are shown in full only to staff with the `storefront.view_full_phone`
permission (operations); everyone else (marketers) sees 138****8000, in lists, forms and
address inlines alike.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config import console
from storefront.members.models import (
    Address,
    Consent,
    Identity,
    Member,
    MemberMerge,
    MemberSource,
    PersonalDataRequest,
    User,
)
from storefront.members.selectors import mask_phone

FULL_PHONE_PERMISSION = "storefront.view_full_phone"


def can_see_full_phone(request) -> bool:
    return request.user.has_perm(FULL_PHONE_PERMISSION)


class AddressInline(console.TabularInline):
    model = Address
    extra = 0
    fields = ("name", "phone", "province", "city", "district", "detail", "postcode", "is_default")

    def get_fields(self, request, obj=None):
        if can_see_full_phone(request):
            return self.fields
        return tuple("masked_phone" if field == "phone" else field for field in self.fields)

    def get_readonly_fields(self, request, obj=None):
        return () if can_see_full_phone(request) else ("masked_phone",)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


class ReadOnlyInlineMixin:
    """An inline that shows its `fields` and allows neither adding, editing nor deleting."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class IdentityInline(ReadOnlyInlineMixin, console.TabularInline):
    model = Identity
    fields = ("platform", "app_id", "openid", "unionid", "created_at", "last_login_at")


class ConsentInline(ReadOnlyInlineMixin, console.TabularInline):
    model = Consent
    fields = ("kind", "version", "granted", "created_at")


class MemberSourceInline(ReadOnlyInlineMixin, console.StackedInline):
    model = MemberSource
    fields = ("platform", "scene", "ref", "created_at")


class PhoneMaskingMixin:
    """Swaps the `phone` field for its masked form for staff without view_full_phone."""

    extra_list_display = ()

    def get_list_display(self, request):
        full = can_see_full_phone(request)

        @admin.display(description=_("phone"), ordering="phone")
        def phone(obj):
            return (obj.phone or "") if full else mask_phone(obj.phone)

        return (
            "username",
            "nickname",
            phone,
            "platforms",
            "order_count_display",
            "is_active",
            *self.extra_list_display,
            "date_joined",
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or can_see_full_phone(request):
            return fieldsets
        return tuple(
            (name, {**options, "fields": tuple("masked_phone" if f == "phone" else f for f in options["fields"])})
            for name, options in fieldsets
        )

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and not can_see_full_phone(request):
            fields += ("masked_phone",)
        return fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(order_count=Count("orders", distinct=True))
            .prefetch_related("identities")
        )

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description=_("platforms"))
    def platforms(self, obj):
        return ", ".join(sorted({identity.platform for identity in obj.identities.all()}))

    @admin.display(description=_("orders"), ordering="order_count")
    def order_count_display(self, obj):
        return obj.order_count

    @admin.display(description=_("orders"))
    def orders_link(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        count = getattr(obj, "order_count", None)
        if count is None:
            count = obj.orders.count()
        url = reverse("admin:order_order_changelist") + f"?user__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("%(count)s orders") % {"count": count})


SEARCH_FIELDS = ("username", "nickname", "phone", "identities__openid", "identities__unionid")


@admin.register(Member)
class MemberAdmin(PhoneMaskingMixin, console.ModelAdmin):
    list_filter = ("is_active", "identities__platform", "signup_source__ref")
    search_fields = SEARCH_FIELDS
    search_help_text = _("Phone, openid / Alipay user id, unionid or nickname.")
    ordering = ("-date_joined",)
    inlines = [IdentityInline, MemberSourceInline, AddressInline, ConsentInline]
    fieldsets = (
        (None, {"fields": ("username", "nickname", "phone", "avatar", "birthday", "gender", "is_active")}),
        (_("Orders"), {"fields": ("orders_link",)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("username", "orders_link", "last_login", "date_joined")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_staff=False, is_superuser=False)

    def has_add_permission(self, request):
        return False  # members come from the mini programs' logins only

    def has_delete_permission(self, request, obj=None):
        return False  # deletion is the member's own request (me/delete/), which keeps orders


@admin.register(User)
class UserAdmin(PhoneMaskingMixin, DjangoUserAdmin):
    extra_list_display = ("is_staff",)
    list_filter = ("is_staff", "is_active", "identities__platform", "groups")
    search_fields = (*SEARCH_FIELDS, "email")
    search_help_text = _("Phone, openid / Alipay user id, unionid, nickname or username.")
    ordering = ("-date_joined",)
    inlines = [IdentityInline, MemberSourceInline, AddressInline, ConsentInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Profile"),
            {"fields": ("nickname", "phone", "avatar", "birthday", "gender", "email", "first_name", "last_name")},
        ),
        (_("Orders"), {"fields": ("orders_link",)}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("orders_link",)


@admin.register(Identity)
class IdentityAdmin(console.ModelAdmin):
    list_display = ("openid", "platform", "app_id", "unionid", "member", "created_at", "last_login_at")
    list_filter = ("platform", "app_id")
    search_fields = ("openid", "unionid", "member__nickname", "member__username")
    list_select_related = ("member",)
    readonly_fields = ("member", "platform", "app_id", "openid", "unionid", "created_at", "last_login_at")

    def has_add_permission(self, request):
        return False


@admin.register(MemberMerge)
class MemberMergeAdmin(console.ModelAdmin):
    list_display = ("created_at", "source_member_id", "target_member_id", "masked_phone", "initiated_by_id")
    search_fields = ("source_member_id", "target_member_id")
    readonly_fields = (
        "source",
        "target",
        "source_member_id",
        "target_member_id",
        "initiated_by_id",
        "moved",
        "created_at",
    )
    exclude = ("phone",)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PersonalDataRequest)
class PersonalDataRequestAdmin(console.ModelAdmin):
    list_display = ("created_at", "kind", "member_id_snapshot", "ip")
    list_filter = ("kind",)
    search_fields = ("member_id_snapshot",)
    readonly_fields = ("member", "member_id_snapshot", "kind", "ip", "details", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- staff login lockout (django-axes): its screens in Chinese, for superusers -------------------
def _name_staff_login_screens_in_chinese():
    apps.get_app_config("axes").verbose_name = "登录安全"
    names = {
        AccessAttempt: "登录失败计数",
        AccessFailureLog: "登录失败记录",
        AccessLog: "登录记录",
    }
    labels = {
        "user_agent": "浏览器",
        "ip_address": "IP 地址",
        "username": "用户名",
        "path_info": "登录页面",
        "attempt_time": "时间",
        "get_data": "GET 数据",
        "post_data": "POST 数据",
        "failures_since_start": "连续失败次数",
        "logout_time": "退出时间",
        "locked_out": "已暂停登录",
    }
    for model, name in names.items():
        model._meta.verbose_name = model._meta.verbose_name_plural = name
        for field in model._meta.fields:
            if field.name in labels:
                field.verbose_name = labels[field.name]


_name_staff_login_screens_in_chinese()
