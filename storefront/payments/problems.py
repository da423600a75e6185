"""Payment problems: what does not add up (unknown orders, amounts or merchants that do not
match, late payments, failed refunds, reconciliation differences), listed once each for
operations."""

import json

from django.db import IntegrityError, transaction
from django.utils import timezone

from storefront.payments.models import PaymentProblem


def record_problem(*, kind, provider, reference, message, order=None, out_trade_no="", details=None):
    """Lists a problem once per (kind, provider, reference), however often it is met."""
    key = {"kind": kind, "provider": provider, "reference": str(reference)[:128]}
    defaults = {
        "order": order,
        "out_trade_no": out_trade_no or (order.number if order else ""),
        "message": message[:255],
        "details": details or {},
    }
    try:
        with transaction.atomic():
            problem, _created = PaymentProblem.objects.get_or_create(**key, defaults=defaults)
    except IntegrityError:
        # The same problem met at the same moment by a concurrent delivery.
        problem = PaymentProblem.objects.get(**key)
    return problem


def jsonable(value):
    return json.loads(json.dumps(value or {}, default=str))


def mark_problem_resolved(*, problem: PaymentProblem, actor) -> None:
    PaymentProblem.objects.filter(pk=problem.pk, resolved_at=None).update(resolved_at=timezone.now(), resolved_by=actor)
