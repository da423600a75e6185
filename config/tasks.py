"""Tasks of the project itself (not of one app)."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

# How the kit's tasks retry work that must not be lost: any error, eight more times, waiting
# 30 s, 60 s, ... up to an hour between tries (docs/decisions/0005-domain-events.md).
RETRY = {"autoretry_for": (Exception,), "max_retries": 8, "retry_backoff": 30, "retry_backoff_max": 3600}


@shared_task(name="config.tasks.heartbeat")
def heartbeat():
    """Records that the worker and beat are alive; /healthz reports the last beat."""
    cache.set("kit:worker-heartbeat", timezone.now().isoformat(), timeout=None)
