"""Admin for operations: the order list and the one order page, the unpaid-order cancel
action, handing over pickup orders by code, and deciding after-sales requests.

Every action goes through the kit's services (storefront.orders.status is the one place a
status changes), so the console records who did what exactly like the API and the periodic
jobs do; no field of an order is editable here. Store staff (storefront/demo/roles.py's
STORE_STAFF) see only the orders picked up at their own stores. What is shown is read by
storefront/orders/ops.py; docs/operations-console.md describes the screens.
"""

import logging
import threading
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import DateFieldListFilter
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from oscar.apps.order.models import Order

from config import console, private_media
from config.errors import KitError
from storefront.orders import after_sales, ops, selectors, services
from storefront.orders.models import AfterSalesPhoto, AfterSalesRequest, OperationsOrder
from storefront.orders.status import LABELS, PAID, PENDING_PAYMENT, STATUSES
from storefront.payments import refunds, unpaid
from storefront.payments.admin import OrderPaymentInline, OrderRefundInline

logger = logging.getLogger(__name__)

OPERATE = "storefront.operate_orders"


def _ship_within_hours():
    # Logistics owns the shipping promise when it defines one; ours is the fallback.
    return settings.SHIPPING_PROMISE_HOURS


def works_all_orders(user) -> bool:
    """Operations (and superusers) work every order; store staff only their stores' pickups."""
    return user.is_superuser or user.has_perm(OPERATE)


def orders_visible_to(user, queryset):
    if works_all_orders(user):
        return queryset
    return queryset.filter(info__pickup_store__staff=user)


