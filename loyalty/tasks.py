"""Celery tasks of loyalty. Thin: each calls one service (imported inside the task, the one
sanctioned lazy import). Receivers of order and member events queue one of these each, with
retries; periodic ones are scheduled in config/celery.py's BEAT_SCHEDULE."""

from celery import shared_task

from config.tasks import RETRY


# --- receivers of order events ---------------------------------------------------------------------
@shared_task(name="loyalty.tasks.award_points_for_order", **RETRY)
def award_points_for_order(order_id):
    """order_paid: the order's points, pending until it completes."""
    from loyalty import services

    services.award_points_for_order(order_id=order_id)


@shared_task(name="loyalty.tasks.consume_points_of_order", **RETRY)
def consume_points_of_order(order_id):
    """order_paid: the points reserved at checkout are spent."""
    from loyalty import services

    services.consume_points_of_order(order_id=order_id)


@shared_task(name="loyalty.tasks.confirm_points_for_order", **RETRY)
def confirm_points_for_order(order_id):
    """order_completed: pending points become available."""
    from loyalty import services

    services.confirm_points_for_order(order_id=order_id)


@shared_task(name="loyalty.tasks.release_points_of_cancelled_order", **RETRY)
def release_points_of_cancelled_order(order_id):
    """order_cancelled: reserved points come back, pending ones are voided."""
    from loyalty import services

    services.release_points_of_cancelled_order(order_id=order_id)


@shared_task(name="loyalty.tasks.settle_refund_points", **RETRY)
def settle_refund_points(order_id, refund_number, amount, fully_refunded):
    """order_refunded: earned points taken back, spent points given back, in proportion."""
    from decimal import Decimal

    from loyalty import services

    services.settle_refund_points(
        order_id=order_id, refund_number=refund_number, amount=Decimal(amount), fully_refunded=fully_refunded
    )


# --- receivers of member events ----------------------------------------------------------------------
@shared_task(name="loyalty.tasks.award_first_login_bonus", **RETRY)
def award_first_login_bonus(member_id):
    from loyalty import services

    services.award_first_login_bonus(member_id=member_id)


@shared_task(name="loyalty.tasks.award_phone_bound_bonus", **RETRY)
def award_phone_bound_bonus(member_id):
    from loyalty import services

    services.award_phone_bound_bonus(member_id=member_id)


@shared_task(name="loyalty.tasks.move_points_of_merged_member", **RETRY)
def move_points_of_merged_member(source_id, target_id):
    from loyalty import services

    services.move_points_of_merged_member(source_id=source_id, target_id=target_id)


@shared_task(name="loyalty.tasks.erase_points_of_member", **RETRY)
def erase_points_of_member(member_id):
    from loyalty import services

    services.erase_points_of_member(member_id=member_id)


# --- periodic ------------------------------------------------------------------------------------------
@shared_task(name="loyalty.tasks.expire_points")
def expire_points():
    from loyalty import services

    return services.expire_points()


@shared_task(name="loyalty.tasks.confirm_due_order_points")
def confirm_due_order_points():
    from loyalty import services

    return services.confirm_due_order_points()


@shared_task(name="loyalty.tasks.award_birthday_bonuses")
def award_birthday_bonuses():
    from loyalty import services

    return services.award_birthday_bonuses()


@shared_task(name="loyalty.tasks.review_tiers")
def review_tiers():
    from loyalty import services

    return services.review_tiers()


@shared_task(name="loyalty.tasks.verify_points")
def verify_points():
    """Daily: ledger vs lots vs accounts; drift is logged as an error and kept as a PointsCheck."""
    from loyalty.verification import verify_points as verify

    check = verify()
    return {"accounts": check.accounts, "drifted": check.drifted}
