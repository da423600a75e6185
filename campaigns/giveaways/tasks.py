"""Celery tasks of giveaways. Thin: each calls one service (imported inside the task, the one
sanctioned lazy import). The periodic ones are scheduled in config/celery.py's BEAT_SCHEDULE."""

from celery import shared_task

from platforms.base import PlatformUnavailable

RETRY = {"autoretry_for": (PlatformUnavailable,), "max_retries": 8, "retry_backoff": 30, "retry_backoff_max": 3600}


@shared_task(name="giveaways.tasks.send_cash_prize", **RETRY)
def send_cash_prize(win_id):
    """A claimed cash prize: WeChat Pay's merchant transfer is created (once per win)."""
    from campaigns.giveaways import services

    services.send_cash_prize(win_id=win_id)


@shared_task(name="giveaways.tasks.run_schedule")
def run_schedule():
    """Every minute: scheduled publishing, closing ended giveaways, due draws, lapsed claims."""
    from campaigns.giveaways import services

    return {
        "published": services.publish_due(),
        "closed": services.close_due(),
        "drawn": services.draw_due(),
        "lapsed": services.lapse_unclaimed(),
    }


@shared_task(name="giveaways.tasks.refresh_cash_prizes")
def refresh_cash_prizes():
    """Every 10 minutes: transfers still in flight are queried (a notification may never come)."""
    from campaigns.giveaways import services
    from campaigns.giveaways.models import Win

    ids = Win.objects.filter(fulfilment=Win.Fulfilment.IN_PROGRESS).exclude(out_bill_no="").values_list("pk", flat=True)
    for win_id in ids[:200]:
        services.refresh_cash_prize(win_id=win_id)


@shared_task(name="giveaways.tasks.move_entries_of_merged_member", autoretry_for=(Exception,), max_retries=5)
def move_entries_of_merged_member(source_id, target_id):
    from campaigns.giveaways import services

    return services.move_entries_of_merged_member(source_id=source_id, target_id=target_id)


@shared_task(name="giveaways.tasks.erase_entries_of_member", autoretry_for=(Exception,), max_retries=5)
def erase_entries_of_member(member_id):
    from campaigns.giveaways import services

    return services.erase_entries_of_member(member_id=member_id)
