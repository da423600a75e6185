"""Operations admin of logistics.

- "Orders to ship": paid orders not fully shipped, oldest payment first, those past the
  shipping promise (SHIPPING_PROMISE_HOURS) in red; each order opens with its parcels and
  WeChat uploads, and a "Ship" page to send all or chosen lines and quantities.
- "Shipments": every parcel with its timeline, plus the CSV/Excel import of order number,
  carrier and tracking number (django-import-export: preview, per-row errors, all or nothing).
- "Parcels needing attention": in exception or without movement for TRACKING_STALE_DAYS.
- "WeChat shipping uploads" and their failures, with a retry action.
- "Carriers": codes, WeChat ids, tracking number formats.
"""

import re

import tablib
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from oscar.apps.order.models import Order

from config import console
from config.errors import KitError
from platforms.alipay.miniprogram import order_center_meaning
from platforms.base import SHANGHAI
from platforms.wechat.miniprogram import WAYBILL_STATES, errcode_meaning
from storefront.orders import ops as order_ops

from . import alipay_orders, dashboard, selectors, services, tasks, trade_management
from .errors import TrackingNumberInUse
from .models import (
    AlipayOrderSync,
    Carrier,
    FailedWechatShippingUpload,
    OperationsDashboard,
    OrderToShip,
    ParcelNeedingAttention,
    Shipment,
    ShipmentLine,
    TrackingEvent,
    TradeReminder,
    WechatShippingUpload,
    WechatTradeEvent,
    WechatTradeOrder,
    WechatWaybill,
)


# --- carriers -------------------------------------------------------------------------------
class CarrierForm(forms.ModelForm):
    class Meta:
        model = Carrier
        fields = [
            "code",
            "name",
            "wechat_company_id",
            "tracking_code",
            "number_pattern",
            "number_example",
            "needs_phone",
            "is_active",
            "position",
        ]

    def clean(self):
        cleaned = super().clean()
        pattern, example = cleaned.get("number_pattern"), cleaned.get("number_example")
        if pattern:
            try:
                re.compile(pattern)
            except re.error as exc:
                self.add_error("number_pattern", str(exc))
                return cleaned
            if example and not re.fullmatch(pattern, example):
                self.add_error("number_example", _("The example does not match the format."))
        return cleaned


@admin.register(Carrier)
class CarrierAdmin(console.ModelAdmin):
    list_display = (
        "code",
        "name",
        "wechat_company_id",
        "tracking_code",
        "number_pattern",
        "number_example",
        "is_active",
    )
    list_editable = ("is_active",)
    search_fields = ("code", "name")
    form = CarrierForm


# --- shipments and the CSV/Excel import -----------------------------------------------------------
HEADER_ALIASES = {
    "order_number": "order_number",
    "order": "order_number",
    "number": "order_number",
    "订单号": "order_number",
    "carrier": "carrier",
    "快递公司": "carrier",
    "courier": "carrier",
    "tracking_number": "tracking_number",
    "tracking": "tracking_number",
    "快递单号": "tracking_number",
    "运单号": "tracking_number",
}


# The columns as the file, the template and the preview name them.
COLUMNS = {"order_number": "订单号", "carrier": "快递公司", "tracking_number": "快递单号"}


