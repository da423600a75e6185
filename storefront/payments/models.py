"""Payments of orders through WeChat Pay and Alipay: what we asked the providers for
(prepays), what they told us (notifications, transactions, refunds), and what does not add
up (payment problems, reconciliation against their daily statements).

Oscar's order stays the order; Oscar's payment `Source`/`Transaction` get a summary row per
provider for the dashboard. The rows here carry what Oscar has no place for: provider ids,
unique keys that make each notification count once, and the audit trail operations need.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from platforms.base import Platform


class PaymentAttempt(models.Model):
    """The prepay of one order at one provider: kept so a repeated `pay/` reuses it while it
    is valid, and locked while a notification or query for the order is applied."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        CLOSED = "closed", _("Closed")

    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="payment_attempts")
    provider = models.CharField(_("provider"), max_length=16, choices=Platform.choices)
    out_trade_no = models.CharField(_("out trade no"), max_length=32, db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    payer_id = models.CharField(_("payer id"), max_length=128, blank=True)
    # WeChat prepay_id, Alipay trade_no.
    reference = models.CharField(_("prepay reference"), max_length=128, blank=True)
    client_params = models.JSONField(_("client parameters"), default=dict, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payment attempt")
        verbose_name_plural = _("payment attempts")
        constraints = [
            models.UniqueConstraint(fields=["order", "provider"], name="payment_attempt_one_per_provider"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_attempt_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_provider_display()} {self.out_trade_no}"

    def reusable(self, *, amount, payer_id, now=None) -> bool:
        """A prepay the mini program may still use: same amount and payer, not about to expire."""
        now = now or timezone.now()
        return bool(
            self.status == self.Status.OPEN
            and self.reference
            and self.amount == amount
            and self.payer_id == payer_id
            and self.expires_at
            and self.expires_at > now + timezone.timedelta(minutes=1)
        )


class PaymentTransaction(models.Model):
    """Money received: one row per provider transaction, whatever told us (notification,
    query, reconciliation). The unique key is what makes a payment count once."""

    class Status(models.TextChoices):
        PAID = "paid", _("Paid to the order")
        LATE = "late", _("Late or duplicate: refunded")

    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="payment_transactions")
    attempt = models.ForeignKey(
        PaymentAttempt, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions"
    )
    provider = models.CharField(_("provider"), max_length=16, choices=Platform.choices)
    transaction_id = models.CharField(_("transaction id"), max_length=64)
    out_trade_no = models.CharField(_("out trade no"), max_length=32, db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=8, default="CNY")
    payer_id = models.CharField(_("payer id"), max_length=128, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PAID)
    # "notification", "query" (shopper refresh, unpaid-order task)
    source = models.CharField(_("learnt from"), max_length=16, default="notification")
    paid_at = models.DateTimeField(_("paid at"), default=timezone.now, db_index=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    raw = models.JSONField(_("provider data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("payment transaction")
        verbose_name_plural = _("payment transactions")
        ordering = ["-paid_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "transaction_id"], name="payment_transaction_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_transaction_amount_positive"),
        ]

    def __str__(self):
        return f"{self.get_provider_display()} {self.transaction_id} {self.amount}"


class Refund(models.Model):
    """Money sent back. `out_refund_no` is the idempotency key at the provider and here: the
    same request (an after-sales case, an admin action, a late payment) maps to one number."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not yet sent to the provider")
        PROCESSING = "processing", _("Processing at the provider")
        SUCCESS = "success", _("Refunded")
        FAILED = "failed", _("Failed")

    class Reason(models.TextChoices):
        AFTER_SALES = "after_sales", _("After-sales request")
        OPERATIONS = "operations", _("Operations (admin)")
        LATE_PAYMENT = "late_payment", _("Late or duplicate payment")

    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="payment_refunds")
    transaction = models.ForeignKey(PaymentTransaction, on_delete=models.PROTECT, related_name="refunds")
    provider = models.CharField(_("provider"), max_length=16, choices=Platform.choices)
    out_refund_no = models.CharField(_("out refund no"), max_length=64, unique=True)
    refund_id = models.CharField(_("provider refund id"), max_length=64, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    kind = models.CharField(_("why"), max_length=16, choices=Reason.choices, default=Reason.OPERATIONS)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    # Whether the order went to "refunding" for this refund, and from which status, so a
    # partial refund can put it back where it was.
    moved_order = models.BooleanField(default=False)
    order_status_before = models.CharField(max_length=32, blank=True)
    # {order line id: quantity} to put back on the shelf once the money is back.
    restock = models.JSONField(_("returned goods"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.CharField(_("last error"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self):
        return f"{self.out_refund_no} {self.amount}"

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.SUCCESS, self.Status.FAILED)


class NotificationLog(models.Model):
    """Every callback exactly as received, verified or not, and what became of it."""

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        DUPLICATE = "duplicate", _("Already processed")
        IGNORED = "ignored", _("Nothing to do")
        REJECTED = "rejected", _("Rejected")
        PROBLEM = "problem", _("Recorded as a payment problem")
        ERROR = "error", _("Failed: retry asked")

    provider = models.CharField(_("provider"), max_length=16, choices=Platform.choices)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body = models.TextField(_("body"), blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    kind = models.CharField(_("kind"), max_length=16, blank=True)
    notification_id = models.CharField(_("notification id"), max_length=128, blank=True)
    out_trade_no = models.CharField(_("out trade no"), max_length=64, blank=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.RECEIVED)
    reason = models.CharField(_("why"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("notification log entry")
        verbose_name_plural = _("notification log")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.provider} {self.received_at:%Y-%m-%d %H:%M:%S} {self.outcome}"


class PaymentProblem(models.Model):
    """Something about money that operations must look at. `reference` keeps the same
    problem (the same transaction, refund or statement line) from being listed twice."""

    class Kind(models.TextChoices):
        AMOUNT_MISMATCH = "amount_mismatch", _("Amount or currency differs from the order")
        MERCHANT_MISMATCH = "merchant_mismatch", _("App id or merchant id differs")
        UNKNOWN_ORDER = "unknown_order", _("Payment for an unknown order")
        LATE_PAYMENT = "late_payment", _("Late or duplicate payment")
        REFUND_FAILED = "refund_failed", _("Refund failed")
        RECONCILIATION = "reconciliation", _("Reconciliation mismatch")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    provider = models.CharField(_("provider"), max_length=16, choices=Platform.choices)
    reference = models.CharField(_("reference"), max_length=128)
    order = models.ForeignKey(
        "order.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="payment_problems"
    )
    out_trade_no = models.CharField(_("out trade no"), max_length=64, blank=True, db_index=True)
    message = models.CharField(_("message"), max_length=255)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("found"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("payment problem")
        verbose_name_plural = _("payment problems")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "provider", "reference"], name="payment_problem_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.reference}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class ReconciliationRun(models.Model):
    """One provider's statement for one day matched against our payments and refunds.
    Running a day again replaces its lines."""

    provider = models.CharField(_("provider"), max_length=16, choices=Platform.choices)
    day = models.DateField(_("day"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    statement_lines = models.PositiveIntegerField(_("statement lines"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    mismatches = models.PositiveIntegerField(_("mismatches"), default=0)
    error = models.CharField(_("error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        ordering = ["-day", "provider"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "day"], name="reconciliation_run_per_day"),
        ]

    def __str__(self):
        return f"{self.get_provider_display()} {self.day}"

    @property
    def is_clean(self) -> bool:
        return self.finished_at is not None and not self.error and self.mismatches == 0


class ReconciliationLine(models.Model):
    class Kind(models.TextChoices):
        MISSING_OURS = "missing_ours", _("On their statement, not in our records")
        MISSING_THEIRS = "missing_theirs", _("In our records, not on their statement")
        AMOUNT_DIFFERS = "amount_differs", _("Amounts differ")

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("mismatch"), max_length=16, choices=Kind.choices)
    entry = models.CharField(_("entry"), max_length=8)  # "payment" or "refund"
    out_trade_no = models.CharField(_("out trade no"), max_length=64, blank=True)
    reference = models.CharField(_("transaction id or out refund no"), max_length=128)
    their_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    our_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("reconciliation mismatch")
        verbose_name_plural = _("reconciliation mismatches")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.reference}"

    @property
    def difference(self):
        return (self.their_amount or Decimal("0")) - (self.our_amount or Decimal("0"))
