"""Admin for operations: payments and refunds per order, the raw notification log, the
payment problems list, and reconciliation runs with a button to run a day.

Money moves only through the payment services: a refund made here is `start_refund`, the
same path as an approved after-sales request."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config import console
from config.errors import KitError
from platforms.base import PLATFORMS
from storefront.payments import problems, refunds
from storefront.payments import reconciliation as reconciliation_services
from storefront.payments.models import (
    NotificationLog,
    PaymentAttempt,
    PaymentProblem,
    PaymentTransaction,
    ReconciliationLine,
    ReconciliationRun,
    Refund,
)


class ReadOnlyMixin:
    """What the providers told us is evidence: nobody edits it by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefundInline(ReadOnlyMixin, console.TabularInline):
    model = Refund
    fk_name = "transaction"
    extra = 0
    fields = ("out_refund_no", "amount", "kind", "status", "reason", "error", "created_at", "completed_at")
    readonly_fields = fields


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(ReadOnlyMixin, console.ModelAdmin):
    list_display = ("out_trade_no", "provider", "amount", "status", "expires_at", "created_at")
    list_filter = ("provider", "status")
    search_fields = ("out_trade_no", "reference")
    list_select_related = ("order",)
    readonly_fields = [f.name for f in PaymentAttempt._meta.fields]


class FullRefundForm(forms.Form):
    reason = forms.CharField(max_length=200, label=_("reason"))


@admin.register(PaymentTransaction)
class PaymentTransactionAdmin(ReadOnlyMixin, console.ModelAdmin):
    list_display = ("transaction_id", "out_trade_no", "provider", "amount", "status", "source", "paid_at")
    list_filter = ("provider", "status", "source")
    search_fields = ("transaction_id", "out_trade_no")
    date_hierarchy = "paid_at"
    readonly_fields = [f.name for f in PaymentTransaction._meta.fields]
    inlines = [RefundInline]
    actions = ["refund_in_full"]

    @admin.action(description=_("Refund selected payments in full"), permissions=["refund"])
    def refund_in_full(self, request, queryset):
        for txn in queryset.select_related("order"):
            try:
                refund = refunds.start_refund(
                    order=txn.order,
                    payment=txn,
                    reason="refunded by operations",
                    key=f"A{txn.pk}",
                    actor=request.user,
                )
            except KitError as exc:
                self.message_user(request, f"{txn.out_trade_no}: {exc.message}", messages.ERROR)
                continue
            self.message_user(
                request, f"{txn.out_trade_no}: refund {refund.out_refund_no} {refund.get_status_display()}"
            )

    def has_refund_permission(self, request):
        return request.user.has_perm("storefront.add_refund")


class RefundAddForm(forms.ModelForm):
    """A full or partial refund of one payment. The amount defaults to what is left."""

    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        min_value=0.01,
        help_text=_("Leave empty to refund everything not yet refunded."),
    )

    class Meta:
        model = Refund
        fields = ("transaction", "amount", "reason")

    def clean(self):
        data = super().clean()
        txn = data.get("transaction")
        if txn is not None:
            left = txn.amount - refunds.refunded_or_in_flight(txn)
            if data.get("amount") is not None and data["amount"] > left:
                self.add_error("amount", _("At most %(left)s can still be refunded.") % {"left": left})
            elif left <= 0:
                self.add_error("transaction", _("This payment is refunded already."))
        return data


@admin.register(Refund)
class RefundAdmin(console.ModelAdmin):
    list_display = (
        "out_refund_no",
        "order_number",
        "provider",
        "amount",
        "kind",
        "status",
        "created_at",
        "completed_at",
    )
    list_filter = ("provider", "status", "kind")
    search_fields = ("out_refund_no", "order__number", "transaction__transaction_id")
    list_select_related = ("order",)
    raw_id_fields = ("transaction",)
    actions = ["ask_provider"]

    @admin.display(description=_("order"), ordering="order__number")
    def order_number(self, obj):
        return obj.order.number

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = RefundAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [f.name for f in Refund._meta.fields]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("transaction", "amount", "reason")
        return [f.name for f in Refund._meta.fields if f.name != "id"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        txn = data["transaction"]
        try:
            refund = refunds.start_refund(
                order=txn.order,
                payment=txn,
                amount=data.get("amount"),
                reason=data.get("reason") or "",
                actor=request.user,
            )
        except KitError as exc:
            # Shown on the form instead of a half-saved row.
            form.add_error(None, exc.message)
            raise _RefundFormError(exc.message)
        obj.pk = refund.pk
        obj.refresh_from_db()

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except _RefundFormError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return redirect(request.get_full_path())

    @admin.action(description=_("Ask the provider about selected refunds"))
    def ask_provider(self, request, queryset):
        for refund in queryset.select_related("transaction"):
            if refund.status == Refund.Status.PENDING:
                try:
                    refunds.submit_refund(refund.pk)
                except KitError:
                    pass
                except Exception as exc:
                    self.message_user(request, f"{refund.out_refund_no}: {exc}", messages.WARNING)
            elif refund.status == Refund.Status.PROCESSING:
                refunds.sync_refund(refund)
        self.message_user(request, _("Asked the providers."))


class _RefundFormError(Exception):
    pass


@admin.register(NotificationLog)
class NotificationLogAdmin(ReadOnlyMixin, console.ModelAdmin):
    list_display = ("received_at", "provider", "kind", "out_trade_no", "verified", "outcome", "reason")
    list_filter = ("provider", "verified", "outcome", "kind")
    search_fields = ("out_trade_no", "notification_id", "reason")
    date_hierarchy = "received_at"
    readonly_fields = [f.name for f in NotificationLog._meta.fields]


class OpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("open", _("Open")), ("resolved", _("Resolved")))

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at=None)
        if self.value() == "resolved":
            return queryset.exclude(resolved_at=None)
        return queryset


