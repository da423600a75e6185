"""Celery tasks of flash sales. Thin: each calls one service (imported inside the task)."""

from celery import shared_task

from config.tasks import RETRY


@shared_task(name="flashsales.tasks.give_back_units_of_cancelled_order", **RETRY)
def give_back_units_of_cancelled_order(order_id):
    """order_cancelled: the order's flash-sale units go back to the sale and its counter."""
    from flashsales import services

    services.give_back_units_of_order(order_id=order_id)


@shared_task(name="flashsales.tasks.rebuild_counters")
def rebuild_counters():
    """The fast counters set again from the database (after a Redis restart, or as a check)."""
    from flashsales import services

    return services.rebuild_counters()


@shared_task(name="flashsales.tasks.move_buyers_of_merged_member", **RETRY)
def move_buyers_of_merged_member(source_id, target_id):
    """member_merged: the absorbed member's flash-sale purchases count for the survivor."""
    from flashsales import services

    return services.move_buyers(source_id=source_id, target_id=target_id)
