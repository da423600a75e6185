"""Logistics data: carriers, shipments (which order lines went in which parcel), the
tracking timeline of each parcel, the WeChat shipping uploads and the notices sent.

Oscar's order stays the record of what was sold; a `Shipment` says which of its lines (and
how many units of each) left in one parcel. The units shipped of a line never exceed the
units ordered: `services.ship_order` checks it under a lock on the order.
"""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.apps.order.models import Order


class Carrier(models.Model):
    """A courier company, with its codes at WeChat and at the tracking provider."""

    code = models.CharField(
        _("code"), max_length=16, unique=True, help_text=_("Our code, used in CSV imports: SF, ZTO, ...")
    )
    name = models.CharField(_("name"), max_length=64)
    wechat_company_id = models.CharField(
        _("WeChat express_company"), max_length=32, help_text=_("The id WeChat's shipping upload expects.")
    )
    tracking_code = models.CharField(_("tracking provider code"), max_length=32, help_text=_("e.g. shunfeng"))
    number_pattern = models.CharField(
        _("tracking number format"),
        max_length=200,
        help_text=_("Regular expression a tracking number must match in full."),
    )
    number_example = models.CharField(_("example number"), max_length=40, blank=True)
    # SF (and its tracking queries) want the recipient's phone with the number.
    needs_phone = models.BooleanField(_("needs the recipient's phone"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self):
        return self.name

    def accepts_number(self, number: str) -> bool:
        return bool(number) and re.fullmatch(self.number_pattern, number) is not None


class TrackingStatus(models.TextChoices):
    WAITING = "waiting", _("Handed to the carrier, no scan yet")
    ACCEPTED = "accepted", _("Accepted by the carrier")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    RETURNED = "returned", _("Returned")
    EXCEPTION = "exception", _("Exception")


class Shipment(models.Model):
    """One parcel of an order with one carrier and tracking number."""

    class Source(models.TextChoices):
        ADMIN = "admin", _("Admin")
        IMPORT = "import", _("CSV/Excel import")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("order"))
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("carrier"))
    tracking_number = models.CharField(_("tracking number"), max_length=40)
    status = models.CharField(
        _("tracking status"),
        max_length=20,
        choices=TrackingStatus.choices,
        default=TrackingStatus.WAITING,
        db_index=True,
    )
    shipped_at = models.DateTimeField(_("shipped at"), default=timezone.now, db_index=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shipped by"),
    )
    source = models.CharField(_("entered through"), max_length=8, choices=Source.choices, default=Source.ADMIN)
    # Whether this parcel completed the order (the last of a split delivery).
    completes_order = models.BooleanField(_("completes the order"), default=False)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_event_at = models.DateTimeField(_("last tracking event"), null=True, blank=True, db_index=True)
    last_checked_at = models.DateTimeField(_("last heard from the provider"), null=True, blank=True)
    subscribed_at = models.DateTimeField(_("tracking subscribed at"), null=True, blank=True)
    subscribe_error = models.CharField(_("tracking subscription error"), max_length=255, blank=True)

    class Meta:
        ordering = ["-shipped_at", "-id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="shipment_tracking_number_unique"),
        ]

    def __str__(self):
        return f"{self.carrier.code} {self.tracking_number}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey("order.Line", on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("shipped line")
        verbose_name_plural = _("shipped lines")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line"], name="shipment_line_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.line_id} x {self.quantity}"


class TrackingEvent(models.Model):
    """One scan of a parcel. Push and poll report the same events again and again: the
    fingerprint (time and text) makes each one count once."""

    class Source(models.TextChoices):
        PUSH = "push", _("Provider push")
        POLL = "poll", _("Polling")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    happened_at = models.DateTimeField(_("time"))
    status = models.CharField(_("status"), max_length=20, choices=TrackingStatus.choices)
    text = models.CharField(_("text"), max_length=500)
    place = models.CharField(_("place"), max_length=200, blank=True)
    raw_status = models.CharField(_("provider status"), max_length=32, blank=True)
    fingerprint = models.CharField(max_length=40)
    source = models.CharField(_("learnt from"), max_length=8, choices=Source.choices)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-happened_at", "-id"]
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "fingerprint"], name="tracking_event_once"),
        ]

    def __str__(self):
        return f"{self.happened_at:%Y-%m-%d %H:%M} {self.text}"


