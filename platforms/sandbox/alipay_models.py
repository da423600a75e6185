"""State of the emulated Alipay: its users and their one-time auth codes, trades and refunds,
and the template messages it received. The notifications it sends the kit are the shared
`Delivery` rows (platform "alipay").

Imported into platforms/sandbox/models.py (app label "sandbox"); the /sandbox/ page shows them.
"""

from django.db import models

__all__ = ["AlipayUser", "AlipayAuthCode", "AlipayTrade", "AlipayRefund", "AlipayMessage"]


class AlipayUser(models.Model):
    # Older apps get a 16-digit "2088..." user_id; newer apps only an open_id.
    user_id = models.CharField(max_length=32, unique=True)
    open_id = models.CharField(max_length=64, unique=True)
    phone = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.user_id


class AlipayAuthCode(models.Model):
    """A my.getAuthCode code: usable once, within five minutes."""

    code = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(AlipayUser, on_delete=models.CASCADE, related_name="codes")
    open_id_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)


class AlipayTrade(models.Model):
    """An alipay.trade.create trade, in Alipay's own states."""

    class Status(models.TextChoices):
        WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
        TRADE_SUCCESS = "TRADE_SUCCESS"
        TRADE_CLOSED = "TRADE_CLOSED"
        TRADE_FINISHED = "TRADE_FINISHED"

    trade_no = models.CharField(max_length=64, unique=True)
    out_trade_no = models.CharField(max_length=64, unique=True)
    app_id = models.CharField(max_length=32)
    seller_id = models.CharField(max_length=32)
    subject = models.CharField(max_length=256)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    buyer_id = models.CharField(max_length=32, blank=True)
    buyer_open_id = models.CharField(max_length=64, blank=True)
    notify_url = models.CharField(max_length=255, blank=True)
    # trade.create's time_expire: no payment after it, and the trade closes (Beijing time on the wire).
    time_expire = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAIT_BUYER_PAY)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return self.trade_no


class AlipayRefund(models.Model):
    """An alipay.trade.refund request. Accepted with fund_change=N (the "refund_pending" fault),
    its money has not moved yet: `settled_at` stays empty until it settles, and only then do the
    refund query, the notification and the bill show it."""

    trade = models.ForeignKey(AlipayTrade, on_delete=models.CASCADE, related_name="refunds")
    out_request_no = models.CharField(max_length=64)
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=256, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trade", "out_request_no"], name="sandbox_alipay_refund_request_once"),
        ]

    @property
    def is_settled(self) -> bool:
        return self.settled_at is not None


class AlipayMessage(models.Model):
    """A mini program template message the kit sent (alipay.open.app.mini.templatemessage.send)."""

    to_user_id = models.CharField(max_length=64)
    template_id = models.CharField(max_length=128)
    page = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
