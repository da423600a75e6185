"""Sending a domain event (a Django signal) once the current transaction commits.

Every domain announces what happened through this one function, so no receiver ever hears
of a change that was rolled back, and one failing receiver neither stops nor hides the
others (`send_robust`; the failure is logged with its traceback)."""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)


def send_after_commit(signal: Signal, *, sender, **kwargs) -> None:
    """Sends `signal` when the current transaction commits (at once outside one)."""

    def send():
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                logger.error("receiver %r of %r failed", receiver, signal, exc_info=result)

    transaction.on_commit(send, robust=True)