class PlacedFilter(DateFieldListFilter):
    """Oscar's date_placed has no Chinese name: the filter says 下单时间."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "下单时间"


class OverdueToShipFilter(admin.SimpleListFilter):
    title = _("overdue to ship")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Paid, not shipped in time"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            cutoff = timezone.now() - timedelta(hours=_ship_within_hours())
            return queryset.filter(
                status__in=("paid", "partially_shipped"),
                info__fulfilment="delivery",
                info__paid_at__lt=cutoff,
            )
        return queryset


class StatusFilter(admin.SimpleListFilter):
    title = "订单状态"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(status, LABELS[status]) for status in STATUSES]

    def queryset(self, request, queryset):
        if self.value() in STATUSES:
            return queryset.filter(status=self.value())
        return queryset


class ProblemFilter(admin.SimpleListFilter):
    """The operations dashboard links here: each problem is a filtered list."""

    title = "待处理问题"
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return [
            ("after_sales", "售后待处理"),
            ("refund", "退款中"),
            ("payment", "支付问题"),
            ("upload", "微信发货信息上传失败"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "after_sales":
            return queryset.filter(ops.pending_after_sales_exist())
        if value == "refund":
            return queryset.filter(ops.pending_refunds_exist())
        if value == "payment":
            return queryset.filter(ops.open_payment_problems_exist())
        if value == "upload":
            return queryset.filter(ops.failed_uploads_exist())
        return queryset


class CarrierFilter(admin.SimpleListFilter):
    title = "快递公司"
    parameter_name = "carrier"

    def lookups(self, request, model_admin):
        try:
            from django.apps import apps

            carrier = apps.get_model("logistics", "Carrier")
        except LookupError:
            return []
        return [(c.code, c.name) for c in carrier.objects.filter(is_active=True).order_by("position", "code")]

    def queryset(self, request, queryset):
        if self.value():
            from django.apps import apps

            shipment = apps.get_model("logistics", "Shipment")
            return queryset.filter(Exists(shipment.objects.filter(order=OuterRef("pk"), carrier__code=self.value())))
        return queryset


class PickupForm(forms.Form):
    code = forms.CharField(label=_("Pickup code"), max_length=12, widget=forms.TextInput(attrs={"autofocus": True}))


@admin.register(OperationsOrder)
class OrderAdmin(console.ModelAdmin):
    change_list_template = "admin/storefront/operationsorder/change_list.html"
    change_form_template = "admin/storefront/operationsorder/change_form.html"
    list_display = (
        "number_link",
        "placed",
        "recipient",
        "items",
        "total",
        "payment_method",
        "status_label",
        "badges",
    )
    list_display_links = None
    list_filter = (
        StatusFilter,
        OverdueToShipFilter,
        ProblemFilter,
        "info__payment_method",
        "info__fulfilment",
        "info__pickup_store",
        CarrierFilter,
        ("date_placed", PlacedFilter),
    )
    date_hierarchy = "date_placed"
    search_fields = ("number", "user__nickname", "user__phone", "info__pickup_code", "shipping_address__phone_number")
    list_select_related = ("user", "info", "info__pickup_store", "shipping_address")
    list_per_page = 50
    ordering = ("-date_placed",)
    # Operations see an order's money where they work it.
    inlines = [OrderPaymentInline, OrderRefundInline]
    actions = ["ship_by_import", "print_packing_list", "cancel_unpaid"]
    fieldsets = [
        ("订单", {"fields": ("number", "member", "status_label", "placed", "pay_before", "flags")}),
        ("商品与金额", {"fields": ("lines_table", "discounts", "points_and_coupon", "totals")}),
        ("收货与自提", {"fields": ("fulfilment", "address", "pickup_store", "pickup_code", "picked_up")}),
        ("包裹与物流跟踪", {"fields": ("parcels",)}),
        ("平台履约（微信发货管理 / 支付宝订单中心）", {"fields": ("wechat_uploads", "platform_duties")}),
        ("售后申请", {"fields": ("after_sales",)}),
        ("状态记录", {"fields": ("timeline",)}),
    ]
    readonly_fields = (
        "number",
        "member",
        "status_label",
        "placed",
        "pay_before",
        "flags",
        "lines_table",
        "discounts",
        "points_and_coupon",
        "totals",
        "fulfilment",
        "address",
        "pickup_store",
        "pickup_code",
        "picked_up",
        "parcels",
        "wechat_uploads",
        "platform_duties",
        "after_sales",
        "timeline",
    )

    # The request being answered, for the read-only sections that depend on who looks (one
    # admin instance serves every thread).
    _viewer = threading.local()

    # --- who sees what -------------------------------------------------------------------------
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return orders_visible_to(request.user, queryset)

    def get_list_filter(self, request):
        if works_all_orders(request.user):
            return self.list_filter
        return (StatusFilter, ("date_placed", PlacedFilter))

    def get_inlines(self, request, obj):
        return self.inlines if works_all_orders(request.user) else []

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # Nothing of an order is edited by hand: every field of its page is read only, there is
    # no save button and a posted form is ignored; its actions are buttons that call the
    # services. (The change permission stays what the role says: it names the screen.)
    def save_model(self, request, obj, form, change):
        return None

    def save_related(self, request, form, formsets, change):
        return None

    def has_operate_permission(self, request):
        return request.user.has_perm(OPERATE)

    def has_ship_permission(self, request):
        return request.user.has_perm("logistics.ship_orders")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_operate": works_all_orders(request.user),
            "dashboard_url": _reverse_or_none("admin:logistics_operationsdashboard_changelist"),
        }
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)

        class OrderChangeList(changelist):
            def get_queryset(self, request, exclude_parameters=None):
                queryset = super().get_queryset(request, exclude_parameters)
                return ops.with_badges(queryset).prefetch_related(*ops.lines_prefetch())

        return OrderChangeList

    # --- the list's columns ---------------------------------------------------------------------
    @admin.display(description="订单号", ordering="number")
    def number_link(self, obj):
        url = reverse("admin:storefront_operationsorder_change", args=[obj.pk])
        return format_html('<a href="{}"><strong>{}</strong></a>', url, obj.number)

    @admin.display(description="下单时间", ordering="date_placed")
    def placed(self, obj):
        return ops.local(obj.date_placed)

    @admin.display(description="收货人")
    def recipient(self, obj):
        name, phone = ops.recipient(obj)
        info = ops.info_of(obj)
        if not name and info is not None and info.fulfilment == "pickup":
            name = ops.person(obj.user) if obj.user_id else "—"
            phone = getattr(obj.user, "phone", "") if obj.user_id else ""
        return format_html("{}<br><small>{}</small>", name or "—", ops.masked(phone) or "")

    @admin.display(description="商品")
    def items(self, obj):
        return ops.items_html(obj)

    @admin.display(description="实付金额", ordering="total_incl_tax")
    def total(self, obj):
        return ops.yuan(obj.total_incl_tax)

    @admin.display(description="支付方式", ordering="info__payment_method")
    def payment_method(self, obj):
        info = ops.info_of(obj)
        if info is None:
            return "—"
        provider = ops.PROVIDERS.get(info.payment_method, info.get_payment_method_display())
        paid = "已付款" if info.paid_at else "未付款"
        return format_html("{}<br><small>{}</small>", provider, paid)

    @admin.display(description="状态", ordering="status")
    def status_label(self, obj):
        return ops.status_label(obj.status)

    @admin.display(description="提醒")
    def badges(self, obj):
        return ops.badges_html(obj)

    # --- the order page -------------------------------------------------------------------------
    @admin.display(description="会员")
    def member(self, obj):
        if not obj.user_id:
            return "—"
        return ops.person(obj.user)

    @admin.display(description="下单时间")
    def placed_at(self, obj):
        return ops.local(obj.date_placed)

    @admin.display(description="付款截止")
    def pay_before(self, obj):
        info = ops.info_of(obj)
        return ops.local(info.pay_before) if info else "—"

    @admin.display(description="需要注意")
    def flags(self, obj):
        reasons = ops.needs_care_to_ship(obj)
        if obj.payment_problems.filter(resolved_at__isnull=True).exists():
            reasons.append("有未处理的支付问题")
        if not reasons:
            return "—"
        return format_html_join(
            "",
            '<div class="kit-flag" style="color:#b42318;font-weight:600">⚠ {}</div>',
            ((reason,) for reason in reasons),
        )

    @admin.display(description="商品")
    def lines_table(self, obj):
        lines = list(obj.lines.select_related("product", "product__parent").order_by("pk"))
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    ops.thumbnail(ops.product_image_url(line.product) if line.product_id else None, 48),
                    line.title,
                    line.partner_sku or line.upc or "—",
                    line.quantity,
                    ops.yuan(line.unit_price_incl_tax),
                    ops.yuan(line.line_price_incl_tax),
                )
                for line in lines
            ),
        )
        return format_html(
            '<table class="kit-lines"><thead><tr><th></th><th>商品</th><th>SKU 编码</th><th>数量</th>'
            "<th>单价</th><th>小计</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    @admin.display(description="优惠")
    def discounts(self, obj):
        rows = [
            (
                discount.voucher_code and f"优惠码 {discount.voucher_code}" or discount.offer_name or "优惠",
                discount.amount,
            )
            for discount in obj.discounts.order_by("pk")
        ]
        if not rows:
            return "无"
        return format_html_join("", "<div>{}：−{}</div>", ((name, ops.yuan(amount)) for name, amount in rows))

    @admin.display(description="积分与优惠券")
    def points_and_coupon(self, obj):
        parts = []
        points = ops.points_of(obj)
        if points is not None and points.used:
            parts.append(
                f"使用 {points.used} 积分，抵扣 {ops.yuan(points.saving)}（{points.get_redeem_state_display()}）"
            )
        if points is not None and points.earned:
            parts.append(f"获得 {points.earned} 积分（{points.get_earn_state_display()}）")
        coupon = ops.coupon_used(obj)
        if coupon is not None:
            parts.append(f"优惠券：{coupon.batch.name}，优惠 {ops.yuan(coupon.saving)}")
        if not parts:
            return "未使用积分或优惠券"
        return format_html_join("", "<div>{}</div>", ((part,) for part in parts))

    @admin.display(description="金额")
    def totals(self, obj):
        rows = [
            ("商品金额", obj.basket_total_incl_tax),
            ("运费", obj.shipping_incl_tax),
            ("实付金额", obj.total_incl_tax),
        ]
        refunded = sum(
            (r.amount for r in obj.payment_refunds.all() if r.status == "success"), start=type(obj.total_incl_tax)(0)
        )
        if refunded:
            rows.append(("已退款", refunded))
        return format_html_join("", "<div>{}：<strong>{}</strong></div>", ((k, ops.yuan(v)) for k, v in rows))

    @admin.display(description="配送方式")
    def fulfilment(self, obj):
        info = ops.info_of(obj)
        if info is None:
            return "—"
        return "门店自提" if info.fulfilment == "pickup" else "快递配送"

    @admin.display(description="收货地址")
    def address(self, obj):
        shipping = obj.shipping_address
        if shipping is None:
            return "—"
        name, phone = ops.recipient(obj)
        request = getattr(self._viewer, "request", None)
        if request is not None and request.user.has_perm("storefront.view_full_phone"):
            # Operations see the full number to call the shopper or the carrier; each look is
            # written to the log with who looked.
            logger.info(
                "phone of order %s shown in full to staff %s (%s)",
                obj.number,
                request.user.pk,
                request.user.get_username(),
            )
            shown = ops.national(phone)
        else:
            shown = ops.masked(phone)
        place = " ".join(p for p in (shipping.state, shipping.line4, shipping.line2, shipping.line1) if p)
        return format_html(
            '<div>{} <span class="kit-phone">{}</span></div><div>{}</div><div>{}</div>',
            name,
            shown,
            place,
            shipping.postcode or "",
        )

    @admin.display(description="自提门店")
    def pickup_store(self, obj):
        info = ops.info_of(obj)
        return (info.pickup_store.name if info and info.pickup_store_id else None) or "—"

    @admin.display(description="提货码")
    def pickup_code(self, obj):
        info = ops.info_of(obj)
        return (info.pickup_code if info else None) or "—"

    @admin.display(description="核销")
    def picked_up(self, obj):
        info = ops.info_of(obj)
        if info is None or not info.picked_up_at:
            return "—"
        return f"{ops.local(info.picked_up_at)} {ops.person(info.picked_up_by) if info.picked_up_by_id else ''}"

    @admin.display(description="包裹")
    def parcels(self, obj):
        found = ops.parcels(obj)
        if not found:
            return "尚未发货"
        blocks = []
        for shipment in found:
            events = format_html_join(
                "",
                "<li>{} {} {}</li>",
                (
                    (ops.local(e.happened_at), e.text, e.place)
                    for e in sorted(shipment.events.all(), key=lambda e: e.happened_at, reverse=True)
                ),
            )
            items = "，".join(f"{sl.line.title} × {sl.quantity}" for sl in shipment.lines.all())
            blocks.append(
                format_html(
                    '<div class="kit-parcel"><strong>{} {}</strong>（{}）发货时间 {} · {}<ul>{}</ul></div>',
                    shipment.carrier.name,
                    shipment.tracking_number,
                    shipment.get_status_display(),
                    ops.local(shipment.shipped_at),
                    items,
                    events or format_html("<li>{}</li>", "暂无物流信息"),
                )
            )
        return format_html_join("", "{}", ((block,) for block in blocks))

    @admin.display(description="微信发货信息上传")
    def wechat_uploads(self, obj):
        uploads = getattr(obj, "wechat_shipping_uploads", None)
        rows = list(uploads.select_related("shipment").order_by("pk")) if uploads is not None else []
        if not rows:
            return "—"
        states = {"pending": "待上传", "uploaded": "已上传", "failed": "上传失败"}
        return format_html_join(
            "",
            "<div>{}：<strong>{}</strong> {}</div>",
            (
                (
                    upload.shipment.tracking_number if upload.shipment_id else "整单",
                    states.get(upload.state, upload.state),
                    upload.error or (ops.local(upload.uploaded_at) if upload.uploaded_at else ""),
                )
                for upload in rows
            ),
        )

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
            settled = ops.local(trade.settlement_time) if trade.settlement_time else "未结算"
            rows.append(("微信结算时间", settled))
            if trade.mismatch:
                rows.append(("微信对账", trade.mismatch))
        events = getattr(obj, "wechat_trade_events", None)
        for event in events.filter(resolved_at__isnull=True).order_by("received_at") if events is not None else []:
            rows.append((f"微信{event.get_event_display()}（待处理）", f"{ops.local(event.received_at)} {event.text}"))
        syncs = getattr(obj, "alipay_syncs", None)
        for sync in syncs.order_by("rank") if syncs is not None else []:
            rows.append((f"支付宝订单中心：{sync.get_status_display()}", sync.get_state_display()))
        if not rows:
            return "—"
        return format_html_join("", "<div><strong>{}</strong>：{}</div>", rows)

    @admin.display(description="售后申请")
    def after_sales(self, obj):
        requests = list(obj.after_sales_requests.select_related("decided_by").order_by("pk"))
        if not requests:
            return "无"
        request = getattr(self._viewer, "request", None)
        may_decide = request is not None and request.user.has_perm(OPERATE)
        blocks = []
        for item in requests:
            head = format_html(
                "<strong>{}</strong> {} · {} · 申请时间 {} · {}",
                item.get_kind_display(),
                ops.yuan(item.amount),
                item.reason,
                ops.local(item.created_at),
                _AFTER_SALES_LABELS.get(item.status, item.status),
            )
            if item.status == AfterSalesRequest.Status.PENDING and may_decide:
                approve = reverse("admin:storefront_aftersalesrequest_decide", args=[item.pk, "approve"])
                reject = reverse("admin:storefront_aftersalesrequest_decide", args=[item.pk, "reject"])
                actions = format_html(
                    '<div class="kit-decide" style="margin:6px 0">'
                    '<label>处理备注 <input type="text" name="decision_note" maxlength="500"></label> '
                    '<label><input type="checkbox" name="restock" value="1"{}> 退回的商品重新上架</label> '
                    '<button type="submit" class="button default" formaction="{}" formmethod="post" '
                    'name="decide" value="approve">同意退款</button> '
                    '<button type="submit" class="button" formaction="{}" formmethod="post" '
                    'name="decide" value="reject">拒绝</button></div>',
                    " checked" if item.restock else "",
                    approve,
                    reject,
                )
            elif item.decided_at:
                actions = format_html(
                    "<div>{} 由 {} 处理{}</div>",
                    ops.local(item.decided_at),
                    ops.person(item.decided_by),
                    f"：{item.decision_note}" if item.decision_note else "",
                )
            else:
                actions = ""
            blocks.append(format_html('<div class="kit-after-sales">{}{}</div>', head, actions))
        return format_html_join("", "{}", ((block,) for block in blocks))

    @admin.display(description="状态记录")
    def timeline(self, obj):
        rows = ops.history(obj)
        if not rows:
            return "—"
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((row["when"], row["text"], row["who"]) for row in rows),
        )
        return format_html(
            '<table class="kit-history"><thead><tr><th>时间</th><th>变更</th><th>操作人</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            body,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            return redirect(request.path)
        self._viewer.request = request
        self._viewer.phones_logged = set()
        order = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete_link": False,
        }
        if order is not None:
            info = ops.info_of(order)
            shippable = (
                order.status in ("paid", "partially_shipped")
                and (info is None or info.fulfilment != "pickup")
                and request.user.has_perm("logistics.ship_orders")
            )
            extra_context.update(
                {
                    "ship_url": _reverse_or_none("admin:logistics_ordertoship_ship", args=[order.pk])
                    if shippable
                    else None,
                    "ship_warnings": ops.needs_care_to_ship(order) if shippable else [],
                    "title": f"订单 {order.number}",
                    "status_html": ops.status_label(order.status),
                }
            )
        try:
            response = super().change_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                # The read-only sections ask who is looking (phone, decisions): render now.
                response.render()
            return response
        finally:
            self._viewer.request = None

    # --- actions --------------------------------------------------------------------------------
    @admin.action(description="通过导入文件发货（CSV/Excel）", permissions=["ship"])
    def ship_by_import(self, request, queryset):
        url = _reverse_or_none("admin:logistics_shipment_import")
        if url is None:
            self.message_user(request, "导入发货不可用。", messages.ERROR)
            return None
        numbers = ",".join(queryset.values_list("number", flat=True)[:200])
        return redirect(f"{url}?orders={numbers}")

    @admin.action(description="打印拣货单", permissions=["operate"])
    def print_packing_list(self, request, queryset):
        # The list's own queryset: lines and their images are prefetched already.
        orders = list(queryset.order_by("date_placed", "pk"))
        may_see_phone = request.user.has_perm("storefront.view_full_phone")
        rows = []
        for order in orders:
            name, phone = ops.recipient(order)
            rows.append(
                {
                    "order": order,
                    "placed": ops.local(order.date_placed),
                    "name": name,
                    "phone": phone if may_see_phone else ops.masked(phone),
                    "address": order.shipping_address,
                    "lines": list(order.lines.all()),
                    "note": (ops.info_of(order).note if ops.info_of(order) else ""),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "拣货单",
            "rows": rows,
            "opts": self.model._meta,
            "printed_at": ops.local(timezone.now()),
        }
        return TemplateResponse(request, "admin/storefront/operationsorder/packing_list.html", context)

    @admin.action(description="取消所选未付款订单（释放库存和优惠券）", permissions=["operate"])
    def cancel_unpaid(self, request, queryset):
        done = 0
        for order in queryset.filter(status=PENDING_PAYMENT):
            try:
                unpaid.cancel_unpaid_order(order=order, actor=request.user, reason="cancelled by operations")
                done += 1
            except KitError as exc:
                self.message_user(request, f"{order.number}: {exc.message}", messages.WARNING)
        self.message_user(request, f"已取消 {done} 笔订单。", messages.SUCCESS)

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
                self.message_user(request, f"订单 {order.number} 已核销，交给顾客。", messages.SUCCESS)
                return redirect(reverse("admin:storefront_operationsorder_pickup"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Hand over a pickup order"),
            "form": form,
            "opts": self.model._meta,
            "recent": self._recent_pickups(request),
        }
        return TemplateResponse(request, "admin/storefront/pickup.html", context)

    def _recent_pickups(self, request):
        """Pickup orders of the staff member's stores waiting to be handed over."""
        waiting = (
            orders_visible_to(request.user, Order.objects.filter(status=PAID, info__fulfilment="pickup"))
            .select_related("info", "info__pickup_store", "user")
            .order_by("info__paid_at", "pk")[:20]
        )
        return [
            {
                "number": order.number,
                "store": order.info.pickup_store.name if order.info.pickup_store_id else "—",
                "paid": ops.local(order.info.paid_at),
                "member": ops.person(order.user) if order.user_id else "—",
            }
            for order in waiting
        ]


