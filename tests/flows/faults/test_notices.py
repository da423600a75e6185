"""The database fails while a notice is being delivered: the task dies, the notice stays
queued with no task coming for it. The periodic sweep queues it again, once, after the
retries would have ended; the shopper gets it once, and a later sweep sends nothing more."""

import datetime as dt

import pytest
from django.db import OperationalError
from django.utils import timezone

from platforms import tasks
from platforms.models import NoticeLog
from platforms.sandbox.models import SubscribeMessage
from tests.steps import notice_templates, ok, pay_wechat

pytestmark = pytest.mark.django_db


def _grant_paid_notice(story):
    (paid, *_others) = notice_templates("wechat")
    ok(
        story.shopper.post(
            "/api/v1/notifications/grants/",
            {"platform": "wechat", "accepted": [paid.template_id], "rejected": []},
            format="json",
        )
    )
    return paid


def _database_fails_once_in_deliver_notice(monkeypatch):
    real = tasks.get_miniprogram
    failed = []

    def connection_lost(platform):
        if not failed:
            failed.append(platform)
            raise OperationalError("server closed the connection unexpectedly")
        return real(platform)

    monkeypatch.setattr(tasks, "get_miniprogram", connection_lost)
    return failed


def test_a_notice_whose_task_died_on_a_database_error_is_queued_again_once_and_sent_once(
    story, monkeypatch, as_a_worker
):
    template = _grant_paid_notice(story)
    number = story.place_pickup_order()
    failed = _database_fails_once_in_deliver_notice(monkeypatch)

    pay_wechat(story.api, story.shopper, number, story.committed)

    # The payment went through; the notice's task died and nothing will retry it.
    assert failed and story.status(number) == "paid"
    log = NoticeLog.objects.get(event="order_paid")
    assert log.status == NoticeLog.Status.QUEUED and log.requeued_at is None
    assert not SubscribeMessage.objects.exists()

    # While its retries could still be running, the sweep leaves it alone.
    assert tasks.requeue_stuck_notices(now=log.created_at + dt.timedelta(minutes=5)) == 0

    later = log.created_at + tasks.STUCK_AFTER + dt.timedelta(seconds=1)
    assert tasks.requeue_stuck_notices(now=later) == 1
    assert tasks.requeue_stuck_notices(now=later + dt.timedelta(hours=1)) == 0

    log.refresh_from_db()
    assert (log.status, log.requeued_at) == (NoticeLog.Status.SENT, later)
    assert SubscribeMessage.objects.filter(touser=story.openid, template_id=template.template_id).count() == 1


def test_a_notice_that_sticks_again_is_queued_again_only_once(story, monkeypatch, as_a_worker):
    _grant_paid_notice(story)
    number = story.place_pickup_order()

    def always_lost(platform):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tasks, "get_miniprogram", always_lost)
    pay_wechat(story.api, story.shopper, number, story.committed)
    log = NoticeLog.objects.get(event="order_paid")

    later = timezone.now() + tasks.STUCK_AFTER + dt.timedelta(minutes=1)
    assert tasks.requeue_stuck_notices(now=later) == 1
    assert tasks.requeue_stuck_notices(now=later + dt.timedelta(days=1)) == 0

    # Left queued, marked, for staff to see in the notice log; nothing reached the shopper.
    log.refresh_from_db()
    assert log.status == NoticeLog.Status.QUEUED and log.requeued_at == later
    assert not SubscribeMessage.objects.exists()


def test_the_sweep_is_on_the_beat_schedule():
    from config.celery import BEAT_SCHEDULE

    assert any(entry["task"] == "platforms.tasks.requeue_stuck_notices" for entry in BEAT_SCHEDULE.values())