class ShipmentImportResource(resources.ModelResource):
    """One row = one parcel with everything of the order not shipped yet. A row is checked by
    the same service that ships from the admin; its error is shown on the row; any error
    rolls the whole file back."""

    order_number = fields.Field(column_name=COLUMNS["order_number"], attribute="import_order_number")
    carrier = fields.Field(column_name=COLUMNS["carrier"], attribute="import_carrier")
    tracking_number = fields.Field(column_name=COLUMNS["tracking_number"], attribute="import_tracking_number")

    class Meta:
        model = Shipment
        fields = ("order_number", "carrier", "tracking_number")
        import_id_fields = ()
        force_init_instance = True
        use_transactions = True
        clean_model_instances = False
        skip_diff = False

    def before_import(self, dataset, **kwargs):
        headers = []
        for header in dataset.headers or []:
            key = str(header or "").strip().lower().replace(" ", "_")
            headers.append(HEADER_ALIASES.get(key, key))
        missing = {"order_number", "carrier", "tracking_number"} - set(headers)
        if missing:
            raise ValidationError(
                f"Missing columns: {', '.join(sorted(missing))} (order_number, carrier, tracking_number)"
            )
        # The rows are read by the Chinese column names, which the preview shows too.
        dataset.headers = [COLUMNS.get(header, header) for header in headers]
        # (carrier, number) -> the spreadsheet row that used it first, to tell a number
        # repeated inside this file from one a parcel already has.
        self.numbers_in_file = {}

    def import_instance(self, instance, row, **kwargs):
        instance.import_order_number = str(row.get(COLUMNS["order_number"]) or "").strip()
        instance.import_carrier = str(row.get(COLUMNS["carrier"]) or "").strip()
        instance.import_tracking_number = str(row.get(COLUMNS["tracking_number"]) or "").strip()
        if not instance.import_order_number:
            raise ValidationError({"order_number": "required"})

    def save_instance(self, instance, is_create, row, **kwargs):
        order = Order.objects.filter(number=instance.import_order_number).first()
        if order is None:
            raise ValidationError({"order_number": f"Unknown order {instance.import_order_number}."})
        self.check_number_once_in_file(instance, kwargs.get("row_number"))
        try:
            shipment = services.ship_order(
                order=order,
                carrier=instance.import_carrier,
                tracking_number=instance.import_tracking_number,
                actor=kwargs.get("user"),
                source=Shipment.Source.IMPORT,
            )
        except TrackingNumberInUse as exc:
            raise ValidationError({"tracking_number": self.used_before_message(instance) or exc.message})
        except KitError as exc:
            field = next(iter(exc.fields), None)
            raise ValidationError({field: exc.message} if field in ("carrier", "tracking_number") else exc.message)
        instance.pk = shipment.pk
        instance.order = shipment.order
        instance.carrier = shipment.carrier
        instance.tracking_number = shipment.tracking_number

    @staticmethod
    def sheet_row(row_number) -> int | None:
        """The row number the spreadsheet shows: its first row holds the column names."""
        return row_number + 1 if row_number is not None else None

    def _number_key(self, instance):
        try:
            carrier = services.carrier_by_code(instance.import_carrier)
            return carrier.pk, services.clean_tracking_number(carrier, instance.import_tracking_number)
        except KitError:
            return None  # the shipping service says what is wrong with the row

    def check_number_once_in_file(self, instance, row_number):
        key = self._number_key(instance)
        if key is None:
            return
        seen = getattr(self, "numbers_in_file", None)
        if seen is None:
            seen = self.numbers_in_file = {}
        if key in seen:
            raise ValidationError(
                {
                    "tracking_number": f"本文件第 {seen[key]} 行已填写这个快递单号："
                    "同一个快递单号在文件里出现了两次，请删掉重复的一行或改正单号。"
                }
            )
        seen[key] = self.sheet_row(row_number)

    def used_before_message(self, instance) -> str:
        key = self._number_key(instance)
        if key is None:
            return ""
        earlier = Shipment.objects.filter(carrier_id=key[0], tracking_number=key[1]).select_related("order").first()
        if earlier is None:
            return ""
        return (
            f"这个快递单号之前已用于订单 {earlier.order.number} 的包裹"
            f"（{local_time(earlier.shipped_at)} 发货），不是本文件里的重复。"
        )


IMPORT_TEMPLATE_HEADERS = tuple(COLUMNS.values())


def sheet_errors(result) -> list[dict]:
    """Each refused row with the spreadsheet's own row number, what it said and why, in
    plain words (shown on the page, not behind a badge)."""
    labels = {"order_number": "订单号", "carrier": "快递公司", "tracking_number": "快递单号", "__all__": "整行"}
    rows = []
    for row in result.invalid_rows:
        values = dict(zip(result.diff_headers, row.values, strict=False))
        problems = []
        for field, messages_ in row.error_dict.items():
            for message in messages_:
                problems.append(f"{labels.get(field, field)}：{message}")
        rows.append(
            {
                "sheet_row": ShipmentImportResource.sheet_row(row.number),
                "order_number": values.get(COLUMNS["order_number"], ""),
                "carrier": values.get(COLUMNS["carrier"], ""),
                "tracking_number": values.get(COLUMNS["tracking_number"], ""),
                "problems": problems,
            }
        )
    for line, errors in result.row_errors():
        for error in errors:
            rows.append(
                {
                    "sheet_row": ShipmentImportResource.sheet_row(line),
                    "order_number": "",
                    "carrier": "",
                    "tracking_number": "",
                    "problems": [str(error.error)],
                }
            )
    return sorted(rows, key=lambda r: r["sheet_row"] or 0)