class WechatShippingUpload(models.Model):
    """Shipping information owed to WeChat for a WeChat-paid order: one per parcel, or one
    for the whole order when it is picked up in store or virtual."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        UPLOADED = "uploaded", _("Uploaded")
        FAILED = "failed", _("Failed")

    class LogisticsType(models.IntegerChoices):
        EXPRESS = 1, _("Express")
        SAME_CITY = 2, _("Same-city delivery")
        VIRTUAL = 3, _("Virtual goods")
        PICKUP = 4, _("Store pickup")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="wechat_shipping_uploads", verbose_name=_("order")
    )
    shipment = models.OneToOneField(
        Shipment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wechat_upload",
        verbose_name=_("shipment"),
    )
    logistics_type = models.PositiveSmallIntegerField(_("logistics type"), choices=LogisticsType.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    not_before = models.DateTimeField(
        _("not before"), help_text=_("WeChat refuses uploads sooner than a minute after payment.")
    )
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    error_code = models.CharField(_("error code"), max_length=32, blank=True)
    error = models.CharField(_("platform error"), max_length=500, blank=True)
    payload = models.JSONField(_("last payload sent"), default=dict, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("WeChat shipping upload")
        verbose_name_plural = _("WeChat shipping uploads")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(shipment__isnull=True), name="wechat_upload_one_without_parcel_per_order"
            ),
        ]

    def __str__(self):
        return f"{self.order.number} {self.get_logistics_type_display()} {self.get_state_display()}"


class ShippingNotice(models.Model):
    """A subscribe message about an order's shipping; the unique key makes it go out once."""

    class Kind(models.TextChoices):
        SHIPPED = "shipped", _("Order shipped")
        DELIVERED = "delivered", _("Order delivered")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipping_notices")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("shipping notice")
        verbose_name_plural = _("shipping notices")
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="shipping_notice_once")]

    def __str__(self):
        return f"{self.order_id} {self.kind}"


# --- admin screens ------------------------------------------------------------------------
class OrderToShip(Order):
    """Operations' "to ship" queue: paid orders not yet fully shipped."""

    class Meta:
        proxy = True
        verbose_name = _("order to ship")
        verbose_name_plural = _("orders to ship")
        permissions = [("ship_orders", _("Can ship orders and import shipments"))]


class ParcelNeedingAttention(Shipment):
    """Parcels that stopped moving or are in exception."""

    class Meta:
        proxy = True
        verbose_name = _("parcel needing attention")
        verbose_name_plural = _("parcels needing attention")


class FailedWechatShippingUpload(WechatShippingUpload):
    class Meta:
        proxy = True
        verbose_name = _("failed WeChat shipping upload")
        verbose_name_plural = _("failed WeChat shipping uploads")


