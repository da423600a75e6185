"""State of the emulated WeChat logistics tracking component, order-shipping management and
Alipay's order center: waybill tokens handed out, the trade orders as WeChat sees them (state,
confirm-receive reminder, special reports, settlement), the app's own switches in the WeChat
console, and the orders synced to Alipay's order center with their status history.

Imported into platforms/sandbox/models.py (app label "sandbox"); the /sandbox/ page shows them.
"""

from django.db import models

__all__ = ["SandboxWaybill", "SandboxTradeOrder", "SandboxWeChatConsole", "SandboxAlipayOrder"]


class SandboxWaybill(models.Model):
    """A waybill token of trace_waybill (or follow_waybill, `follow` set), with the parcel's status."""

    token = models.CharField(max_length=64, unique=True)
    follow = models.BooleanField(default=False)
    openid = models.CharField(max_length=128)
    receiver_phone = models.CharField(max_length=20)
    waybill_id = models.CharField(max_length=128)
    delivery_id = models.CharField(max_length=32)
    trans_id = models.CharField(max_length=64)
    order_detail_path = models.CharField(max_length=255, blank=True)
    goods_info = models.JSONField(default=dict)
    # query_trace's waybill status: 0 not picked up ... 4 signed, 5 exception, 6 signed by proxy.
    status = models.PositiveSmallIntegerField(default=0)
    goods_updates = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]


class SandboxTradeOrder(models.Model):
    """A WeChat Pay payment as order-shipping management sees it (get_order's order_state)."""

    transaction_id = models.CharField(max_length=32, unique=True)
    out_trade_no = models.CharField(max_length=32)
    confirm_notified_at = models.DateTimeField(null=True, blank=True)
    received_time = models.BigIntegerField(null=True, blank=True)
    special_type = models.PositiveSmallIntegerField(null=True, blank=True)
    delay_to = models.BigIntegerField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]


class SandboxWeChatConsole(models.Model):
    """What the merchant switched on in the mini program console (one row)."""

    trade_managed = models.BooleanField(default=True)
    settlement_confirmed = models.BooleanField(default=True)
    logistics_component = models.BooleanField(default=True)
    msg_jump_path = models.CharField(max_length=255, blank=True)


class SandboxAlipayOrder(models.Model):
    """An order in Alipay's order center: the last body synced and each status with its time."""

    out_biz_no = models.CharField(max_length=64, unique=True)
    buyer = models.CharField(max_length=64)
    trade_no = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32)
    history = models.JSONField(default=list)  # [{"status", "at", "logistics"}], oldest first
    link_page = models.CharField(max_length=255, blank=True)
    last_body = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
