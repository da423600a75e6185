"""The Celery app. Apps declare periodic jobs in BEAT_SCHEDULE below, next to each other,
so the whole schedule of the store can be read in one place."""

import os

from celery import Celery
from celery.schedules import crontab  # noqa: F401  used by the schedule entries apps add

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("kit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# name -> {"task": dotted path, "schedule": seconds or crontab}
BEAT_SCHEDULE = {
    "heartbeat": {"task": "config.tasks.heartbeat", "schedule": 60.0},
}
app.conf.beat_schedule = BEAT_SCHEDULE
