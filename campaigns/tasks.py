"""Celery tasks of campaigns. Thin: each calls one service (imported inside the task, the one
sanctioned lazy import). Each receiver of a member or order event queues one of these."""

import datetime as dt

from celery import shared_task

from config.tasks import RETRY


@shared_task(name="campaigns.tasks.join_visits_of_new_member", **RETRY)
def join_visits_of_new_member(member_id):
    """member_joined: the visits before the first login become the member's; the join is credited."""
    from campaigns import services

    services.join_visits_of_new_member(member_id=member_id)


@shared_task(name="campaigns.tasks.join_visits_of_returning_member", **RETRY)
def join_visits_of_returning_member(member_id, ref):
    """member_logged_in: a returning member's visits made before this login (logged out, or on
    a new phone) become theirs; nothing is credited again."""
    from campaigns import services

    services.join_visits(member_id=member_id, visitor=ref)


@shared_task(name="campaigns.tasks.move_visits_of_merged_member", **RETRY)
def move_visits_of_merged_member(source_id, target_id):
    from campaigns import services

    services.move_visits_of_merged_member(source_id=source_id, target_id=target_id)


@shared_task(name="campaigns.tasks.attribute_order", **RETRY)
def attribute_order(order_id):
    """order_placed: the entry point and sharer the order is credited to."""
    from campaigns import services

    services.attribute_order(order_id=order_id)


@shared_task(name="campaigns.tasks.record_paid_order", **RETRY)
def record_paid_order(order_id):
    """order_paid: the paid amount counts toward the entry point's GMV."""
    from campaigns import services

    services.record_paid_order(order_id=order_id)


@shared_task(name="campaigns.tasks.queue_product_for_search", **RETRY)
def queue_product_for_search(product_id):
    from campaigns import services

    services.queue_product_for_search(product_id=product_id)


@shared_task(name="campaigns.tasks.queue_entry_point_for_search", **RETRY)
def queue_entry_point_for_search(entry_point_id):
    from campaigns import services

    services.queue_entry_point_for_search(entry_point_id=entry_point_id)


@shared_task(name="campaigns.tasks.submit_search_pages", bind=True, **RETRY)
def submit_search_pages(self):
    """Pending pages to WeChat search; after 47006 (daily quota) again after Shanghai midnight."""
    from django.utils import timezone

    from campaigns import services
    from campaigns.models import SHANGHAI

    outcome = services.submit_search_pages()
    if outcome["quota"]:
        now = timezone.localtime(timezone.now(), SHANGHAI)
        tomorrow = (now + dt.timedelta(days=1)).replace(hour=0, minute=10, second=0, microsecond=0)
        self.apply_async(countdown=int((tomorrow - now).total_seconds()))
    return outcome
