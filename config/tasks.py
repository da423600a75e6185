"""Tasks of the project itself (not of one app)."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone


@shared_task(name="config.tasks.heartbeat")
def heartbeat():
    """Records that the worker and beat are alive; /healthz reports the last beat."""
    cache.set("kit:worker-heartbeat", timezone.now().isoformat(), timeout=None)