@admin.register(PaymentProblem)
class PaymentProblemAdmin(ReadOnlyMixin, console.ModelAdmin):
    list_display = ("created_at", "kind", "provider", "out_trade_no", "message", "resolved_at")
    list_filter = (OpenFilter, "kind", "provider")
    search_fields = ("out_trade_no", "reference", "message")
    readonly_fields = [f.name for f in PaymentProblem._meta.fields]
    actions = ["mark_resolved"]

    def has_change_permission(self, request, obj=None):
        # Only for the "resolved" action; the fields stay read-only.
        return request.user.has_perm("storefront.change_paymentproblem")

    @admin.action(description=_("Mark selected problems resolved"))
    def mark_resolved(self, request, queryset):
        for problem in queryset:
            problems.mark_problem_resolved(problem=problem, actor=request.user)


class ReconciliationLineInline(ReadOnlyMixin, console.TabularInline):
    model = ReconciliationLine
    extra = 0
    fields = ("kind", "entry", "out_trade_no", "reference", "their_amount", "our_amount")
    readonly_fields = fields


class RunReconciliationForm(forms.Form):
    day = forms.DateField(label=_("day"), widget=forms.DateInput(attrs={"type": "date"}))
    provider = forms.ChoiceField(choices=[("", _("All providers"))] + [(p, p) for p in PLATFORMS], required=False)


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyMixin, console.ModelAdmin):
    list_display = ("day", "provider", "statement_lines", "matched", "mismatches", "clean", "error", "finished_at")
    list_filter = ("provider",)
    date_hierarchy = "day"
    readonly_fields = [f.name for f in ReconciliationRun._meta.fields]
    inlines = [ReconciliationLineInline]
    actions = ["run_again"]
    change_list_template = "admin/storefront/reconciliationrun/change_list.html"

    @admin.display(boolean=True, description=_("clean"))
    def clean(self, obj):
        return obj.is_clean

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("storefront.change_reconciliationrun")

    def get_urls(self):
        return [
            path("run/", self.admin_site.admin_view(self.run_view), name="storefront_reconciliationrun_run"),
        ] + super().get_urls()

    def run_view(self, request):
        if not self.has_change_permission(request):
            return redirect(reverse("admin:storefront_reconciliationrun_changelist"))
        form = RunReconciliationForm(request.POST or None, initial={"day": timezone.localdate() - dt.timedelta(days=1)})
        if request.method == "POST" and form.is_valid():
            providers = [form.cleaned_data["provider"]] if form.cleaned_data["provider"] else list(PLATFORMS)
            for provider in providers:
                run = reconciliation_services.reconcile_day(provider=provider, day=form.cleaned_data["day"])
                self._report(request, run)
            return redirect(reverse("admin:storefront_reconciliationrun_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Run reconciliation"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/storefront/reconciliationrun/run.html", context)

    @admin.action(description=_("Run selected days again"))
    def run_again(self, request, queryset):
        for run in queryset:
            self._report(request, reconciliation_services.reconcile_day(provider=run.provider, day=run.day))

    def _report(self, request, run):
        if run.error:
            self.message_user(request, f"{run}: {run.error}", messages.ERROR)
        elif run.mismatches:
            self.message_user(request, f"{run}: {run.mismatches} mismatches", messages.WARNING)
        else:
            self.message_user(request, f"{run}: clean, {run.matched} lines matched")


class OrderPaymentInline(ReadOnlyMixin, console.TabularInline):
    """Payments of one order, on the operations' order screen."""

    model = PaymentTransaction
    fk_name = "order"
    extra = 0
    fields = ("provider", "transaction_id", "amount", "status", "learnt_from", "paid")
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = _("payments")

    @admin.display(description="来源")
    def learnt_from(self, obj):
        return SOURCES.get(obj.source, obj.source)

    @admin.display(description="付款时间")
    def paid(self, obj):
        return timezone.localtime(obj.paid_at).strftime("%Y-%m-%d %H:%M:%S") if obj.paid_at else "—"


# How the kit learnt of a payment, as the order page says it.
SOURCES = {"notification": "支付通知", "query": "主动查询", "reconciliation": "对账"}


class OrderRefundInline(RefundInline):
    """Refunds of one order, on the operations' order screen."""

    fk_name = "order"
    show_change_link = True
    verbose_name_plural = _("refunds")
