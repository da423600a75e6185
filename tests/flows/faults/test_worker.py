"""A worker fails in the middle of a job: the job is run again and done exactly once.

Two ways a job is interrupted. Its body raises (the database went away for a moment): the
task's autoretry runs it again. Its process dies (killed for memory, the machine lost): the
message was not acknowledged yet (CELERY_TASK_ACKS_LATE), and config/celery.py has the
worker give it back to the queue (task_reject_on_worker_lost), so another process runs it."""

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from celery import Celery
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection

from loyalty import services as loyalty_services
from loyalty.models import Rules
from platforms.models import NoticeLog
from platforms.sandbox.models import SubscribeMessage
from tests.steps import ok, wechat_login

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_a_job_whose_body_fails_on_the_database_is_retried_and_awards_the_points_once(story, as_a_worker, monkeypatch):
    Rules.objects.create(earn_points_per_yuan=Decimal("1.00"), check_in_points=5)
    real_award = loyalty_services.award_points_for_order
    calls = []

    def database_blip_first(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_award(**kwargs)

    monkeypatch.setattr(loyalty_services, "award_points_for_order", database_blip_first)
    number = story.paid_pickup_order()  # 祁门红茶 45.50: 45 points, pending until completed

    assert len(calls) == 2  # the failed attempt and its retry
    account = ok(story.shopper.get("/api/v1/loyalty/account/"))
    assert (account["available"], account["pending"]) == (0, 45)
    entries = ok(story.shopper.get("/api/v1/loyalty/ledger/"))
    entries = entries["results"] if isinstance(entries, dict) else entries
    assert [entry["pending_delta"] for entry in entries if entry["order_number"] == number] == [45]


def _database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _worker_log(path):
    return path.read_text(errors="replace") if path.exists() else ""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("die_at", ["prerun", "postrun"])
def test_a_worker_killed_in_the_middle_of_a_task_has_it_run_again_and_the_notice_sent_once(api, tmp_path, die_at):
    """A real worker on Redis and this test's database; its process is killed by SIGKILL
    before the task's body ("prerun") or after the body sent the notice ("postrun")."""
    broker = os.environ.get("REDIS_URL")
    if not broker:
        pytest.skip("needs Redis as the broker: set REDIS_URL=redis://... (CI does)")
    _shopper, openid, _login = wechat_login(api)
    member = get_user_model().objects.get(identities__openid=openid)
    notice = NoticeLog.objects.create(
        member=member,
        platform="wechat",
        event="order_shipped",
        template_id="tpl-wechat-order_shipped",
        openid=openid,
        page="pages/order/detail?number=261207FAULTS",
        data={"character_string1": "261207FAULTS"},
    )

    queue = f"faults-{os.getpid()}-{die_at}"
    marker, log_path = tmp_path / "died", tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "SANDBOX_DELIVERY": "inline",
        "FAULTS_DIE_AT": die_at,
        "FAULTS_DIE_MARKER": str(marker),
    }
    command = [sys.executable, "-m", "celery", "-A", "config.celery", "worker", "-Q", queue, "-c", "1"]
    command += ["-P", "prefork", "-I", "tests.flows.faults.dying_worker", "-l", "INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        Celery(broker=broker, set_as_current=False).send_task(
            "platforms.tasks.deliver_notice", args=[notice.pk], queue=queue
        )

        # Bounded wait until a run after the process died has finished (a lost job never does).
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _rerun_result(_worker_log(log_path)):
            assert worker.poll() is None, _worker_log(log_path)[-3000:]
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()

    text = _worker_log(log_path)
    assert marker.exists() and "WorkerLostError" in text, text[-3000:]  # the process did die
    rerun = _rerun_result(text)
    assert rerun, f"the job was not run again after its worker died:\n{text[-3000:]}"
    notice.refresh_from_db()
    assert notice.status == NoticeLog.Status.SENT
    assert SubscribeMessage.objects.filter(touser=openid).count() == 1
    # Killed before the body: the run again sends it. Killed after: it finds it sent and stops.
    assert rerun == {"prerun": "'sent'", "postrun": "'gone'"}[die_at]


def _rerun_result(text):
    """The result of the deliver_notice run that finished after the worker process died."""
    _before, lost, after = text.partition("WorkerLostError")
    if not lost:
        return None
    for line in after.splitlines():
        if "platforms.tasks.deliver_notice[" in line and " succeeded in " in line:
            return line.rsplit(": ", 1)[-1].strip()
    return None