class ShipmentLineInline(console.ReadOnlyInline):
    model = ShipmentLine
    fields = ("line", "quantity")
    readonly_fields = fields


class TrackingEventInline(console.ReadOnlyInline):
    model = TrackingEvent
    fields = ("happened_at", "status", "text", "place", "source")
    readonly_fields = fields
    ordering = ("-happened_at",)


class WechatUploadStateFilter(admin.SimpleListFilter):
    title = _("WeChat upload")
    parameter_name = "wechat_upload"

    def lookups(self, request, model_admin):
        return WechatShippingUpload.State.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(wechat_upload__state=self.value())
        return queryset


@admin.register(Shipment)
class ShipmentAdmin(ImportMixin, console.ModelAdmin):
    resource_classes = [ShipmentImportResource]
    formats = [CSV, XLSX]
    list_display = (
        "tracking_number",
        "carrier",
        "order_link",
        "status",
        "shipped_at",
        "last_event_at",
        "delivered_at",
        "source",
    )
    list_filter = ("carrier", "status", "source", WechatUploadStateFilter)
    search_fields = ("tracking_number", "order__number")
    list_select_related = ("carrier", "order")
    date_hierarchy = "shipped_at"
    readonly_fields = (
        "order",
        "carrier",
        "tracking_number",
        "status",
        "shipped_at",
        "shipped_by",
        "source",
        "completes_order",
        "delivered_at",
        "last_event_at",
        "last_checked_at",
        "subscribed_at",
        "subscribe_error",
    )
    fields = readonly_fields
    inlines = [ShipmentLineInline, TrackingEventInline]
    actions = ["poll_now"]

    def has_add_permission(self, request):
        return False  # shipping goes through "Orders to ship" (or the import)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return request.user.has_perm("logistics.ship_orders")

    def get_import_data_kwargs(self, **kwargs):
        data_kwargs = super().get_import_data_kwargs(**kwargs)
        # The confirmed import is all or nothing too, even if an order changed since the preview.
        data_kwargs["rollback_on_validation_errors"] = True
        return data_kwargs

    def process_result(self, result, request):
        if result.has_validation_errors() or result.has_errors():
            rows = ", ".join(str(row.number) for row in result.invalid_rows) or "?"
            self.message_user(
                request,
                _("Nothing was imported: rows %(rows)s changed since the preview. Import the file again.")
                % {"rows": rows},
                messages.ERROR,
            )
            return redirect(reverse("admin:logistics_shipment_import"))
        return super().process_result(result, request)

    def generate_log_entries(self, result, request):
        return None  # the order's own timeline records each shipment

    import_template_name = "admin/logistics/shipment/import.html"

    def get_urls(self):
        return [
            path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_import_template",
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request):
        """The file to fill in: Chinese column names the import understands, one example row."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        example = Carrier.objects.filter(is_active=True).order_by("position", "code").first()
        dataset = tablib.Dataset(headers=list(IMPORT_TEMPLATE_HEADERS))
        dataset.append(["（订单号）", example.code if example else "ZTO", example.number_example if example else ""])
        if request.GET.get("format") == "xlsx":
            response = HttpResponse(
                dataset.export("xlsx"),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = 'attachment; filename="shipments-template.xlsx"'
            return response
        # With a byte order mark, so that Excel opens the Chinese column names right.
        response = HttpResponse("\ufeff" + dataset.export("csv"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="shipments-template.csv"'
        return response

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
        if context is not None:
            context["template_url"] = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import_template")
            context["carriers"] = list(Carrier.objects.filter(is_active=True).order_by("position", "code"))
            context["chosen_orders"] = [n for n in request.GET.get("orders", "").split(",") if n][:200]
            result = context.get("result")
            if result is not None:
                context["sheet_errors"] = sheet_errors(result)
                context["sheet_rows"] = len(result.rows) + len(result.invalid_rows)
        return response

    @admin.display(description=_("order"), ordering="order__number")
    def order_link(self, obj):
        url = reverse("admin:logistics_ordertoship_change", args=[obj.order_id])
        return format_html('<a href="{}">{}</a>', url, obj.order.number)

    @admin.action(description=_("Ask the tracking provider now"))
    def poll_now(self, request, queryset):
        found = 0
        for shipment in queryset:
            try:
                found += services.poll_tracking(shipment_id=shipment.pk)
            except Exception as exc:  # one parcel's provider error must not hide the others
                self.message_user(request, f"{shipment}: {exc}", messages.WARNING)
        self.message_user(request, _("%(count)d new tracking events.") % {"count": found})


# --- to ship ------------------------------------------------------------------------------------
class OverdueFilter(admin.SimpleListFilter):
    title = _("shipping promise")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Past the promise")), ("no", _("Within the promise"))]

    def queryset(self, request, queryset):
        deadline = selectors.promise_deadline()
        if self.value() == "yes":
            return queryset.filter(paid_time__lt=deadline)
        if self.value() == "no":
            return queryset.filter(paid_time__gte=deadline)
        return queryset


class ShipmentInline(console.ReadOnlyInline):
    """The order's parcels (other order screens may use it too)."""

    model = Shipment
    fields = ("carrier", "tracking_number", "status", "shipped_at", "last_event_at", "delivered_at", "items")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("carrier").prefetch_related(selectors.lines_prefetch())

    @admin.display(description=_("items"))
    def items(self, obj):
        return ", ".join(f"{sl.line.title} × {sl.quantity}" for sl in obj.lines.all())


