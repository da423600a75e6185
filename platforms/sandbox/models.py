"""State of the emulated platforms: who the fake WeChat users are, the one-time codes they
were given, access tokens issued, content checks, subscribe messages and shipping uploads
received, WeChat Pay trades and refunds, and the notifications sent to the kit.

Only installed with the sandbox on; the /sandbox/ page shows these rows to a person.
"""

import importlib.util

from django.db import models


class WeChatUser(models.Model):
    openid = models.CharField(max_length=64, unique=True)
    unionid = models.CharField(max_length=64, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    session_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.openid


class WeChatCode(models.Model):
    """A wx.login code or a getPhoneNumber code: usable once, within five minutes."""

    class Kind(models.TextChoices):
        LOGIN = "login"
        PHONE = "phone"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    code = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(WeChatUser, on_delete=models.CASCADE, related_name="codes")
    phone = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)


class AccessToken(models.Model):
    appid = models.CharField(max_length=64)
    token = models.CharField(max_length=128, unique=True)
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)


class ContentCheck(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text"
        IMAGE = "image"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    openid = models.CharField(max_length=64, blank=True)
    content = models.TextField()
    suggest = models.CharField(max_length=8)
    label = models.IntegerField(default=100)
    trace_id = models.CharField(max_length=64, unique=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class SubscribeMessage(models.Model):
    touser = models.CharField(max_length=64)
    template_id = models.CharField(max_length=128)
    page = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict)
    miniprogram_state = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class ShippingUpload(models.Model):
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class SearchSubmission(models.Model):
    pages = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)


class PayTrade(models.Model):
    """A WeChat Pay JSAPI trade, in WeChat Pay's own states."""

    class State(models.TextChoices):
        NOTPAY = "NOTPAY"
        SUCCESS = "SUCCESS"
        CLOSED = "CLOSED"
        REFUND = "REFUND"
        PAYERROR = "PAYERROR"

    prepay_id = models.CharField(max_length=64, unique=True)
    appid = models.CharField(max_length=64)
    mchid = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=32, unique=True)
    description = models.CharField(max_length=127)
    total = models.PositiveIntegerField()  # fen
    currency = models.CharField(max_length=8, default="CNY")
    payer_openid = models.CharField(max_length=64)
    notify_url = models.CharField(max_length=255)
    time_expire = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.NOTPAY)
    transaction_id = models.CharField(max_length=32, blank=True)
    success_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return self.out_trade_no


class PayRefund(models.Model):
    class Status(models.TextChoices):
        PROCESSING = "PROCESSING"
        SUCCESS = "SUCCESS"
        ABNORMAL = "ABNORMAL"
        CLOSED = "CLOSED"

    trade = models.ForeignKey(PayTrade, on_delete=models.CASCADE, related_name="refunds")
    out_refund_no = models.CharField(max_length=64, unique=True)
    refund_id = models.CharField(max_length=32, unique=True)
    refund = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROCESSING)
    notify_url = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=80, blank=True)
    success_time = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Delivery(models.Model):
    """A notification the sandbox sent (or tried to send) to the kit."""

    platform = models.CharField(max_length=16)
    event_type = models.CharField(max_length=40)
    url = models.CharField(max_length=255)

    class State(models.TextChoices):
        PENDING = "pending"  # due now (or after the delay of the "delayed" fault)
        HELD = "held"  # "out of order" fault: waits for the next notification to go first
        SENT = "sent"
        FAILED = "failed"

    reference = models.CharField(max_length=64, blank=True)
    headers = models.JSONField(default=dict)
    body = models.TextField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    status_code = models.IntegerField(null=True, blank=True)
    response = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


# The Alipay half keeps its sandbox models in their own module.
if importlib.util.find_spec("platforms.sandbox.alipay_models"):
    from platforms.sandbox.alipay_models import *  # noqa: F403,E402

# The logistics tracking component, order-shipping management and Alipay's order center.
from platforms.sandbox.logistics_models import *  # noqa: F403,E402
