"""Marketers' screens of giveaways (in Chinese, times in Asia/Shanghai, members by name).

- 抽奖活动: the giveaway with its prizes inline; the list shows live entry counts, prizes left
  and winners. Once published, the rules that decide who can win (schedule, eligibility,
  cost, limits, odds, prizes) are read only; the banner and wording stay editable, and every
  change is in the history (the audit log). The page shows the commitment, the entries hash,
  a chart of entries per day (drawn on the server as SVG, no script) and the winners.
  Actions: 发布 (publish now), 开奖 (the draw: a confirmation page, the permission
  giveaways.run_draw, recorded in the history), 导出参与记录 (CSV).
- 参与记录 and 中奖记录: read only, with the claim and fulfilment state of each win.
"""

import csv

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from config import console
from config.console import local
from config.errors import KitError
from config.images import clean_image
from storefront.members.selectors import member_label

from . import selectors, services
from .models import Entry, Giveaway, Prize, Win


class GiveawayForm(forms.ModelForm):
    class Meta:
        model = Giveaway
        fields = (
            "title",
            "slug",
            "banner",
            "rules_text",
            "publish_at",
            *Giveaway.FROZEN_FIELDS,
        )

    def clean_banner(self):
        banner = self.cleaned_data.get("banner")
        if banner and hasattr(banner, "content_type"):  # a new upload, not the stored file
            try:
                return clean_image(
                    banner,
                    field="banner",
                    max_bytes=getattr(settings, "GIVEAWAY_BANNER_MAX_BYTES", 5 * 1024 * 1024),
                    max_pixels=getattr(settings, "GIVEAWAY_BANNER_MAX_PIXELS", 6000 * 6000),
                    max_side=getattr(settings, "GIVEAWAY_BANNER_SIZE", 1500),
                )
            except KitError as exc:
                raise forms.ValidationError("请上传 JPEG、PNG 或 WebP 图片，且不要过大。") from exc
        return banner

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "结束时间须晚于开始时间。")
        if data.get("mode") == Giveaway.Mode.DRAW:
            draw_at = data.get("draw_at")
            if not draw_at:
                self.add_error("draw_at", "定时开奖须填写开奖时间。")
            elif end and draw_at < end:
                self.add_error("draw_at", "开奖时间不能早于结束时间。")
        return data


class PrizeInline(console.TabularInline):
    model = Prize
    extra = 1
    fields = ("position", "name", "kind", "quantity", "remaining", "sku", "points", "coupon_batch", "cash_amount")
    readonly_fields = ("remaining",)
    autocomplete_fields = ()
    raw_id_fields = ()

    def _frozen(self, obj):
        return obj is not None and obj.is_published

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return True if obj is not None and self._frozen(obj) else super().has_view_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "sku":
            from oscar.apps.catalogue.models import Product

            kwargs["queryset"] = Product.objects.exclude(structure="parent").order_by("title")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def chart_svg(days) -> str:
    """Entries per day as bars in an inline SVG (no script, no style attribute)."""
    if not days:
        return "暂无参与"
    width, height, pad = 560, 160, 24
    top = max(n for _, n in days) or 1
    step = (width - 2 * pad) / len(days)
    bars = []
    for i, (day, n) in enumerate(days):
        h = (height - 2 * pad) * n / top
        x = pad + i * step
        bars.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#2f855a"><title>{} {} 次</title></rect>'
                '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
                f"{x + step * 0.15:.1f}",
                f"{height - pad - h:.1f}",
                f"{step * 0.7:.1f}",
                f"{h:.1f}",
                day.strftime("%m-%d"),
                n,
                f"{x + step / 2:.1f}",
                height - 8,
                day.strftime("%m-%d"),
            )
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="每日参与次数">{}</svg>',
        width,
        height,
        mark_safe("".join(bars)),  # noqa: S308  each bar is built with format_html above
    )


