"""Marketers' and finance's screens of loyalty (all in Chinese, times in Asia/Shanghai).

- 积分规则 (one row): earning and spending rates, caps, expiry, tier basis and downgrade,
  check-in points; 积分活动 (scheduled multipliers on categories or products); 会员等级;
  奖励规则; 签到奖励.
- 积分账户: a member's balances with the ledger, lots and orders' points inline (read only);
  the action and button "人工调整积分" (needs `loyalty.adjust_points`, a reason is required,
  the adjustment is a ledger entry naming the staff member).
- 积分明细 (the whole ledger, read only), 签到记录, 积分核对 (runs of verify_points).
- 积分负债: points outstanding and their value in yuan, and issued / spent / expired per
  month as an inline SVG chart (no script, nothing from the network).
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from config import console
from config.console import local
from config.errors import KitError
from storefront.members.selectors import mask_phone

from . import selectors, services
from .models import (
    Account,
    BonusRule,
    CheckIn,
    CheckInReward,
    Entry,
    Lot,
    OrderPoints,
    PointsCheck,
    PointsLiability,
    Promotion,
    Rules,
    Tier,
)

ADJUST_PERMISSION = "loyalty.adjust_points"


def member_label(member) -> str:
    """Nickname and masked phone, never a raw id."""
    if member is None:
        return "—"
    name = member.nickname or member.username
    return f"{name}（{mask_phone(member.phone)}）" if member.phone else name


def staff_label(user) -> str:
    """The staff member by the name colleagues know (the demo's "市场部 小林")."""
    if user is None:
        return "—"
    return user.nickname or user.get_full_name() or user.username


class ReadOnlyInline(console.ReadOnlyInline):
    def has_view_permission(self, request, obj=None):
        # A member's lots and orders' points are part of the account page: whoever may view
        # the account sees them (the roles grant no permission on these models of their own).
        return request.user.has_perm("loyalty.view_account")


# --- rules -----------------------------------------------------------------------------------------
@admin.register(Rules)
class RulesAdmin(console.ModelAdmin):
    """One row: the list opens it (or the form to save it the first time)."""

    fieldsets = (
        ("购物得积分", {"fields": ("earn_enabled", "earn_points_per_yuan", "available_after_days")}),
        ("积分抵现", {"fields": ("redeem_enabled", "redeem_points_per_yuan", "redeem_max_share", "redeem_min_points")}),
        ("有效期", {"fields": ("expiry", "expiry_days")}),
        ("会员等级", {"fields": ("tier_basis", "tier_downgrade", "tier_downgrade_months")}),
        ("每日签到", {"fields": ("check_in_points", "check_in_cycle")}),
        ("修改记录", {"fields": ("updated_at", "updated_by")}),
    )
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Rules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if Rules.objects.filter(pk=1).exists():
            return redirect(reverse("admin:loyalty_rules_change", args=[1]))
        return redirect(reverse("admin:loyalty_rules_add"))

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Promotion)
class PromotionAdmin(console.ModelAdmin):
    list_display = ("name", "multiplier", "starts", "ends", "scope", "state", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    autocomplete_fields = ("categories", "products")
    fields = ("name", "multiplier", "starts_at", "ends_at", "all_products", "categories", "products", "is_active")

    @admin.display(description="开始时间", ordering="starts_at")
    def starts(self, obj):
        return local(obj.starts_at)

    @admin.display(description="结束时间", ordering="ends_at")
    def ends(self, obj):
        return local(obj.ends_at)

    @admin.display(description="适用范围")
    def scope(self, obj):
        if obj.all_products:
            return "全部商品"
        parts = [c.name for c in obj.categories.all()] + [p.get_title() for p in obj.products.all()]
        return "、".join(parts[:5]) + ("…" if len(parts) > 5 else "") if parts else "（未选择，不生效）"

    @admin.display(description="状态")
    def state(self, obj):
        now = timezone.now()
        if not obj.is_active:
            return "已停用"
        if now < obj.starts_at:
            return "未开始"
        return "进行中" if now < obj.ends_at else "已结束"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("categories", "products__parent")


@admin.register(Tier)
class TierAdmin(console.ModelAdmin):
    list_display = ("name", "threshold", "multiplier", "benefits")
    ordering = ("threshold",)


@admin.register(BonusRule)
class BonusRuleAdmin(console.ModelAdmin):
    list_display = ("kind", "points", "is_active", "starts", "ends")
    list_editable = ("points", "is_active")

    @admin.display(description="生效时间")
    def starts(self, obj):
        return local(obj.starts_at)

    @admin.display(description="截止时间")
    def ends(self, obj):
        return local(obj.ends_at)


@admin.register(CheckInReward)
class CheckInRewardAdmin(console.ModelAdmin):
    list_display = ("kind", "day", "points")
    list_filter = ("kind",)
    list_editable = ("points",)
    list_display_links = ("day",)


# --- a member's points ---------------------------------------------------------------------------------
class EntryInline(ReadOnlyInline):
    model = Entry
    fk_name = "account"
    fields = ("time", "kind", "delta", "pending_delta", "reserved_delta", "balance_after", "reason", "order_no", "by")
    readonly_fields = fields
    verbose_name_plural = "积分明细（最新在前）"
    ordering = ("-created_at", "-id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "staff")

    @admin.display(description="时间")
    def time(self, obj):
        return local(obj.created_at)

    @admin.display(description="订单")
    def order_no(self, obj):
        return obj.order.number if obj.order_id else "—"

    @admin.display(description="操作人")
    def by(self, obj):
        return staff_label(obj.staff) if obj.staff_id else "—"


class LotInline(ReadOnlyInline):
    model = Lot
    fields = ("granted", "points", "remaining", "expires", "source")
    readonly_fields = fields
    verbose_name_plural = "积分批次（先过期的先使用）"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("entry")

    @admin.display(description="发放时间")
    def granted(self, obj):
        return local(obj.created_at)

    @admin.display(description="过期时间")
    def expires(self, obj):
        return local(obj.expires_at) if obj.expires_at else "永不过期"

    @admin.display(description="来源")
    def source(self, obj):
        return obj.entry.get_kind_display()


class OrderPointsInline(ReadOnlyInline):
    model = OrderPoints
    fields = ("order_no", "earn_state", "earned", "clawed", "unrecovered", "redeem_state", "used", "saving", "returned")
    readonly_fields = fields
    verbose_name_plural = "订单积分"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")

    @admin.display(description="订单")
    def order_no(self, obj):
        return obj.order.number


class AdjustForm(forms.Form):
    points = forms.IntegerField(
        label="调整积分", help_text="正数为增加，负数为扣减（不能超过可用积分）。", min_value=-(10**9), max_value=10**9
    )
    reason = forms.CharField(
        label="调整原因",
        max_length=200,
        help_text="必填，将记入积分明细，会员可见。",
        error_messages={"required": "必须填写调整原因。"},
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError("请填写非零整数。")
        return points

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("必须填写调整原因。")
        return reason


@admin.register(Account)
class AccountAdmin(console.ModelAdmin):
    list_display = ("member_display", "tier", "available", "pending", "reserved", "lifetime_points", "changed")
    list_filter = ("tier",)
    search_fields = ("member__nickname", "member__phone", "member__username")
    list_select_related = ("member", "tier")
    readonly_fields = (
        "member_display",
        "tier",
        "available",
        "pending",
        "reserved",
        "lifetime_points",
        "tier_since_display",
        "expiring",
    )
    fields = readonly_fields
    inlines = (EntryInline, LotInline, OrderPointsInline)
    actions = ("adjust_selected",)
    change_form_template = "admin/loyalty/account/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The page is read only; viewing needs view_account, changing happens by adjustment.
        return False

    def has_adjust_permission(self, request):
        return request.user.has_perm(ADJUST_PERMISSION)

    @admin.display(description="会员", ordering="member__nickname")
    def member_display(self, obj):
        return member_label(obj.member)

    @admin.display(description="最后变动", ordering="updated_at")
    def changed(self, obj):
        return local(obj.updated_at)

    @admin.display(description="当前等级起始")
    def tier_since_display(self, obj):
        return local(obj.tier_since)

    @admin.display(description="30天内过期")
    def expiring(self, obj):
        soon = selectors.expiring_soon(obj)
        return f"{soon['points']} 积分" if soon["points"] else "无"

    @admin.action(description="人工调整积分", permissions=("adjust",))
    def adjust_selected(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return redirect(reverse("admin:loyalty_account_adjust") + f"?ids={ids}")

    def get_urls(self):
        return [
            path("adjust/", self.admin_site.admin_view(self.adjust_view), name="loyalty_account_adjust"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_adjust": self.has_adjust_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def adjust_view(self, request):
        if not self.has_adjust_permission(request):
            raise PermissionDenied
        ids = [int(pk) for pk in request.GET.get("ids", "").split(",") if pk.strip().isdigit()]
        accounts = list(Account.objects.select_related("member").filter(pk__in=ids).order_by("pk"))
        if not accounts:
            self.message_user(request, "请先选择积分账户。", messages.WARNING)
            return redirect(reverse("admin:loyalty_account_changelist"))
        form = AdjustForm(request.POST or None, initial={"token": uuid.uuid4().hex})
        if request.method == "POST" and form.is_valid():
            done, repeated, refused = [], [], []
            started = timezone.now()
            for account in accounts:
                try:
                    entry = services.adjust_points(
                        member=account.member,
                        points=form.cleaned_data["points"],
                        reason=form.cleaned_data["reason"],
                        staff=request.user,
                        key=f"{form.cleaned_data['token']}:{account.pk}",
                    )
                    # The same form token answers the entry it wrote the first time.
                    (repeated if entry.created_at < started else done).append(member_label(account.member))
                except KitError as exc:
                    refused.append(f"{member_label(account.member)}：{exc.fields.get('points') or exc.message}")
            if done:
                self.message_user(request, f"已调整 {form.cleaned_data['points']:+d} 积分：{'、'.join(done)}")
            if repeated:
                self.message_user(request, f"重复提交，未再次调整：{'、'.join(repeated)}", messages.WARNING)
            for line in refused:
                self.message_user(request, f"未调整 {line}", messages.ERROR)
            if len(accounts) == 1:
                return redirect(reverse("admin:loyalty_account_change", args=[accounts[0].pk]))
            return redirect(reverse("admin:loyalty_account_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "人工调整积分",
            "opts": self.model._meta,
            "form": form,
            "accounts": [(member_label(a.member), a.available) for a in accounts],
        }
        return TemplateResponse(request, "admin/loyalty/adjust.html", context)


@admin.register(Entry)
class EntryAdmin(console.ReadOnlyAdmin):
    list_display = (
        "time",
        "member_display",
        "kind",
        "delta",
        "pending_delta",
        "reserved_delta",
        "balance_after",
        "reason",
        "order_no",
        "by",
    )
    list_filter = ("kind", "created_at")
    search_fields = ("account__member__nickname", "account__member__phone", "order__number", "reference", "reason")
    list_select_related = ("account__member", "order", "staff")
    date_hierarchy = "created_at"
    fields = (
        "time",
        "member_display",
        "kind",
        "delta",
        "pending_delta",
        "reserved_delta",
        "balance_after",
        "pending_after",
        "reserved_after",
        "reason",
        "order_no",
        "reference",
        "by",
    )
    readonly_fields = fields

    @admin.display(description="时间", ordering="created_at")
    def time(self, obj):
        return local(obj.created_at)

    @admin.display(description="会员")
    def member_display(self, obj):
        return member_label(obj.account.member)

    @admin.display(description="订单")
    def order_no(self, obj):
        return obj.order.number if obj.order_id else "—"

    @admin.display(description="操作人")
    def by(self, obj):
        return staff_label(obj.staff) if obj.staff_id else "—"


@admin.register(CheckIn)
class CheckInAdmin(console.ReadOnlyAdmin):
    list_display = ("day", "member_display", "streak", "cycle_streak", "cycle_count", "points")
    list_select_related = ("account__member",)
    search_fields = ("account__member__nickname", "account__member__phone")
    date_hierarchy = "day"

    @admin.display(description="会员")
    def member_display(self, obj):
        return member_label(obj.account.member)


@admin.register(PointsCheck)
class PointsCheckAdmin(console.ReadOnlyAdmin):
    list_display = ("time", "accounts", "drifted")
    fields = ("time", "accounts", "drifted", "details")
    readonly_fields = fields

    @admin.display(description="检查时间", ordering="started_at")
    def time(self, obj):
        return local(obj.started_at)


# --- the liability page ------------------------------------------------------------------------------
CHART = {"width": 720, "height": 240, "top": 16, "bottom": 40, "left": 56, "bar": 12}
SERIES = (("issued", "发放", "#2e7d32"), ("spent", "使用", "#1565c0"), ("expired", "过期", "#9e9e9e"))


def chart_of(months) -> dict:
    """Bars of issued / spent / expired per month, placed for an inline SVG."""
    width, height, top, bottom, left, bar = (CHART[k] for k in ("width", "height", "top", "bottom", "left", "bar"))
    plot = height - top - bottom
    peak = max([max(m.issued, m.spent, m.expired) for m in months] + [1])
    step = (width - left - 8) / max(len(months), 1)
    bars, labels = [], []
    for index, month in enumerate(months):
        x0 = left + index * step + (step - 3 * bar) / 2
        for offset, (name, label, color) in enumerate(SERIES):
            value = max(getattr(month, name), 0)
            h = round(plot * value / peak, 1)
            bars.append(
                {
                    "x": round(x0 + offset * bar, 1),
                    "y": round(top + plot - h, 1),
                    "h": h,
                    "w": bar - 2,
                    "color": color,
                    "title": f"{month.month:%Y-%m} {label} {value}",
                }
            )
        labels.append({"x": round(x0 + 1.5 * bar, 1), "y": height - bottom + 16, "text": f"{month.month:%y/%m}"})
    ticks = [{"y": round(top + plot - plot * f, 1), "value": round(peak * f)} for f in (0, 0.5, 1)]
    return {**CHART, "bars": bars, "labels": labels, "ticks": ticks, "series": SERIES, "axis_y": top + plot}


@admin.register(PointsLiability)
class PointsLiabilityAdmin(console.ModelAdmin):
    """Not a list: the page of the outstanding points and the monthly flows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        data = selectors.liability()
        last_check = PointsCheck.objects.first()
        context = {
            **self.admin_site.each_context(request),
            "title": "积分负债",
            "opts": self.model._meta,
            "data": data,
            "chart": chart_of(data["months"]),
            "last_check": last_check,
            "last_check_at": local(last_check.started_at) if last_check else None,
            "now": local(timezone.now()),
        }
        return TemplateResponse(request, "admin/loyalty/liability.html", context)
