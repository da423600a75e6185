"""Marketers' screens of coupons (all in Chinese, times in Asia/Shanghai, members by name).

- 优惠券批次: the rules of each batch, with claimed / used / remaining and the redemption
  rate (used of claimed) in the list; saving a batch writes its Oscar offer
  (`services.sync_offer`). The action "发放给会员" sends one coupon of a batch to a tier or to
  members named by username or phone (`services.grant_coupons`).
- 会员优惠券: every coupon members hold, read only, filtered by batch, state and source.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from config import console
from config.console import local
from loyalty.models import Tier
from storefront.members.selectors import member_label

from . import selectors, services
from .forms import MinuteDateTimesMixin
from .models import CouponBatch, MemberCoupon


class CouponBatchForm(forms.ModelForm):
    class Meta:
        model = CouponBatch
        fields = (
            "name",
            "description",
            "is_active",
            "is_public",
            "kind",
            "value",
            "min_spend",
            "all_products",
            "products",
            "categories",
            "total",
            "per_member_limit",
            "audience",
            "tier",
            "claim_starts_at",
            "claim_ends_at",
            "validity",
            "valid_from",
            "valid_until",
            "valid_days",
        )

    def clean(self):
        data = super().clean()
        if data.get("audience") == CouponBatch.Audience.TIER and not data.get("tier"):
            self.add_error("tier", "请选择会员等级。")
        if data.get("validity") == CouponBatch.Validity.DAYS and not data.get("valid_days"):
            self.add_error("valid_days", "请填写领取后有效天数。")
        if data.get("validity") == CouponBatch.Validity.FIXED:
            start, end = data.get("valid_from"), data.get("valid_until")
            if not start or not end:
                self.add_error("valid_until", "请填写生效时间和失效时间。")
            elif end <= start:
                self.add_error("valid_until", "失效时间须晚于生效时间。")
        start, end = data.get("claim_starts_at"), data.get("claim_ends_at")
        if start and end and end <= start:
            self.add_error("claim_ends_at", "结束领取时间须晚于开始领取时间。")
        if data.get("kind") == CouponBatch.Kind.PERCENTAGE and data.get("value") and data["value"] >= 100:
            self.add_error("value", "折扣须小于 100%。")
        if data.get("value") is not None and data["value"] <= 0:
            self.add_error("value", "优惠额度须大于 0。")
        if data.get("all_products") is False and not data.get("products") and not data.get("categories"):
            self.add_error("products", "请指定商品或分类，或勾选“全部商品可用”。")
        if self.instance.pk and data.get("total") is not None and data["total"] < self.instance.claimed:
            self.add_error("total", f"已领取 {self.instance.claimed} 张，发放总量不能少于此数。")
        return data


@admin.register(CouponBatch)
class CouponBatchAdmin(MinuteDateTimesMixin, console.ModelAdmin):
    form = CouponBatchForm
    list_display = (
        "name",
        "rule",
        "audience",
        "total",
        "claimed_display",
        "used_display",
        "remaining",
        "redemption_rate",
        "claim_window",
        "is_active",
    )
    list_filter = ("is_active", "audience", "kind")
    search_fields = ("name",)
    filter_horizontal = ("products", "categories")
    fieldsets = (
        (None, {"fields": ("name", "description", "is_active", "is_public")}),
        ("优惠", {"fields": ("kind", "value", "min_spend")}),
        ("适用商品", {"fields": ("all_products", "products", "categories")}),
        ("数量与人群", {"fields": ("total", "remaining", "per_member_limit", "audience", "tier")}),
        ("领取时间", {"fields": ("claim_starts_at", "claim_ends_at")}),
        ("有效期", {"fields": ("validity", "valid_from", "valid_until", "valid_days")}),
    )
    readonly_fields = ("remaining",)
    actions = ("grant_selected",)

    def get_queryset(self, request):
        return selectors.batch_results()

    @admin.display(description="规则")
    def rule(self, obj):
        return obj.rule_text()

    @admin.display(description="已领取")
    def claimed_display(self, obj):
        return obj.claimed

    @admin.display(description="已使用", ordering="used_count")
    def used_display(self, obj):
        return obj.used_count

    @admin.display(description="核销率")
    def redemption_rate(self, obj):
        held = obj.held_count
        return f"{obj.used_count * 100 / held:.1f}%" if held else "—"

    @admin.display(description="领取时间", ordering="claim_starts_at")
    def claim_window(self, obj):
        return f"{local(obj.claim_starts_at)} 至 {local(obj.claim_ends_at)}"

    def save_model(self, request, obj, form, change):
        if change and "total" in form.changed_data:
            before = CouponBatch.objects.get(pk=obj.pk)
            obj.remaining = before.remaining + (obj.total - before.total)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.sync_offer(form.instance)

    @admin.action(description="发放给会员", permissions=("change",))
    def grant_selected(self, request, queryset):
        batches = list(queryset[:2])
        if len(batches) != 1:
            self.message_user(request, "请只选择一个优惠券批次。", messages.WARNING)
            return None
        return redirect(reverse("admin:offers_couponbatch_grant", args=[batches[0].pk]))

    def get_urls(self):
        return [
            path("<int:batch_id>/grant/", self.admin_site.admin_view(self.grant_view), name="offers_couponbatch_grant"),
            *super().get_urls(),
        ]

    def grant_view(self, request, batch_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        batch = CouponBatch.objects.filter(pk=batch_id).first()
        if batch is None:
            return redirect(reverse("admin:offers_couponbatch_changelist"))
        form = GrantForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            members = form.selected_members()
            if not members:
                self.message_user(request, "没有找到符合条件的会员。", messages.WARNING)
            else:
                result = services.grant_coupons(batch=batch, members=members, reason=form.cleaned_data["reason"])
                self.message_user(request, f"已向 {result['granted']} 位会员发放「{batch.name}」。")
                if result["sold_out"]:
                    self.message_user(request, f"券已发完，{result['sold_out']} 位会员未发放。", messages.WARNING)
                return redirect(reverse("admin:offers_couponbatch_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"发放优惠券：{batch.name}",
            "opts": self.model._meta,
            "form": form,
            "batch": batch,
        }
        return TemplateResponse(request, "admin/offers/grant.html", context)


class GrantForm(forms.Form):
    tier = forms.ModelChoiceField(
        Tier.objects.all(), required=False, label="会员等级", help_text="发给该等级（及以上）的所有会员。"
    )
    members = forms.CharField(
        required=False,
        label="指定会员",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="每行一个用户名或手机号。",
    )
    reason = forms.CharField(max_length=100, label="发放原因", help_text="例如：中奖奖品、会员日回馈。")

    def clean(self):
        data = super().clean()
        if not data.get("tier") and not (data.get("members") or "").strip():
            raise forms.ValidationError("请选择会员等级或填写会员。")
        return data

    def selected_members(self):
        User = get_user_model()
        found = []
        tier = self.cleaned_data.get("tier")
        if tier is not None:
            found.extend(User.objects.filter(loyalty_account__tier__threshold__gte=tier.threshold).order_by("pk"))
        names = [line.strip() for line in (self.cleaned_data.get("members") or "").splitlines() if line.strip()]
        if names:
            found.extend(User.objects.filter(Q(username__in=names) | Q(phone__in=names)).order_by("pk"))
        seen, unique = set(), []
        for member in found:
            if member.pk not in seen:
                seen.add(member.pk)
                unique.append(member)
        return unique


class CouponStateFilter(admin.SimpleListFilter):
    title = "使用状态"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("available", "可使用"), ("used", "已使用"), ("expired", "已过期"))

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "available":
            return queryset.filter(status=MemberCoupon.Status.AVAILABLE, expires_at__gt=now)
        if self.value() == "used":
            return queryset.filter(status=MemberCoupon.Status.USED)
        if self.value() == "expired":
            return queryset.filter(status=MemberCoupon.Status.AVAILABLE, expires_at__lte=now)
        return queryset


@admin.register(MemberCoupon)
class MemberCouponAdmin(console.ModelAdmin):
    list_display = (
        "batch",
        "member_display",
        "state",
        "source",
        "claimed_display",
        "expires_display",
        "order_display",
        "saving",
    )
    list_filter = (CouponStateFilter, "source", "batch")
    search_fields = ("batch__name", "member__nickname", "member__username")
    list_select_related = ("batch", "member", "order")
    fields = (
        "batch",
        "member_display",
        "state",
        "source",
        "reason",
        "claim_number",
        "claimed_display",
        "starts_display",
        "expires_display",
        "order_display",
        "saving",
        "used_display",
        "returned_times",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="会员", ordering="member__nickname")
    def member_display(self, obj):
        return member_label(obj.member)

    @admin.display(description="状态")
    def state(self, obj):
        return {"available": "可使用", "used": "已使用", "expired": "已过期"}[selectors.status_of(obj)]

    @admin.display(description="领取时间", ordering="claimed_at")
    def claimed_display(self, obj):
        return local(obj.claimed_at)

    @admin.display(description="生效时间")
    def starts_display(self, obj):
        return local(obj.starts_at)

    @admin.display(description="失效时间", ordering="expires_at")
    def expires_display(self, obj):
        return local(obj.expires_at)

    @admin.display(description="使用时间")
    def used_display(self, obj):
        return local(obj.used_at)

    @admin.display(description="使用订单")
    def order_display(self, obj):
        return obj.order.number if obj.order_id else "—"


# --- site offers in one form ------------------------------------------------------------
# Oscar's own offer screens register first, so the one-form offer can take their place.
from oscar.apps.offer import admin as oscar_offer_admin  # noqa: E402, F401
from oscar.core.loading import get_model  # noqa: E402

from . import forms as offer_forms  # noqa: E402

ConditionalOffer = get_model("offer", "ConditionalOffer")
if admin.site.is_registered(ConditionalOffer):
    admin.site.unregister(ConditionalOffer)


@admin.register(ConditionalOffer)
class OfferAdmin(console.ModelAdmin):
    """满减 / 折扣 / 第二件半价: one form over Oscar's range, condition, benefit and offer
    (offers/forms.py), with a preview on a sample basket. Coupons' offers are edited with
    their batch and are not listed here."""

    list_display = ("name", "rule", "scope", "window", "state", "applications", "discount")
    search_fields = ("name",)
    list_filter = ("status",)
    ordering = ("-date_created",)
    view_on_site = False
    editor_template = "admin/offer/conditionaloffer/editor.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(offer_type=ConditionalOffer.SITE)
            .select_related("condition", "benefit", "condition__range")
        )

    @admin.display(description="规则")
    def rule(self, obj):
        return offer_forms.rule_text(obj)

    @admin.display(description="适用商品")
    def scope(self, obj):
        rng = obj.condition.range
        if rng is None or rng.includes_all_products:
            return "全部商品"
        names = [c.name for c in rng.included_categories.all()] + [p.title for p in rng.included_products.all()]
        return "、".join(names[:3]) + ("等" if len(names) > 3 else "") or "—"

    @admin.display(description="活动时间")
    def window(self, obj):
        return f"{local(obj.start_datetime) if obj.start_datetime else '立即'} 至 {local(obj.end_datetime) if obj.end_datetime else '长期'}"

    @admin.display(description="状态", ordering="status")
    def state(self, obj):
        if obj.status != ConditionalOffer.OPEN:
            return "已停用"
        now = timezone.now()
        if obj.start_datetime and obj.start_datetime > now:
            return "未开始"
        if obj.end_datetime and obj.end_datetime < now:
            return "已结束"
        return "进行中"

    @admin.display(description="使用次数", ordering="num_applications")
    def applications(self, obj):
        return obj.num_applications

    @admin.display(description="优惠总额", ordering="total_discount")
    def discount(self, obj):
        return offer_forms.yuan(obj.total_discount)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self.offer_view(request, None)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        offer = self.get_queryset(request).filter(pk=object_id).first()
        if offer is None:
            return redirect(reverse("admin:offer_conditionaloffer_changelist"))
        if not self.has_change_permission(request, offer):
            raise PermissionDenied
        return self.offer_view(request, offer)

    def offer_view(self, request, offer):
        form = offer_forms.OfferForm(request.POST or None, offer=offer)
        result = None
        if request.method == "POST" and form.is_valid():
            if "_preview" in request.POST:
                result = offer_forms.preview(form)
            else:
                saved = offer_forms.save_offer(form)
                self.message_user(request, f"活动「{saved.name}」已保存：{offer_forms.rule_text(saved)}。")
                if "_continue" in request.POST:
                    return redirect(reverse("admin:offer_conditionaloffer_change", args=[saved.pk]))
                return redirect(reverse("admin:offer_conditionaloffer_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"编辑活动：{offer.name}" if offer else "新建优惠活动",
            "opts": self.model._meta,
            "original": offer,
            "form": form,
            "preview": result,
            "sample_fields": [
                (form[f"sample_{i}"], form[f"sample_{i}_quantity"]) for i in range(1, offer_forms.SAMPLE_LINES + 1)
            ],
            "has_delete_permission": offer is not None and self.has_delete_permission(request, offer),
        }
        return TemplateResponse(request, self.editor_template, context)