@admin.register(Giveaway)
class GiveawayAdmin(console.ModelAdmin):
    form = GiveawayForm
    inlines = (PrizeInline,)
    list_display = ("title", "mode", "status", "window", "entries_display", "prizes_left", "winners_display")
    list_filter = ("status", "mode")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    actions = ("publish_selected", "draw_selected", "export_entries")
    fieldsets = (
        (None, {"fields": ("title", "slug", "banner", "rules_text", "mode", "status")}),
        ("时间", {"fields": ("publish_at", "starts_at", "ends_at", "draw_at")}),
        ("参与资格", {"fields": ("phone_required", "min_tier", "new_members_only", "max_risk_rank", "risk_fallback")}),
        ("参与规则", {"fields": ("entry_cost_points", "entries_per_member", "entries_per_day", "win_chance")}),
        ("领奖", {"fields": ("claim_days", "unclaimed")}),
        ("公开验证", {"fields": ("commitment", "entries_hash", "entries_frozen", "drawn_at", "drawn_by_display")}),
        ("参与与中奖", {"fields": ("entries_display", "chart", "winners_table")}),
    )
    base_readonly = (
        "status",
        "commitment",
        "entries_hash",
        "entries_frozen",
        "drawn_at",
        "drawn_by_display",
        "entries_display",
        "chart",
        "winners_table",
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return (*self.base_readonly, "slug", "publish_at", *Giveaway.FROZEN_FIELDS)
        return self.base_readonly

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None and obj.is_published else self.prepopulated_fields

    def get_queryset(self, request):
        return selectors.with_counts(super().get_queryset(request)).prefetch_related("prizes")

    @admin.display(description="活动时间", ordering="starts_at")
    def window(self, obj):
        return f"{local(obj.starts_at)} 至 {local(obj.ends_at)}"

    @admin.display(description="参与次数", ordering="entry_total")
    def entries_display(self, obj):
        return obj.entry_total if hasattr(obj, "entry_total") else obj.entries.count()

    @admin.display(description="剩余奖品")
    def prizes_left(self, obj):
        return sum(p.remaining for p in obj.prizes.all())

    @admin.display(description="中奖人数", ordering="win_total")
    def winners_display(self, obj):
        return obj.win_total if hasattr(obj, "win_total") else obj.wins.count()

    @admin.display(description="开奖人")
    def drawn_by_display(self, obj):
        return member_label(obj.drawn_by) if obj.drawn_by_id else "—"

    @admin.display(description="每日参与")
    def chart(self, obj):
        return chart_svg(selectors.entries_per_day(obj)) if obj.pk else "—"

    @admin.display(description="中奖名单")
    def winners_table(self, obj):
        if not obj.pk:
            return "—"
        wins = selectors.wins_of_giveaway(obj)[:200]
        if not wins:
            return "暂无中奖"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    member_label(w.member),
                    w.prize.name,
                    w.get_source_display(),
                    w.get_claim_status_display(),
                    w.get_fulfilment_display(),
                    local(w.created_at),
                )
                for w in wins
            ),
        )
        return format_html(
            '<table class="giveaway-winners kit-table"><thead><tr><th>会员</th><th>奖品</th><th>来源</th>'
            "<th>领取</th><th>发放</th><th>中奖时间</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def save_model(self, request, obj, form, change):
        if change and obj.is_published:
            before = Giveaway.objects.get(pk=obj.pk)
            frozen = [name for name in Giveaway.FROZEN_FIELDS if getattr(before, name) != getattr(obj, name)]
            if frozen:
                raise PermissionDenied("已发布活动的规则不能修改。")
        super().save_model(request, obj, form, change)

    @admin.action(description="发布", permissions=("change",))
    def publish_selected(self, request, queryset):
        done = 0
        for giveaway in queryset:
            try:
                services.publish(giveaway=giveaway)
                self.log_change(request, giveaway, "发布活动")
                done += 1
            except KitError as exc:
                self.message_user(request, f"「{giveaway.title}」未发布：{exc.message}", messages.WARNING)
        if done:
            self.message_user(request, f"已发布 {done} 个活动。")

    def has_run_draw_permission(self, request):
        return request.user.has_perm("giveaways.run_draw")

    @admin.action(description="开奖", permissions=("run_draw",))
    def draw_selected(self, request, queryset):
        giveaways = list(queryset[:2])
        if len(giveaways) != 1:
            self.message_user(request, "请只选择一个活动。", messages.WARNING)
            return None
        return redirect(reverse("admin:giveaways_giveaway_draw", args=[giveaways[0].pk]))

    @admin.action(description="导出参与记录", permissions=("view",))
    def export_entries(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="giveaway-entries.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 with a BOM as UTF-8
        writer = csv.writer(response)
        writer.writerow(["活动", "参与编号", "会员", "第几次", "参与时间", "结果", "消耗积分", "风险等级", "风险未知"])
        entries = (
            Entry.objects.filter(giveaway__in=queryset).select_related("giveaway", "member").order_by("giveaway", "pk")
        )
        for entry in entries.iterator(chunk_size=2000):
            writer.writerow(
                [
                    entry.giveaway.title,
                    entry.pk,
                    member_label(entry.member),
                    entry.number,
                    local(entry.created_at),
                    entry.get_result_display(),
                    entry.points_spent,
                    "" if entry.risk_rank is None else entry.risk_rank,
                    "是" if entry.flagged else "",
                ]
            )
        return response

    def get_urls(self):
        return [
            path("<int:pk>/draw/", self.admin_site.admin_view(self.draw_view), name="giveaways_giveaway_draw"),
            *super().get_urls(),
        ]

    def draw_view(self, request, pk):
        if not self.has_run_draw_permission(request):
            raise PermissionDenied
        giveaway = Giveaway.objects.filter(pk=pk).first()
        if giveaway is None:
            return redirect(reverse("admin:giveaways_giveaway_changelist"))
        if request.method == "POST":
            try:
                giveaway = services.run_draw(giveaway=giveaway, staff=request.user)
            except KitError as exc:
                self.message_user(request, f"无法开奖：{exc.message}", messages.ERROR)
            else:
                winners = giveaway.wins.count()
                self.log_change(request, giveaway, f"开奖：{winners} 位中奖者")
                self.message_user(request, f"「{giveaway.title}」已开奖，{winners} 位中奖者。")
            return redirect(reverse("admin:giveaways_giveaway_change", args=[giveaway.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"开奖：{giveaway.title}",
            "opts": self.model._meta,
            "giveaway": giveaway,
            "entries": giveaway.entries.count(),
            "units": sum(p.quantity for p in giveaway.prizes.all()),
            "can_draw": giveaway.mode == Giveaway.Mode.DRAW
            and giveaway.status in (Giveaway.Status.PUBLISHED, Giveaway.Status.CLOSED)
            and timezone.now() >= giveaway.ends_at,
            "ends_at": local(giveaway.ends_at),
        }
        return TemplateResponse(request, "admin/giveaways/draw_confirm.html", context)


@admin.register(Entry)
class EntryAdmin(console.ReadOnlyAdmin):
    list_display = ("giveaway", "member_display", "number", "created_display", "result", "points_spent", "flagged")
    list_filter = ("result", "flagged", "giveaway")
    search_fields = ("giveaway__title", "member__nickname", "member__username")
    list_select_related = ("giveaway", "member")
    fields = (
        "giveaway",
        "member_display",
        "number",
        "day",
        "day_number",
        "result",
        "points_spent",
        "risk_rank",
        "flagged",
        "created_display",
    )
    readonly_fields = fields

    @admin.display(description="会员", ordering="member__nickname")
    def member_display(self, obj):
        return member_label(obj.member)

    @admin.display(description="参与时间", ordering="created_at")
    def created_display(self, obj):
        return local(obj.created_at)


@admin.register(Win)
class WinAdmin(console.ReadOnlyAdmin):
    list_display = (
        "giveaway",
        "prize",
        "member_display",
        "source",
        "claim_status",
        "deadline_display",
        "fulfilment",
        "order_display",
        "created_display",
    )
    list_filter = ("claim_status", "fulfilment", "source", "giveaway")
    search_fields = ("giveaway__title", "member__nickname", "member__username", "reference")
    list_select_related = ("giveaway", "prize", "member", "order")
    fields = (
        "giveaway",
        "prize",
        "member_display",
        "source",
        "reference",
        "claim_status",
        "deadline_display",
        "claimed_display",
        "fulfilment",
        "fulfilment_error",
        "order_display",
        "transfer_state",
        "transfer_bill_no",
        "created_display",
    )
    readonly_fields = fields

    @admin.display(description="会员", ordering="member__nickname")
    def member_display(self, obj):
        return member_label(obj.member)

    @admin.display(description="领取截止", ordering="claim_deadline")
    def deadline_display(self, obj):
        return local(obj.claim_deadline)

    @admin.display(description="领取时间")
    def claimed_display(self, obj):
        return local(obj.claimed_at)

    @admin.display(description="中奖时间", ordering="created_at")
    def created_display(self, obj):
        return local(obj.created_at)

    @admin.display(description="奖品订单")
    def order_display(self, obj):
        return obj.order.number if obj.order_id else "—"