_AFTER_SALES_LABELS = {"pending": "待处理", "approved": "已同意，退款中", "rejected": "已拒绝"}


def _reverse_or_none(name, args=None):
    from django.urls import NoReverseMatch

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


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
    decision_note = forms.CharField(label="处理备注", required=False, max_length=500)
    restock = forms.BooleanField(label="退回的商品重新上架", required=False)


@admin.register(AfterSalesRequest)
class AfterSalesRequestAdmin(console.ModelAdmin):
    list_display = ("order_number", "member", "kind", "amount", "status", "restock", "requested", "decided_by_name")
    list_display_links = ("order_number",)
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
        "decided_by_name",
        "decided",
        "requested",
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
        "decided_by_name",
        "decided",
        "requested",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_operate_permission(self, request):
        return request.user.has_perm(OPERATE)

    @admin.display(description="订单", ordering="order__number")
    def order_number(self, obj):
        url = reverse("admin:storefront_operationsorder_change", args=[obj.order_id])
        return format_html('<a href="{}">{}</a>', url, obj.order.number)

    @admin.display(description="申请时间", ordering="created_at")
    def requested(self, obj):
        return ops.local(obj.created_at)

    @admin.display(description="处理时间", ordering="decided_at")
    def decided(self, obj):
        return ops.local(obj.decided_at)

    @admin.display(description="处理人")
    def decided_by_name(self, obj):
        return ops.person(obj.decided_by) if obj.decided_by_id else "—"

    def _decide(self, request, queryset, decide, verb):
        done = 0
        for item in queryset.filter(status=AfterSalesRequest.Status.PENDING):
            try:
                decide(request=item, staff=request.user, note=item.decision_note)
                done += 1
            except KitError as exc:
                self.message_user(request, f"{item.order.number}: {exc.message}", messages.ERROR)
        self.message_user(request, f"已{verb} {done} 个售后申请。", messages.SUCCESS)

    @admin.action(description="同意：交给支付退款（按勾选重新上架）", permissions=["operate"])
    def approve(self, request, queryset):
        self._decide(request, queryset, refunds.approve_after_sales, "同意")

    @admin.action(description="拒绝所选申请", permissions=["operate"])
    def reject(self, request, queryset):
        self._decide(request, queryset, after_sales.reject_after_sales, "拒绝")

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/<str:verb>/",
                self.admin_site.admin_view(self.decide_view),
                name="storefront_aftersalesrequest_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk, verb):
        """Approve or reject one request from the order page (POST only); back to the order."""
        if request.method != "POST" or verb not in ("approve", "reject"):
            return redirect(reverse("admin:storefront_aftersalesrequest_changelist"))
        if not request.user.has_perm(OPERATE):
            raise PermissionDenied
        item = get_object_or_404(self.get_queryset(request).select_related("order"), pk=pk)
        form = DecisionForm(request.POST)
        form.is_valid()
        note = form.cleaned_data.get("decision_note", "")
        try:
            if verb == "approve":
                refunds.approve_after_sales(
                    request=item, staff=request.user, note=note, restock=form.cleaned_data.get("restock", False)
                )
                self.message_user(request, f"已同意订单 {item.order.number} 的售后申请，退款已交给支付处理。")
            else:
                after_sales.reject_after_sales(request=item, staff=request.user, note=note)
                self.message_user(request, f"已拒绝订单 {item.order.number} 的售后申请。")
        except KitError as exc:
            self.message_user(request, f"{item.order.number}: {exc.message}", messages.ERROR)
        return redirect(reverse("admin:storefront_operationsorder_change", args=[item.order_id]))
