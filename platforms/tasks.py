"""Celery tasks of the platform layer: delivering queued subscribe-message notices."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from platforms.base import PlatformError, get_miniprogram
from platforms.models import NoticeLog

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


@shared_task(name="platforms.tasks.deliver_notice", bind=True, max_retries=MAX_ATTEMPTS - 1, acks_late=True)
def deliver_notice(self, log_id: int) -> str:
    """Send one queued notice; retry with backoff while the platform says a retry may succeed."""
    log = NoticeLog.objects.filter(pk=log_id, status=NoticeLog.Status.QUEUED).first()
    if log is None:
        return "gone"  # already sent (a redelivered task) or never queued
    log.attempts += 1
    try:
        get_miniprogram(log.platform).send_notice(
            openid=log.openid, template_id=log.template_id, page=log.page, data=log.data
        )
    except PlatformError as exc:
        log.error_code, log.error = exc.code, exc.message[:1000]
        if exc.retryable and self.request.retries < self.max_retries:
            log.save(update_fields=["attempts", "error_code", "error"])
            raise self.retry(countdown=min(30 * 2**self.request.retries, 600)) from exc
        status = NoticeLog.Status.NO_GRANT if exc.code == "no_grant" else NoticeLog.Status.FAILED
        with transaction.atomic():
            # Conditional: a redelivered task cannot end the same notice (and give back its grant) twice.
            ended = NoticeLog.objects.filter(pk=log.pk, status=NoticeLog.Status.QUEUED).update(
                attempts=log.attempts, error_code=log.error_code, error=log.error, status=status
            )
            # A refusal (not an outage that outlasted the retries, which may have been delivered)
            # leaves the shopper's subscription unused: it goes back to their grants.
            if ended and status == NoticeLog.Status.FAILED and not exc.retryable and log.member_id:
                from platforms import services

                services.give_back_grant(member_id=log.member_id, platform=log.platform, template_id=log.template_id)
        return status
    log.status, log.sent_at, log.error_code, log.error = NoticeLog.Status.SENT, timezone.now(), "", ""
    log.save(update_fields=["attempts", "status", "sent_at", "error_code", "error"])
    return log.status


# A notice still queued this long after it was created has no task coming for it: its
# retries (30 + 60 + 120 + 240 s of backoff) are long over, so the task died (a database
# error while it ran, a worker lost) or its message never reached the broker.
STUCK_AFTER = timedelta(minutes=15)


@shared_task(name="platforms.tasks.requeue_stuck_notices")
def requeue_stuck_notices(now=None) -> int:
    """Queue again, once each, the notices left queued past STUCK_AFTER. Each is marked in the
    same conditional update that picks it, so two sweeps at once queue it once, and a notice
    that sticks again stays as it is for staff to see in the notice log. A notice whose send
    went through but whose save failed may reach the platform a second time; a one-time
    subscription is refused there and the notice ends as `no_grant`. Returns how many."""
    now = now or timezone.now()
    stuck = NoticeLog.objects.filter(
        status=NoticeLog.Status.QUEUED, requeued_at__isnull=True, created_at__lt=now - STUCK_AFTER
    )
    requeued = 0
    for log_id in stuck.order_by("pk").values_list("pk", flat=True)[:1000]:
        if stuck.filter(pk=log_id).update(requeued_at=now):
            deliver_notice.delay(log_id)
            requeued += 1
    if requeued:
        logger.warning("queued %s stuck notices again", requeued)
    return requeued


# --- receivers of member events: one retried task each -------------------------------------
RETRY = {"autoretry_for": (Exception,), "max_retries": 8, "retry_backoff": 30, "retry_backoff_max": 3600}


@shared_task(name="platforms.tasks.move_notice_data", **RETRY)
def move_notice_data(source_id, target_id):
    """member_merged: grants and notice log follow the survivor."""
    from platforms import services

    services.move_notice_data(source_id=source_id, target_id=target_id)


@shared_task(name="platforms.tasks.erase_notice_data", **RETRY)
def erase_notice_data(member_id):
    """member_erased: grants go, the log loses the personal content."""
    from platforms import services

    services.erase_notice_data(member_id=member_id)
