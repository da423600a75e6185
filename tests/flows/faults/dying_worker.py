"""Loaded by the Celery worker of test_worker.py (`celery worker -I ...`): the first task the
worker runs dies with its process, by SIGKILL, as an out-of-memory kill or a lost machine does.

FAULTS_DIE_AT says when: "prerun" (before the task's body) or "postrun" (after the body has
done its work and committed, before the message is acknowledged). FAULTS_DIE_MARKER is a file
written just before dying, so the redelivered task runs normally."""

import os
import signal
from pathlib import Path

from celery import signals


def _die_once(**_kwargs):
    marker = Path(os.environ["FAULTS_DIE_MARKER"])
    if marker.exists():
        return
    marker.write_text(str(os.getpid()))
    os.kill(os.getpid(), signal.SIGKILL)


if os.environ.get("FAULTS_DIE_AT") == "prerun":
    signals.task_prerun.connect(_die_once, weak=False)
elif os.environ.get("FAULTS_DIE_AT") == "postrun":
    signals.task_postrun.connect(_die_once, weak=False)
