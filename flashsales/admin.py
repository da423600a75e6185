"""Marketers' screens of flash sales (Chinese, times in Asia/Shanghai, no raw ids).

秒杀活动: each sale with its SKUs inline (sale price, normal price, quantity set aside and the
live remaining quantity), its state, and its results: orders placed, orders paid and the
conversion against the quota (units held by orders / units set aside; paid orders / quota).
Changing an item's quantity moves `remaining` by the same amount through the service, and
saving a sale sets its fast counters from the database.
"""

from django import forms
from django.contrib import admin
from django.utils import timezone
from oscar.apps.catalogue.models import Product

from config import console
from config.console import local
from flashsales import selectors, services
from flashsales.counter import get_counter
from flashsales.models import FlashSale, FlashSaleItem

STATES = {"upcoming": "未开始", "running": "进行中", "ended": "已结束"}


class SkuChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        record = next(iter(obj.stockrecords.all()), None)
        price = f"（¥{record.price}）" if record is not None and record.price is not None else ""
        return f"{obj.get_title()} {obj.title if obj.parent_id and obj.title else ''}{price}".replace("  ", " ")


class FlashSaleItemInline(console.TabularInline):
    model = FlashSaleItem
    extra = 1
    fields = ("sku", "sale_price", "normal_price", "quantity", "remaining_display", "counter_display")
    readonly_fields = ("remaining_display", "counter_display")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "sku":
            skus = (
                Product.objects.exclude(structure=Product.PARENT)
                .select_related("parent")
                .prefetch_related("stockrecords")
                .order_by("parent__title", "title", "pk")
            )
            return SkuChoiceField(queryset=skus, label="商品规格", required=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="剩余（件）")
    def remaining_display(self, obj):
        return obj.remaining if obj.pk else "—"

    @admin.display(description="计数器")
    def counter_display(self, obj):
        if not obj.pk:
            return "—"
        left = get_counter().peek(obj.pk)
        return "未建立" if left is None else left


@admin.register(FlashSale)
class FlashSaleAdmin(console.ModelAdmin):
    list_display = (
        "name",
        "starts_display",
        "ends_display",
        "state_display",
        "per_member_limit",
        "quota_display",
        "remaining_display",
        "orders_display",
        "paid_display",
        "conversion_display",
        "is_active",
    )
    list_filter = ("is_active",)
    search_fields = ("name",)
    fields = ("name", "starts_at", "ends_at", "per_member_limit", "is_active", "results_display")
    readonly_fields = ("results_display",)
    inlines = [FlashSaleItemInline]

    def get_queryset(self, request):
        return selectors.with_results(super().get_queryset(request)).prefetch_related("items")

    @admin.display(description="开始时间", ordering="starts_at")
    def starts_display(self, obj):
        return local(obj.starts_at)

    @admin.display(description="结束时间", ordering="ends_at")
    def ends_display(self, obj):
        return local(obj.ends_at)

    @admin.display(description="状态")
    def state_display(self, obj):
        return STATES[obj.state_at(timezone.now())] if obj.is_active else "已停用"

    @admin.display(description="秒杀库存")
    def quota_display(self, obj):
        return sum(item.quantity for item in obj.items.all())

    @admin.display(description="剩余")
    def remaining_display(self, obj):
        return sum(item.remaining for item in obj.items.all())

    @admin.display(description="下单数", ordering="orders_placed")
    def orders_display(self, obj):
        return obj.orders_placed

    @admin.display(description="付款单数", ordering="orders_paid")
    def paid_display(self, obj):
        return obj.orders_paid

    @admin.display(description="转化（付款/库存）")
    def conversion_display(self, obj):
        quota = self.quota_display(obj)
        if not quota:
            return "—"
        return f"{obj.orders_paid / quota:.0%}"

    @admin.display(description="活动结果")
    def results_display(self, obj):
        if not obj.pk:
            return "保存后显示"
        obj = selectors.with_results(FlashSale.objects.filter(pk=obj.pk)).prefetch_related("items").get()
        quota = self.quota_display(obj)
        taken = f"{obj.units_held / quota:.0%}" if quota else "—"
        paid = f"{obj.orders_paid / quota:.0%}" if quota else "—"
        return (
            f"秒杀库存 {quota} 件，剩余 {self.remaining_display(obj)} 件；"
            f"下单 {obj.orders_placed} 笔，付款 {obj.orders_paid} 笔；"
            f"已售占比 {taken}，付款转化 {paid}"
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not FlashSaleItem:
            return super().save_formset(request, form, formset, change)
        items = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for item in items:
            if item.pk is None:
                item.save()
                continue
            # The quantity moves `remaining` with it, under the item's lock (the service).
            item.save(update_fields=["sku", "sale_price", "normal_price"])
            services.change_item_quantity(item=item, quantity=item.quantity)
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.sale_saved(sale=form.instance)
