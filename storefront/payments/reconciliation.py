"""Daily reconciliation: each provider's statement for a day against our payments and refunds.

Every statement line must match one of our transactions (by transaction id) or refunds (by
out refund no) with the same amount; every payment and completed refund of ours that day
must be on the statement. What does not match becomes a `ReconciliationLine` and a
`PaymentProblem` for operations. Running a day again replaces its lines.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from config.money import to_yuan
from platforms.base import PLATFORMS, PlatformError, get_payment_provider
from storefront.payments.models import (
    PaymentProblem,
    PaymentTransaction,
    ReconciliationLine,
    ReconciliationRun,
    Refund,
)
from storefront.payments.problems import record_problem

logger = logging.getLogger(__name__)


def day_bounds(day: dt.date):
    """The day in the shop's time zone (the providers' statements use Beijing time)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def reconcile_all(*, day: dt.date | None = None) -> list[ReconciliationRun]:
    day = day or (timezone.localdate() - dt.timedelta(days=1))
    return [reconcile_day(provider=name, day=day) for name in PLATFORMS]


def reconcile_day(*, provider: str, day: dt.date) -> ReconciliationRun:
    started = timezone.now()
    try:
        statement = get_payment_provider(provider).statement(day)
    except PlatformError as exc:
        run, _ = ReconciliationRun.objects.update_or_create(
            provider=provider,
            day=day,
            defaults={"started_at": started, "finished_at": None, "error": f"{exc.code}: {exc.message}"[:255]},
        )
        return run

    start, end = day_bounds(day)
    theirs_payments = {line.transaction_id: line for line in statement if line.kind == "payment"}
    theirs_refunds = {line.out_refund_no: line for line in statement if line.kind == "refund"}
    ours_payments = {
        t.transaction_id: t
        for t in PaymentTransaction.objects.filter(provider=provider, transaction_id__in=list(theirs_payments))
    }
    ours_refunds = {
        r.out_refund_no: r
        for r in Refund.objects.filter(provider=provider, out_refund_no__in=list(theirs_refunds)).select_related(
            "transaction"
        )
    }
    mismatches = []
    matched = 0
    for entry, theirs, ours in (("payment", theirs_payments, ours_payments), ("refund", theirs_refunds, ours_refunds)):
        for reference, line in theirs.items():
            mine = ours.get(reference)
            if mine is None or (entry == "refund" and mine.status != Refund.Status.SUCCESS):
                mismatches.append(_line("missing_ours", entry, line.out_trade_no, reference, line.amount, None))
            elif to_yuan(mine.amount) != to_yuan(line.amount):
                mismatches.append(
                    _line("amount_differs", entry, line.out_trade_no, reference, line.amount, mine.amount)
                )
            else:
                matched += 1
    for txn in PaymentTransaction.objects.filter(provider=provider, paid_at__gte=start, paid_at__lt=end).exclude(
        transaction_id__in=list(theirs_payments)
    ):
        mismatches.append(_line("missing_theirs", "payment", txn.out_trade_no, txn.transaction_id, None, txn.amount))
    for refund in (
        Refund.objects.filter(
            provider=provider, status=Refund.Status.SUCCESS, completed_at__gte=start, completed_at__lt=end
        )
        .exclude(out_refund_no__in=list(theirs_refunds))
        .select_related("transaction")
    ):
        mismatches.append(
            _line(
                "missing_theirs", "refund", refund.transaction.out_trade_no, refund.out_refund_no, None, refund.amount
            )
        )

    with transaction.atomic():
        run, _ = ReconciliationRun.objects.select_for_update().get_or_create(provider=provider, day=day)
        run.lines.all().delete()
        for line in mismatches:
            line.run = run
        ReconciliationLine.objects.bulk_create(mismatches)
        run.started_at = started
        run.finished_at = timezone.now()
        run.statement_lines = len(statement)
        run.matched = matched
        run.mismatches = len(mismatches)
        run.error = ""
        run.save()
        for line in mismatches:
            record_problem(
                kind=PaymentProblem.Kind.RECONCILIATION,
                provider=provider,
                reference=f"{day}:{line.entry}:{line.reference}",
                out_trade_no=line.out_trade_no,
                message=f"{day}: {line.get_kind_display()} ({line.entry} {line.reference})",
                details={
                    "their_amount": None if line.their_amount is None else str(line.their_amount),
                    "our_amount": None if line.our_amount is None else str(line.our_amount),
                },
            )
    return run


def _line(kind, entry, out_trade_no, reference, theirs, ours):
    return ReconciliationLine(
        kind=kind,
        entry=entry,
        out_trade_no=out_trade_no or "",
        reference=reference,
        their_amount=None if theirs is None else to_yuan(theirs),
        our_amount=None if ours is None else to_yuan(ours),
    )
