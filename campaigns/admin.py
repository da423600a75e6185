"""Marketers' screens of entry points and attribution (Chinese, times in Asia/Shanghai, people by
name, never a raw id).

- 投放入口: an entry point for a campaign, product, store, staff member or channel, with its
  page and parameters; on its page the WeChat code, the Alipay code and a WeChat URL Link
  (at most 30 days); the list's action downloads the codes of the selected entry points as
  one zip (a batch of staff codes).
- 投放漏斗: visits, new members, orders and paid GMV per entry point, channel, store or staff
  member over 7, 30 or 90 days, a daily chart as inline SVG (nothing from the network) and
  a CSV export.
- 归因规则 (one row), 访问记录, 会员来源, 订单来源, 微信搜索页面 (read only).
"""

import csv
import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from config import console
from config.console import local
from config.errors import KitError
from platforms.base import PlatformError
from storefront.members.selectors import mask_phone

from . import selectors, services
from .models import (
    SHANGHAI,
    Attribution,
    AttributionRules,
    EntryPoint,
    Funnel,
    OrderAttribution,
    SearchPage,
    Visit,
)


def person(user) -> str:
    """Nickname (and masked phone for shoppers), never a raw id."""
    if user is None:
        return "—"
    name = user.nickname or user.get_full_name() or user.username
    return f"{name}（{mask_phone(user.phone)}）" if getattr(user, "phone", "") else name


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.nickname or obj.get_full_name() or obj.username


# --- entry points ------------------------------------------------------------------------------
class LinkForm(forms.Form):
    days = forms.IntegerField(label="有效天数", min_value=1, max_value=services.MAX_LINK_DAYS, initial=30)


