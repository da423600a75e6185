"""Admin for operations: orders with their event timeline, the unpaid-order cancel action,
handing over pickup orders by code, and deciding after-sales requests.

Every action goes through storefront.orders.services (the status service), so the admin
records who did what exactly like the API and the periodic jobs do.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from oscar.apps.order.models import Line

from config import console, private_media
from config.errors import KitError
from storefront.orders import after_sales, selectors, services
from storefront.orders.models import AfterSalesPhoto, AfterSalesRequest, OperationsOrder
from storefront.orders.status import PAID, PENDING_PAYMENT
from storefront.payments import refunds, unpaid
from storefront.payments.admin import OrderPaymentInline, OrderRefundInline


def _ship_within_hours():
    # Logistics owns the shipping promise when it defines one; ours is the fallback.
    return settings.SHIPPING_PROMISE_HOURS


class OverdueToShipFilter(admin.SimpleListFilter):
    title = _("overdue to ship")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Paid, not shipped in time"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            cutoff = timezone.now() - timedelta(hours=_ship_within_hours())
            return queryset.filter(status=PAID, info__fulfilment="delivery", info__paid_at__lt=cutoff)
        return queryset


class OrderLineInline(console.TabularInline):
    model = Line
    fk_name = "order"
    extra = 0
    can_delete = False
    fields = (
        "title",
        "product",
        "partner_sku",
        "quantity",
        "unit_price_incl_tax",
        "line_price_incl_tax",
        "num_allocated",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AfterSalesInline(console.TabularInline):
    model = AfterSalesRequest
    extra = 0
    can_delete = False
    fields = ("link", "kind", "amount", "status", "restock", "reason", "created_at")
    readonly_fields = fields

    @admin.display(description=_("request"))
    def link(self, obj):
        url = reverse("admin:storefront_aftersalesrequest_change", args=[obj.pk])
        return format_html('<a href="{}">#{}</a>', url, obj.pk)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PickupForm(forms.Form):
    code = forms.CharField(label=_("Pickup code"), max_length=12, widget=forms.TextInput(attrs={"autofocus": True}))


@admin.register(OperationsOrder)
class OrderAdmin(console.ModelAdmin):
    change_list_template = "admin/storefront/operationsorder/change_list.html"
    list_display = (
        "number",
        "member",
        "status",
        "total_incl_tax",
        "payment_method",
        "fulfilment",
        "pickup_store",
        "date_placed",
        "pay_before",
    )
    list_filter = (
        "status",
        OverdueToShipFilter,
        "info__payment_method",
        "info__fulfilment",
        "info__pickup_store",
        "date_placed",
    )
    date_hierarchy = "date_placed"
    search_fields = ("number", "user__nickname", "user__phone", "info__pickup_code")
    list_select_related = ("user", "info", "info__pickup_store")
    ordering = ("-date_placed",)
    # Operations see an order's money where they work it.
    inlines = [OrderLineInline, AfterSalesInline, OrderPaymentInline, OrderRefundInline]
    actions = ["cancel_unpaid"]
    fieldsets = [
        (None, {"fields": ("number", "member", "status", "date_placed")}),
        (
            _("Money"),
            {"fields": ("total_incl_tax", "shipping_incl_tax", "shipping_method", "payment_method", "pay_before")},
        ),
        (_("Delivery"), {"fields": ("fulfilment", "shipping_address", "pickup_store", "pickup_code", "picked_up")}),
        (_("Timeline"), {"fields": ("timeline",)}),
        ("平台履约（微信发货管理 / 支付宝订单中心）", {"fields": ("platform_duties",)}),
    ]
    readonly_fields = (
        "number",
        "member",
        "status",
        "date_placed",
        "total_incl_tax",
        "shipping_incl_tax",
        "shipping_method",
        "payment_method",
        "pay_before",
        "fulfilment",
        "shipping_address",
        "pickup_store",
        "pickup_code",
        "picked_up",
        "timeline",
        "platform_duties",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="平台履约")
    def platform_duties(self, obj):
        """Settlement time, WeChat's reminders and the Alipay order center's state, from the
        logistics app's rows on the order (read through the order's relations: no import)."""
        rows = []
        try:
            trade = obj.wechat_trade
        except (AttributeError, ObjectDoesNotExist):
            trade = None
        if trade is not None:
            settled = (
                timezone.localtime(trade.settlement_time).strftime("%Y-%m-%d %H:%M")
                if trade.settlement_time
                else "未结算"
            )
            rows.append(("微信结算时间", settled))
            if trade.mismatch:
                rows.append(("微信对账", trade.mismatch))
        events = getattr(obj, "wechat_trade_events", None)
        for event in events.filter(resolved_at__isnull=True).order_by("received_at") if events is not None else []:
            when = timezone.localtime(event.received_at).strftime("%Y-%m-%d %H:%M")
            rows.append((f"微信{event.get_event_display()}（待处理）", f"{when} {event.text}"))
        syncs = getattr(obj, "alipay_syncs", None)
        for sync in syncs.order_by("rank") if syncs is not None else []:
            rows.append((f"支付宝订单中心：{sync.get_status_display()}", sync.get_state_display()))
        if not rows:
            return "—"
        return format_html_join("", "<div><strong>{}</strong>：{}</div>", rows)

    def has_operate_permission(self, request):
        return request.user.has_perm("storefront.operate_orders")

    @staticmethod
    def _info(obj):
        try:
            return obj.info
        except ObjectDoesNotExist:
            return None

    @admin.display(description=_("member"), ordering="user__nickname")
    def member(self, obj):
        return obj.user or "-"

    @admin.display(description=_("payment"), ordering="info__payment_method")
    def payment_method(self, obj):
        info = self._info(obj)
        return info.get_payment_method_display() if info else "-"

    @admin.display(description=_("fulfilment"), ordering="info__fulfilment")
    def fulfilment(self, obj):
        info = self._info(obj)
        return info.get_fulfilment_display() if info else "-"

    @admin.display(description=_("pickup store"))
    def pickup_store(self, obj):
        info = self._info(obj)
        return (info.pickup_store if info else None) or "-"

    @admin.display(description=_("pay before"), ordering="info__pay_before")
    def pay_before(self, obj):
        info = self._info(obj)
        return info.pay_before if info else None

    @admin.display(description=_("pickup code"))
    def pickup_code(self, obj):
        info = self._info(obj)
        return (info.pickup_code if info else None) or "-"

    @admin.display(description=_("picked up"))
    def picked_up(self, obj):
        info = self._info(obj)
        if info is None or not info.picked_up_at:
            return "-"
        return f"{timezone.localtime(info.picked_up_at):%Y-%m-%d %H:%M} {info.picked_up_by or ''}"

    @admin.display(description=_("events"))
    def timeline(self, obj):
        events = [(c.date_created, f"{c.old_status} → {c.new_status}") for c in obj.status_changes.all()]
        events += [(n.date_created, n.message) for n in obj.notes.all()]
        events.sort(key=lambda e: e[0])
        if not events:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td></tr>",
            ((f"{timezone.localtime(at):%Y-%m-%d %H:%M:%S}", text) for at, text in events),
        )
        return format_html("<table>{}</table>", rows)

    @admin.action(description=_("Cancel selected unpaid orders (stock and vouchers released)"), permissions=["operate"])
    def cancel_unpaid(self, request, queryset):
        done = 0
        for order in queryset.filter(status=PENDING_PAYMENT):
            try:
                unpaid.cancel_unpaid_order(order=order, actor=request.user, reason="cancelled by operations")
                done += 1
            except KitError as exc:
                self.message_user(request, f"{order.number}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{done} order(s) cancelled.", messages.SUCCESS)

    def get_urls(self):
        return [
            path("pickup/", self.admin_site.admin_view(self.pickup_view), name="storefront_operationsorder_pickup"),
            *super().get_urls(),
        ]

    def pickup_view(self, request):
        """Staff of the pickup store (or operations) hand an order over against its code."""
        form = PickupForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                order = services.mark_picked_up(code=form.cleaned_data["code"], staff=request.user)
            except KitError as exc:
                form.add_error("code", exc.message)
            else:
                self.message_user(request, f"Order {order.number} handed over.", messages.SUCCESS)
                return redirect(reverse("admin:storefront_operationsorder_pickup"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Hand over a pickup order"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/storefront/pickup.html", context)


class AfterSalesPhotoInline(console.TabularInline):
    model = AfterSalesPhoto
    extra = 0
    can_delete = False
    fields = ("preview",)
    readonly_fields = fields

    @admin.display(description=_("photo"))
    def preview(self, obj):
        # Through the private view, which checks the staff member's session on every fetch
        # (the photo is private: config/private_media.py), on disk and on object storage alike.
        url = private_media.view_url(obj.image.name)
        return format_html(
            '<a href="{0}" target="_blank" rel="noopener noreferrer">'
            '<img src="{0}" alt="" loading="lazy" style="max-height:160px"></a>',
            url,
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # The photos are part of the request: whoever may view the request sees them, and
        # the private view applies the same rule to the files.
        return selectors.staff_may_view_after_sales(request.user)

    def has_change_permission(self, request, obj=None):
        return False


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("note"), required=False, max_length=500)


@admin.register(AfterSalesRequest)
class AfterSalesRequestAdmin(console.ModelAdmin):
    list_display = ("id", "order_number", "member", "kind", "amount", "status", "restock", "created_at", "decided_by")
    list_filter = ("status", "kind", "restock")
    search_fields = ("order__number", "member__nickname", "member__phone")
    list_select_related = ("order", "member", "decided_by")
    date_hierarchy = "created_at"
    inlines = [AfterSalesPhotoInline]
    actions = ["approve", "reject"]
    fields = (
        "order_number",
        "member",
        "kind",
        "reason",
        "lines",
        "amount",
        "status",
        "restock",
        "decision_note",
        "refund_number",
        "decided_by",
        "decided_at",
        "created_at",
    )
    readonly_fields = (
        "order_number",
        "member",
        "kind",
        "reason",
        "lines",
        "amount",
        "status",
        "refund_number",
        "decided_by",
        "decided_at",
        "created_at",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_operate_permission(self, request):
        return request.user.has_perm("storefront.operate_orders")

    @admin.display(description=_("order"), ordering="order__number")
    def order_number(self, obj):
        url = reverse("admin:storefront_operationsorder_change", args=[obj.order_id])
        return format_html('<a href="{}">{}</a>', url, obj.order.number)

    def _decide(self, request, queryset, decide, verb):
        done = 0
        for item in queryset.filter(status=AfterSalesRequest.Status.PENDING):
            try:
                decide(request=item, staff=request.user, note=item.decision_note)
                done += 1
            except KitError as exc:
                self.message_user(request, f"#{item.pk}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{done} request(s) {verb}.", messages.SUCCESS)

    @admin.action(description=_("Approve: hand the refund to payments (restock as ticked)"), permissions=["operate"])
    def approve(self, request, queryset):
        self._decide(request, queryset, refunds.approve_after_sales, "approved")

    @admin.action(description=_("Reject selected requests"), permissions=["operate"])
    def reject(self, request, queryset):
        self._decide(request, queryset, after_sales.reject_after_sales, "rejected")