# --- WeChat logistics tracking component, order-shipping management, Alipay order center ----------
class WechatWaybill(models.Model):
    """A parcel's waybill token at WeChat's logistics tracking component (it does not expire): the
    mini program opens the parcel with it in WeChat's own tracking page."""

    class State(models.TextChoices):
        PENDING = "pending", "待开通"
        READY = "ready", "已开通"
        FAILED = "failed", "失败"
        NOT_ENABLED = "not_enabled", "小程序未开通物流查询组件"

    shipment = models.OneToOneField(
        Shipment, on_delete=models.CASCADE, related_name="wechat_waybill", verbose_name="包裹"
    )
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    waybill_token = models.CharField("运单 token", max_length=128, blank=True)
    follow_token = models.CharField("消息组件 token", max_length=128, blank=True)
    goods_digest = models.CharField("商品摘要", max_length=40, blank=True)
    wechat_status = models.PositiveSmallIntegerField("微信物流状态", null=True, blank=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    error_code = models.CharField("错误码", max_length=32, blank=True)
    error = models.CharField("平台错误", max_length=500, blank=True)
    opened_at = models.DateTimeField("开通时间", null=True, blank=True)
    checked_at = models.DateTimeField("最近查询", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "微信运单"
        verbose_name_plural = "微信运单"

    def __str__(self):
        return f"{self.shipment} {self.get_state_display()}"


class WechatTradeOrder(models.Model):
    """The order as WeChat's order-shipping management sees it: the one re-ship, the receipt
    reminder, the special report, settlement and the daily reconciliation."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="wechat_trade", verbose_name="订单")
    transaction_id = models.CharField("微信支付单号", max_length=32, blank=True)
    reship_used_at = models.DateTimeField("重新发货机会使用于", null=True, blank=True)
    confirm_notified_at = models.DateTimeField("确认收货提醒发出", null=True, blank=True)
    confirm_error = models.CharField("确认收货提醒错误", max_length=255, blank=True)
    special_reported_at = models.DateTimeField("特殊发货报备于", null=True, blank=True)
    special_delay_to = models.DateTimeField("报备的预计发货时间", null=True, blank=True)
    special_error = models.CharField("报备错误", max_length=255, blank=True)
    platform_state = models.PositiveSmallIntegerField("微信订单状态", null=True, blank=True)
    reconciled_at = models.DateTimeField("最近对账", null=True, blank=True)
    mismatch = models.CharField("对账不一致", max_length=255, blank=True)
    estimated_settlement_time = models.DateTimeField("预计结算时间", null=True, blank=True)
    settlement_time = models.DateTimeField("结算时间", null=True, blank=True)
    confirm_receive_method = models.PositiveSmallIntegerField(
        "确认收货方式", null=True, blank=True, choices=[(1, "用户手动确认"), (2, "自动确认")]
    )
    confirm_receive_time = models.DateTimeField("确认收货时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "微信交易订单"
        verbose_name_plural = "微信交易订单"

    def __str__(self):
        return self.order.number


class WechatTradeEvent(models.Model):
    """A push of order-shipping management (verified first by the push endpoint), kept once."""

    class Event(models.TextChoices):
        SETTLEMENT = "trade_manage_order_settlement", "资金结算"
        REMIND_SHIPPING = "trade_manage_remind_shipping", "发货提醒"
        REMIND_ACCESS_API = "trade_manage_remind_access_api", "接入发货信息管理提醒"

    event = models.CharField("事件", max_length=40, choices=Event.choices, db_index=True)
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, null=True, blank=True, related_name="wechat_trade_events", verbose_name="订单"
    )
    transaction_id = models.CharField("微信支付单号", max_length=32, blank=True)
    text = models.CharField("内容", max_length=500, blank=True)
    message = models.JSONField("推送内容", default=dict)
    fingerprint = models.CharField(max_length=40, unique=True)
    received_at = models.DateTimeField("收到时间", auto_now_add=True)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="处理人",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "微信发货管理推送"
        verbose_name_plural = "微信发货管理推送"

    def __str__(self):
        return f"{self.get_event_display()} {self.transaction_id}"


class TradeReminder(WechatTradeEvent):
    """Operations' attention list: WeChat's reminders to ship or to upload, not yet dealt with."""

    class Meta:
        proxy = True
        verbose_name = "待处理的微信提醒"
        verbose_name_plural = "待处理的微信提醒"


class AlipayOrderSync(models.Model):
    """One status of an Alipay order sent to Alipay's order center: each status once, forward only."""

    class Status(models.TextChoices):
        WAIT_PAY = "WAIT_PAY", "已下单待付款"
        PAID = "PAID", "已付款"
        IN_DELIVERY = "IN_DELIVERY", "已发货"
        SIGNED = "SIGNED", "已签收"
        FINISHED = "FINISHED", "已完成"
        REFUNDED = "REFUNDED", "已退款"

    class State(models.TextChoices):
        PENDING = "pending", "待同步"
        SYNCED = "synced", "已同步"
        SKIPPED = "skipped", "已跳过（订单已到后面的状态）"
        FAILED = "failed", "同步失败"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="alipay_syncs", verbose_name="订单")
    status = models.CharField("订单中心状态", max_length=16, choices=Status.choices)
    rank = models.PositiveSmallIntegerField("顺序")
    state = models.CharField("同步状态", max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", null=True, blank=True, db_index=True)
    error_code = models.CharField("错误码", max_length=64, blank=True)
    error = models.CharField("平台错误", max_length=500, blank=True)
    payload = models.JSONField("发送内容", default=dict, blank=True)
    synced_at = models.DateTimeField("同步时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["order", "rank"]
        verbose_name = "支付宝订单中心同步"
        verbose_name_plural = "支付宝订单中心同步"
        constraints = [models.UniqueConstraint(fields=["order", "status"], name="alipay_order_sync_status_once")]

    def __str__(self):
        return f"{self.order.number} {self.get_status_display()} {self.get_state_display()}"


class OperationsDashboard(Order):
    """The operations dashboard of the console (logistics/dashboard.py); a proxy so that it
    has its own place in the menu and its own permission."""

    class Meta:
        proxy = True
        verbose_name = "运营看板"
        verbose_name_plural = "运营看板"