@admin.register(EntryPoint)
class EntryPointAdmin(console.ModelAdmin):
    list_display = ("name", "kind", "target", "scene", "period", "is_active", "downloads")
    list_filter = ("kind", "channel", "is_active", "store")
    search_fields = ("name", "scene", "campaign", "staff__nickname", "store__name")
    actions = ["download_codes_zip"]
    fieldsets = (
        (None, {"fields": ("name", "kind", "is_active")}),
        ("指向", {"fields": ("campaign", "product", "store", "staff", "channel")}),
        ("打开的页面", {"fields": ("page", "params", "scene")}),
        ("有效期", {"fields": ("starts_at", "ends_at")}),
        ("微信搜索", {"fields": ("submit_to_search",)}),
        ("小程序码与链接", {"fields": ("codes", "link_display")}),
    )
    readonly_fields = ("codes", "link_display")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", "store", "staff")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "staff":
            User = get_user_model()
            staff = User.objects.filter(Q(is_staff=True) | Q(stores__isnull=False)).distinct().order_by("nickname")
            return StaffChoiceField(queryset=staff, required=False, label="店员", help_text=db_field.help_text)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="指向")
    def target(self, obj):
        if obj.kind == EntryPoint.Kind.STAFF:
            return f"{person(obj.staff)}" + (f" · {obj.store.name}" if obj.store_id else "")
        if obj.kind == EntryPoint.Kind.STORE:
            return obj.store.name if obj.store_id else "—"
        if obj.kind == EntryPoint.Kind.PRODUCT:
            return obj.product.title if obj.product_id else "—"
        if obj.kind == EntryPoint.Kind.CHANNEL:
            return obj.get_channel_display()
        return obj.campaign or "—"

    @admin.display(description="有效期")
    def period(self, obj):
        if not obj.starts_at and not obj.ends_at:
            return "长期"
        return f"{local(obj.starts_at)} 至 {local(obj.ends_at)}"

    @admin.display(description="下载")
    def downloads(self, obj):
        return format_html(
            '<a href="{}">微信码</a> · <a href="{}">支付宝码</a>',
            reverse("admin:campaigns_entrypoint_code", args=[obj.pk, "wechat"]),
            reverse("admin:campaigns_entrypoint_code", args=[obj.pk, "alipay"]),
        )

    @admin.display(description="小程序码")
    def codes(self, obj):
        if obj is None or obj.pk is None:
            return "保存后可下载"
        return format_html(
            '<a class="button" id="download-wechat-code" href="{}">下载微信小程序码</a> '
            '<a class="button" id="download-alipay-code" href="{}">下载支付宝小程序码</a>',
            reverse("admin:campaigns_entrypoint_code", args=[obj.pk, "wechat"]),
            reverse("admin:campaigns_entrypoint_code", args=[obj.pk, "alipay"]),
        )

    @admin.display(description="URL Link")
    def link_display(self, obj):
        if obj is None or obj.pk is None:
            return "保存后可生成"
        make = reverse("admin:campaigns_entrypoint_link", args=[obj.pk])
        if obj.link:
            return format_html(
                '<code>{}</code>（{} 过期） <a class="button" href="{}">重新生成</a>',
                obj.link,
                local(obj.link_expires_at),
                make,
            )
        return format_html('<a class="button" href="{}">生成 URL Link（短信、公众号文章用）</a>', make)

    def get_urls(self):
        return [
            path(
                "<int:pk>/code/<str:platform>/",
                self.admin_site.admin_view(self.code_view),
                name="campaigns_entrypoint_code",
            ),
            path("<int:pk>/link/", self.admin_site.admin_view(self.link_view), name="campaigns_entrypoint_link"),
            *super().get_urls(),
        ]

    def code_view(self, request, pk, platform):
        if not self.has_view_permission(request):
            raise PermissionDenied
        entry = get_object_or_404(EntryPoint.objects.select_related("staff"), pk=pk)
        make = {"wechat": services.wechat_code, "alipay": services.alipay_code}.get(platform)
        if make is None:
            raise PermissionDenied
        try:
            image = make(entry_point=entry)
        except PlatformError as error:
            self.message_user(request, f"生成小程序码失败：{error.message}", messages.ERROR)
            return redirect(reverse("admin:campaigns_entrypoint_change", args=[pk]))
        response = HttpResponse(image, content_type="image/png")
        name = services.code_file_name(entry, platform)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quoted(name)}"
        return response

    def link_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        entry = get_object_or_404(EntryPoint, pk=pk)
        form = LinkForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.make_url_link(entry_point=entry, days=form.cleaned_data["days"])
            except (KitError, PlatformError) as error:
                self.message_user(request, f"生成链接失败：{error.message}", messages.ERROR)
            else:
                self.message_user(request, "已生成 URL Link", messages.SUCCESS)
                return redirect(reverse("admin:campaigns_entrypoint_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"生成 URL Link：{entry.name}",
            "opts": self.model._meta,
            "entry": entry,
            "form": form,
        }
        return TemplateResponse(request, "admin/campaigns/link.html", context)

    @admin.action(description="下载所选入口的小程序码（zip）")
    def download_codes_zip(self, request, queryset):
        entries = list(queryset.select_related("staff").order_by("name", "pk"))
        try:
            archive = services.codes_zip(entry_points=entries)
        except PlatformError as error:
            self.message_user(request, f"生成小程序码失败：{error.message}", messages.ERROR)
            return None
        response = HttpResponse(archive, content_type="application/zip")
        stamp = timezone.localtime(timezone.now(), SHANGHAI).strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="codes-{stamp}.zip"'
        return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# --- rules and records -----------------------------------------------------------------------------
@admin.register(AttributionRules)
class AttributionRulesAdmin(console.ModelAdmin):
    """One row: the list opens it (or the form to save it the first time)."""

    fields = ("window", "days", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not AttributionRules.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if AttributionRules.objects.filter(pk=1).exists():
            return redirect(reverse("admin:campaigns_attributionrules_change", args=[1]))
        return redirect(reverse("admin:campaigns_attributionrules_add"))

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)


@admin.register(Visit)
class VisitAdmin(console.ReadOnlyAdmin):
    list_display = ("time", "scene_value", "entry_point", "member_display", "sharer_display", "path", "is_crawler")
    list_filter = ("scene_value", "is_crawler", "platform")
    list_select_related = ("entry_point", "member", "sharer")
    search_fields = ("entry_point__name", "entry_point__scene", "path")
    fields = ("time", "platform", "scene_value", "path", "query", "entry_point", "member_display", "sharer_display")
    readonly_fields = fields

    @admin.display(description="访问时间", ordering="created_at")
    def time(self, obj):
        return local(obj.created_at)

    @admin.display(description="会员")
    def member_display(self, obj):
        return person(obj.member) if obj.member_id else "未登录访客"

    @admin.display(description="分享人")
    def sharer_display(self, obj):
        return person(obj.sharer)


@admin.register(Attribution)
class AttributionAdmin(console.ReadOnlyAdmin):
    list_display = ("member_display", "joined", "joined_entry_point", "staff_display", "credited_store", "bound")
    list_select_related = ("member", "joined_entry_point", "credited_staff", "credited_store", "bound_entry_point")
    search_fields = ("member__nickname", "joined_entry_point__name", "credited_staff__nickname")
    fields = (
        "member_display",
        "joined",
        "joined_entry_point",
        "staff_display",
        "credited_store",
        "first_entry_point",
        "last_entry_point",
        "bound",
    )
    readonly_fields = fields

    @admin.display(description="会员")
    def member_display(self, obj):
        return person(obj.member)

    @admin.display(description="成为会员", ordering="joined_at")
    def joined(self, obj):
        return local(obj.joined_at)

    @admin.display(description="拉新店员")
    def staff_display(self, obj):
        return person(obj.credited_staff)

    @admin.display(description="当前绑定")
    def bound(self, obj):
        if obj.bound_at is None:
            return "—"
        source = obj.bound_entry_point.name if obj.bound_entry_point_id else person(obj.bound_sharer)
        return f"{source}（{local(obj.bound_at)}）"


@admin.register(OrderAttribution)
class OrderAttributionAdmin(console.ReadOnlyAdmin):
    list_display = ("order_number", "member_display", "entry_point", "sharer_display", "placed", "paid_total")
    list_select_related = ("order", "member", "entry_point", "sharer")
    search_fields = ("order__number", "entry_point__name")
    fields = ("order_number", "member_display", "entry_point", "sharer_display", "placed", "paid", "paid_total")
    readonly_fields = fields

    @admin.display(description="订单号")
    def order_number(self, obj):
        return obj.order.number

    @admin.display(description="会员")
    def member_display(self, obj):
        return person(obj.member)

    @admin.display(description="分享人")
    def sharer_display(self, obj):
        return person(obj.sharer)

    @admin.display(description="下单时间", ordering="placed_at")
    def placed(self, obj):
        return local(obj.placed_at)

    @admin.display(description="付款时间")
    def paid(self, obj):
        return local(obj.paid_at)


@admin.register(SearchPage)
class SearchPageAdmin(console.ReadOnlyAdmin):
    list_display = ("path", "query", "status", "attempts", "last_error", "sent")
    list_filter = ("status",)

    @admin.display(description="提交时间")
    def sent(self, obj):
        return local(obj.sent_at)


# --- the funnel ------------------------------------------------------------------------------------
PERIODS = (7, 30, 90)
CHART = {"width": 720, "height": 220, "top": 16, "bottom": 36, "left": 48}
SERIES = (("visits", "访问", "#1565c0"), ("new_members", "新会员", "#2e7d32"), ("orders", "订单", "#ef6c00"))


def chart_of(days) -> dict:
    """One polyline per series over the days, placed for an inline SVG."""
    width, height, top, bottom, left = (CHART[k] for k in ("width", "height", "top", "bottom", "left"))
    plot = height - top - bottom
    peak = max([max(d[name] for name, _l, _c in SERIES) for d in days] + [1])
    step = (width - left - 8) / max(len(days) - 1, 1)
    lines = []
    for name, label, color in SERIES:
        points = " ".join(
            f"{round(left + i * step, 1)},{round(top + plot - plot * d[name] / peak, 1)}" for i, d in enumerate(days)
        )
        lines.append({"points": points, "color": color, "label": label})
    every = max(1, len(days) // 10)
    labels = [
        {"x": round(left + i * step, 1), "y": height - bottom + 16, "text": f"{d['day']:%m/%d}"}
        for i, d in enumerate(days)
        if i % every == 0
    ]
    ticks = [{"y": round(top + plot - plot * f, 1), "value": round(peak * f)} for f in (0, 0.5, 1)]
    return {**CHART, "lines": lines, "labels": labels, "ticks": ticks, "series": SERIES, "axis_y": top + plot}


@admin.register(Funnel)
class FunnelAdmin(console.ModelAdmin):
    """Not a list: the funnel page."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("campaigns.view_funnel") or request.user.has_perm("campaigns.view_entrypoint")

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        dimension = request.GET.get("by", "entry_point")
        if dimension not in selectors.DIMENSIONS:
            dimension = "entry_point"
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in PERIODS else 30
        today = timezone.localtime(timezone.now(), SHANGHAI).date()
        since = dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time(), tzinfo=SHANGHAI)
        until = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
        data = selectors.funnel(dimension=dimension, since=since, until=until)
        if request.GET.get("format") == "csv":
            return self.csv(data, days)
        context = {
            **self.admin_site.each_context(request),
            "title": "投放漏斗",
            "opts": self.model._meta,
            "data": data,
            "chart": chart_of(data.days),
            "dimension": dimension,
            "dimension_label": selectors.DIMENSIONS[dimension][0],
            "dimensions": [(key, label) for key, (label, _s) in selectors.DIMENSIONS.items()],
            "days": days,
            "periods": PERIODS,
            "since": f"{since:%Y-%m-%d}",
            "until": f"{today:%Y-%m-%d}",
        }
        return TemplateResponse(request, "admin/campaigns/funnel.html", context)

    def csv(self, data, days):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="funnel-{data.dimension}-{days}d.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 with a BOM as Chinese, not mojibake
        writer = csv.writer(response)
        writer.writerow(
            [selectors.DIMENSIONS[data.dimension][0], "访问", "新会员", "订单", "已付款订单", "实付金额（元）"]
        )
        for row in data.rows:
            writer.writerow([row.label, row.visits, row.new_members, row.orders, row.paid_orders, f"{row.gmv:.2f}"])
        return response