class WechatShippingUploadInline(console.ReadOnlyInline):
    """The order's WeChat shipping uploads: state, attempts, the platform's error."""

    model = WechatShippingUpload
    fields = (
        "shipment",
        "logistics_type",
        "state",
        "attempts",
        "error_code",
        "error",
        "next_attempt_at",
        "uploaded_at",
    )
    readonly_fields = fields
    show_change_link = True


@admin.register(OrderToShip)
class OrderToShipAdmin(console.ModelAdmin):
    list_display = (
        "number",
        "ship_link",
        "paid",
        "promise",
        "customer",
        "status",
        "fulfilment",
        "store",
        "wechat_upload",
    )
    list_filter = ("status", OverdueFilter, "info__fulfilment", "info__pickup_store")
    search_fields = ("number", "user__nickname", "user__phone")
    list_per_page = 50
    fields = ("number", "status_label", "customer", "placed", "total", "ship_to", "full_page")
    readonly_fields = fields
    inlines = [ShipmentInline, WechatShippingUploadInline]

    @admin.display(description="状态")
    def status_label(self, obj):
        return order_ops.status_label(obj.status)

    @admin.display(description="下单时间")
    def placed(self, obj):
        return local_time(obj.date_placed)

    @admin.display(description="实付金额")
    def total(self, obj):
        return order_ops.yuan(obj.total_incl_tax)

    @admin.display(description="收货地址")
    def ship_to(self, obj):
        address = obj.shipping_address
        if address is None:
            return "—"
        name, phone = order_ops.recipient(obj)
        place = " ".join(p for p in (address.state, address.line4, address.line2, address.line1) if p)
        return f"{name} {order_ops.masked(phone)} {place}"

    @admin.display(description="订单详情")
    def full_page(self, obj):
        url = reverse("admin:storefront_operationsorder_change", args=[obj.pk])
        return format_html('<a href="{}">打开订单页（商品、付款、售后、状态记录）</a>', url)

    def get_queryset(self, request):
        queryset = order_ops.with_badges(self.model._default_manager.all())
        return selectors.orders_to_ship(queryset).annotate(
            uploads_failed=Count("wechat_shipping_uploads", filter=Q(wechat_shipping_uploads__state="failed")),
            uploads_pending=Count("wechat_shipping_uploads", filter=Q(wechat_shipping_uploads__state="pending")),
        )

    def get_ordering(self, request):
        return ["paid_time", "pk"]

    def get_object(self, request, object_id, from_field=None):
        # Opening an order that has meanwhile shipped still works.
        return OrderToShip.objects.filter(pk=object_id).select_related("user", "shipping_address").first()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("paid"), ordering="paid_time")
    def paid(self, obj):
        return timezone.localtime(obj.paid_time).strftime("%Y-%m-%d %H:%M") if obj.paid_time else "-"

    @admin.display(description=_("shipping promise"))
    def promise(self, obj):
        if obj.paid_time and obj.paid_time < selectors.promise_deadline():
            hours = int((timezone.now() - obj.paid_time).total_seconds() // 3600)
            return format_html(
                '<strong style="color:#ba2121">{}</strong>', _("overdue: paid %(h)d h ago") % {"h": hours}
            )
        return _("on time")

    @admin.display(description=_("customer"))
    def customer(self, obj):
        # The member's nickname, never the account's generated username.
        return order_ops.person(obj.user) if obj.user_id else "—"

    @admin.display(description=_("fulfilment"))
    def fulfilment(self, obj):
        info = getattr(obj, "info", None)
        return info.get_fulfilment_display() if info else "-"

    @admin.display(description=_("pickup store"))
    def store(self, obj):
        info = getattr(obj, "info", None)
        return info.pickup_store.name if info and info.pickup_store_id else "-"

    @admin.display(description=_("WeChat upload"))
    def wechat_upload(self, obj):
        if obj.uploads_failed:
            return format_html('<span style="color:#ba2121">{}</span>', _("failed"))
        return _("pending") if obj.uploads_pending else "-"

    @admin.display(description="")
    def ship_link(self, obj):
        if selectors.is_pickup(obj):
            return _("handed over by pickup code")
        button = format_html(
            '<a class="button" href="{}">{}</a>', reverse("admin:logistics_ordertoship_ship", args=[obj.pk]), _("Ship")
        )
        if obj.has_pending_refund or obj.has_pending_after_sales:
            flag = "售后待处理" if obj.has_pending_after_sales else "退款中"
            return format_html(
                '{} <strong class="kit-ship-flag" style="color:#b42318">⚠ {}：发货需确认</strong>', button, flag
            )
        return button

    def get_urls(self):
        return [
            path("<int:order_id>/ship/", self.admin_site.admin_view(self.ship_view), name="logistics_ordertoship_ship"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "import_url": reverse("admin:logistics_shipment_import")}
        return super().changelist_view(request, extra_context)

    def ship_view(self, request, order_id):
        if not request.user.has_perm("logistics.ship_orders"):
            raise PermissionDenied
        order = get_object_or_404(Order.objects.select_related("info", "shipping_address", "user"), pk=order_id)
        left = selectors.lines_left_to_ship(order)
        # A refund on its way or a shopper's pending request: shipping needs a second look.
        warnings = order_ops.needs_care_to_ship(order)
        form = ShipForm(request.POST or None, lines=left, warnings=warnings)
        if request.method == "POST" and form.is_valid():
            try:
                shipment = services.ship_order(
                    order=order,
                    carrier=form.cleaned_data["carrier"],
                    tracking_number=form.cleaned_data["tracking_number"],
                    lines=form.quantities(),
                    actor=request.user,
                )
            except KitError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request, _("Order %(number)s shipped: %(parcel)s.") % {"number": order.number, "parcel": shipment}
                )
                return redirect(reverse("admin:logistics_ordertoship_change", args=[order.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Ship order %(number)s") % {"number": order.number},
            "opts": self.model._meta,
            "order": order,
            "form": form,
            "left": left,
            "warnings": warnings,
            "status_html": order_ops.status_label(order.status),
            "recipient": order_ops.recipient(order),
            "order_url": reverse("admin:storefront_operationsorder_change", args=[order.pk]),
            "shipments": order.shipments.select_related("carrier").order_by("pk"),
        }
        return TemplateResponse(request, "admin/logistics/ship_order.html", context)


class ShipForm(forms.Form):
    carrier = forms.ModelChoiceField(queryset=Carrier.objects.filter(is_active=True), label=_("carrier"))
    tracking_number = forms.CharField(max_length=40, label=_("tracking number"))

    def __init__(self, *args, lines, warnings=(), **kwargs):
        super().__init__(*args, **kwargs)
        if warnings:
            # Checked in clean(), not by the browser, so that the page says why.
            self.fields["confirm"] = forms.BooleanField(label="我已核实，仍然发货", required=False)
        self.line_fields = []
        for line, units in lines:
            name = f"line_{line.pk}"
            self.fields[name] = forms.IntegerField(
                min_value=0,
                max_value=units,
                initial=units,
                label=f"{line.title}（{line.partner_sku or line.upc or '无 SKU 编码'}）",
                help_text=_("%(left)d left to ship") % {"left": units},
            )
            self.line_fields.append(name)

    def visible_line_fields(self):
        return [self[name] for name in self.line_fields]

    def quantities(self) -> dict[int, int]:
        return {int(name.removeprefix("line_")): self.cleaned_data[name] for name in self.line_fields}

    def clean(self):
        cleaned = super().clean()
        if "confirm" in self.fields and not cleaned.get("confirm"):
            self.add_error("confirm", "这笔订单有待处理的退款或售后申请：请先核实，勾选确认后才能发货。")
        if self.line_fields and not any(cleaned.get(name) for name in self.line_fields):
            raise ValidationError(_("Choose at least one item to ship."))
        carrier, number = cleaned.get("carrier"), cleaned.get("tracking_number")
        if carrier and number:
            try:
                cleaned["tracking_number"] = services.clean_tracking_number(carrier, number)
            except KitError as exc:
                self.add_error("tracking_number", exc.message)
        return cleaned


# --- attention ----------------------------------------------------------------------------------
@admin.register(ParcelNeedingAttention)
class ParcelNeedingAttentionAdmin(ShipmentAdmin):
    list_display = ("tracking_number", "carrier", "order_link", "status", "last_moved", "shipped_at", "latest_event")
    list_filter = ("carrier", "status")
    actions = ["poll_now"]
    date_hierarchy = None

    def get_queryset(self, request):
        # Not super(): it orders by the annotation before the selector adds it.
        newest = TrackingEvent.objects.filter(shipment=OuterRef("pk")).order_by("-happened_at", "-id")
        return selectors.parcels_needing_attention(self.model._default_manager.all()).annotate(
            latest_text=Subquery(newest.values("text")[:1])
        )

    def get_ordering(self, request):
        return ["last_moved_at", "pk"]

    def has_import_permission(self, request):
        return False

    @admin.display(description=_("last movement"), ordering="last_moved_at")
    def last_moved(self, obj):
        days = (timezone.now() - obj.last_moved_at).days
        return format_html('<span style="color:#ba2121">{}</span>', _("%(days)d days ago") % {"days": days})

    @admin.display(description=_("latest event"))
    def latest_event(self, obj):
        return obj.latest_text or _("no scan yet")


# --- WeChat uploads -----------------------------------------------------------------------------
@admin.register(WechatShippingUpload)
class WechatShippingUploadAdmin(console.ModelAdmin):
    list_display = (
        "order",
        "shipment",
        "logistics_type",
        "state",
        "attempts",
        "error_code",
        "error_meaning",
        "error",
        "next_attempt_at",
        "uploaded_at",
    )
    list_filter = ("state", "logistics_type")
    search_fields = ("order__number", "shipment__tracking_number", "error")
    list_select_related = ("order", "shipment__carrier")
    readonly_fields = (
        "order",
        "shipment",
        "logistics_type",
        "state",
        "attempts",
        "not_before",
        "next_attempt_at",
        "error_code",
        "error",
        "payload",
        "uploaded_at",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="错误含义")
    def error_meaning(self, obj):
        return error_meaning(obj.error_code)

    @admin.action(description=_("Retry the upload to WeChat"), permissions=["change"])
    def retry(self, request, queryset):
        count = 0
        for upload in queryset.exclude(state=WechatShippingUpload.State.UPLOADED):
            services.retry_wechat_upload(upload=upload, actor=request.user)
            count += 1
        self.message_user(request, _("%(count)d uploads queued again.") % {"count": count})


@admin.register(FailedWechatShippingUpload)
class FailedWechatShippingUploadAdmin(WechatShippingUploadAdmin):
    """Failures: given up, or still retrying after an error."""

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(
                Q(state=WechatShippingUpload.State.FAILED)
                | (Q(state=WechatShippingUpload.State.PENDING) & ~Q(error_code=""))
            )
        )


# --- WeChat tracking component, order-shipping management, Alipay order center ----------------------
def local_time(value) -> str:
    return timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else "—"


def error_meaning(code) -> str:
    """A Chinese meaning for a platform error code, never the bare code alone."""
    if not code:
        return "—"
    return errcode_meaning(code) or order_center_meaning(code) or "平台返回的其他错误（见错误信息）"


def order_link(order) -> str:
    if order is None:
        return "—"
    url = reverse("admin:storefront_operationsorder_change", args=[order.pk])
    return format_html('<a href="{}">{}</a>', url, order.number)


@admin.register(WechatWaybill)
class WechatWaybillAdmin(console.ReadOnlyAdmin):
    """物流查询组件: each parcel's waybill token and why a parcel has none."""

    list_display = ("parcel", "order_number", "state", "wechat_status_label", "problem", "opened", "checked")
    list_filter = ("state",)
    search_fields = ("shipment__order__number", "shipment__tracking_number")
    list_select_related = ("shipment__order", "shipment__carrier")
    fields = ("parcel", "order_number", "state", "waybill_token", "follow_token", "wechat_status_label", "problem")
    readonly_fields = fields
    actions = ["reopen"]

    @admin.display(description="包裹")
    def parcel(self, obj):
        return f"{obj.shipment.carrier.name} {obj.shipment.tracking_number}"

    @admin.display(description="订单")
    def order_number(self, obj):
        return order_link(obj.shipment.order)

    @admin.display(description="微信物流状态")
    def wechat_status_label(self, obj):
        return WAYBILL_STATES.get(obj.wechat_status, "—") if obj.wechat_status is not None else "—"

    @admin.display(description="问题")
    def problem(self, obj):
        if obj.state == WechatWaybill.State.NOT_ENABLED:
            return "小程序未开通物流查询组件：请在小程序后台“物流查询组件”开通后重试，未开通前不会反复调用"
        return error_meaning(obj.error_code) if obj.error_code else "—"

    @admin.display(description="开通时间")
    def opened(self, obj):
        return local_time(obj.opened_at)

    @admin.display(description="最近查询")
    def checked(self, obj):
        return local_time(obj.checked_at)

    @admin.action(description="重新开通所选运单")
    def reopen(self, request, queryset):
        count = queryset.exclude(state=WechatWaybill.State.READY).update(
            state=WechatWaybill.State.PENDING, checked_at=None, error_code="", error=""
        )
        for shipment_id in queryset.values_list("shipment_id", flat=True):
            tasks.open_wechat_waybills.delay(Shipment.objects.get(pk=shipment_id).order_id)
        self.message_user(request, f"{count} 个运单已重新排队开通。")


class PendingReminderFilter(admin.SimpleListFilter):
    title = "处理情况"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", "待处理"), ("no", "已处理")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(TradeReminder)
class TradeReminderAdmin(console.ReadOnlyAdmin):
    """Operations' attention list: WeChat's reminders to ship or to connect the upload API."""

    list_display = ("event_label", "order_number", "text", "received", "resolved")
    list_filter = (PendingReminderFilter, "event")
    search_fields = ("order__number", "transaction_id")
    list_select_related = ("order", "resolved_by")
    fields = ("event_label", "order_number", "text", "received", "resolved")
    readonly_fields = fields
    actions = ["mark_resolved"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(event__in=[WechatTradeEvent.Event.REMIND_SHIPPING, WechatTradeEvent.Event.REMIND_ACCESS_API])
        )

    @admin.display(description="提醒")
    def event_label(self, obj):
        return obj.get_event_display()

    @admin.display(description="订单")
    def order_number(self, obj):
        return order_link(obj.order) if obj.order else "（整个小程序）"

    @admin.display(description="收到时间")
    def received(self, obj):
        return local_time(obj.received_at)

    @admin.display(description="处理")
    def resolved(self, obj):
        if obj.resolved_at is None:
            return format_html('<strong style="color:#ba2121">{}</strong>', "待处理")
        return f"{local_time(obj.resolved_at)} {obj.resolved_by or ''}".strip()

    @admin.action(description="标记为已处理")
    def mark_resolved(self, request, queryset):
        for event in queryset.filter(resolved_at__isnull=True):
            trade_management.resolve_reminder(event, actor=request.user)
        self.message_user(request, "已标记为已处理。")


@admin.register(WechatTradeOrder)
class WechatTradeOrderAdmin(console.ReadOnlyAdmin):
    """订单在微信发货信息管理里的状态：重新发货机会、确认收货提醒、报备、结算和对账。"""

    list_display = (
        "order_number",
        "platform_state_label",
        "settlement",
        "confirm_reminder",
        "special_report",
        "reship",
        "mismatch",
        "reconciled",
    )
    search_fields = ("order__number", "transaction_id")
    list_select_related = ("order",)
    fields = list_display
    readonly_fields = fields

    @admin.display(description="订单")
    def order_number(self, obj):
        return order_link(obj.order)

    @admin.display(description="微信订单状态")
    def platform_state_label(self, obj):
        return trade_management.platform_state_label(obj.platform_state)

    @admin.display(description="结算时间")
    def settlement(self, obj):
        if obj.settlement_time:
            return local_time(obj.settlement_time)
        return f"预计 {local_time(obj.estimated_settlement_time)}" if obj.estimated_settlement_time else "未结算"

    @admin.display(description="确认收货提醒")
    def confirm_reminder(self, obj):
        if obj.confirm_notified_at:
            return local_time(obj.confirm_notified_at)
        return obj.confirm_error or "—"

    @admin.display(description="特殊发货报备")
    def special_report(self, obj):
        if obj.special_reported_at:
            return f"已报备，预计 {local_time(obj.special_delay_to)} 发货"
        return obj.special_error or "—"

    @admin.display(description="重新发货机会")
    def reship(self, obj):
        return f"已用（{local_time(obj.reship_used_at)}）" if obj.reship_used_at else "未用"

    @admin.display(description="最近对账")
    def reconciled(self, obj):
        return local_time(obj.reconciled_at)


@admin.register(AlipayOrderSync)
class AlipayOrderSyncAdmin(console.ReadOnlyAdmin):
    """支付宝订单中心：每笔订单的每个状态同步一次，只向前。"""

    list_display = ("order_number", "status_label", "state_label", "attempts", "problem", "synced", "next_attempt")
    list_filter = ("state", "status")
    search_fields = ("order__number",)
    list_select_related = ("order",)
    fields = list_display
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description="订单")
    def order_number(self, obj):
        return order_link(obj.order)

    @admin.display(description="订单中心状态")
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description="同步状态")
    def state_label(self, obj):
        return obj.get_state_display()

    @admin.display(description="问题")
    def problem(self, obj):
        return error_meaning(obj.error_code) if obj.error_code else "—"

    @admin.display(description="同步时间")
    def synced(self, obj):
        return local_time(obj.synced_at)

    @admin.display(description="下次尝试")
    def next_attempt(self, obj):
        return local_time(obj.next_attempt_at) if obj.state == AlipayOrderSync.State.PENDING else "—"

    @admin.action(description="重新同步失败的状态")
    def retry(self, request, queryset):
        orders = {row.order for row in queryset.filter(state=AlipayOrderSync.State.FAILED).select_related("order")}
        for order in orders:
            alipay_orders.retry_failed(order)
            tasks.push_alipay_order_syncs.delay(order.pk)
        self.message_user(request, f"{len(orders)} 笔订单已重新排队同步。")


# --- the operations dashboard ----------------------------------------------------------------
@admin.register(OperationsDashboard)
class OperationsDashboardAdmin(console.ModelAdmin):
    """Not a list: the operations dashboard page (what to do now, and orders shipped per day)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("logistics.view_operationsdashboard")

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        points = dashboard.shipped_per_day()
        context = {
            **self.admin_site.each_context(request),
            "title": "运营看板",
            "opts": self.model._meta,
            "tiles": dashboard.tiles(),
            "chart": dashboard.bar_chart_svg(points),
            "chart_days": len(points),
            "shipped_total": sum(count for _, count in points),
            "generated_at": local_time(timezone.now()),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/logistics/operations_dashboard.html", context)
