"""Celery tasks of offers. Thin: each calls one service (imported inside the task, the one
sanctioned lazy import). Receivers of order events queue one of these each, with retries;
the periodic one is scheduled in config/celery.py's BEAT_SCHEDULE."""

from celery import shared_task

from config.tasks import RETRY


@shared_task(name="offers.tasks.give_back_coupon_of_cancelled_order", **RETRY)
def give_back_coupon_of_cancelled_order(order_id):
    """order_cancelled (by the shopper, staff or the unpaid timeout): the coupon comes back."""
    from offers import services

    services.give_back_coupon_of_order(order_id=order_id)


@shared_task(name="offers.tasks.give_back_coupon_of_refunded_order", **RETRY)
def give_back_coupon_of_refunded_order(order_id):
    """order_refunded with the whole order refunded: the coupon comes back."""
    from offers import services

    services.give_back_coupon_of_order(order_id=order_id)


@shared_task(name="offers.tasks.send_coupon_expiry_notices")
def send_coupon_expiry_notices():
    """Hourly: "coupon about to expire", once per coupon."""
    from offers import services

    return services.send_expiry_notices()


@shared_task(name="offers.tasks.move_coupons_of_merged_member", **RETRY)
def move_coupons_of_merged_member(source_id, target_id):
    """member_merged: the absorbed member's coupons follow the survivor."""
    from offers import services

    return services.move_coupons(source_id=source_id, target_id=target_id)
