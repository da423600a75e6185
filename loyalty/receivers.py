"""What loyalty does when the storefront announces an order or member event. Each receiver
queues one retryable task (docs/decisions/0005-domain-events.md); the one exception is the
personal data export, whose receivers answer with their section."""

from loyalty import selectors, tasks
from storefront.members.events import member_data_exported, member_erased, member_joined, member_merged, phone_bound
from storefront.orders.events import order_cancelled, order_completed, order_paid, order_refunded


def award_points_of_paid_order(sender, order, **kwargs):
    tasks.award_points_for_order.delay(order.pk)


def consume_points_of_paid_order(sender, order, **kwargs):
    tasks.consume_points_of_order.delay(order.pk)


def confirm_points_of_completed_order(sender, order, **kwargs):
    tasks.confirm_points_for_order.delay(order.pk)


def release_points_of_cancelled_order(sender, order, **kwargs):
    tasks.release_points_of_cancelled_order.delay(order.pk)


def settle_points_of_refund(sender, order, refund_number, amount, fully_refunded, **kwargs):
    tasks.settle_refund_points.delay(order.pk, refund_number, str(amount), bool(fully_refunded))


def award_first_login_bonus(sender, member_id, **kwargs):
    tasks.award_first_login_bonus.delay(member_id)


def award_phone_bound_bonus(sender, member_id, **kwargs):
    tasks.award_phone_bound_bonus.delay(member_id)


def move_points_of_merged_member(sender, source_id, target_id, **kwargs):
    tasks.move_points_of_merged_member.delay(source_id, target_id)


def erase_points_of_erased_member(sender, member_id, **kwargs):
    tasks.erase_points_of_member.delay(member_id)


def export_points_of_member(sender, member, **kwargs):
    return selectors.export_points(member)


def connect():
    order_paid.connect(award_points_of_paid_order, dispatch_uid="loyalty.award_points_of_paid_order")
    order_paid.connect(consume_points_of_paid_order, dispatch_uid="loyalty.consume_points_of_paid_order")
    order_completed.connect(confirm_points_of_completed_order, dispatch_uid="loyalty.confirm_points_of_completed_order")
    order_cancelled.connect(release_points_of_cancelled_order, dispatch_uid="loyalty.release_points_of_cancelled_order")
    order_refunded.connect(settle_points_of_refund, dispatch_uid="loyalty.settle_points_of_refund")
    member_joined.connect(award_first_login_bonus, dispatch_uid="loyalty.award_first_login_bonus")
    phone_bound.connect(award_phone_bound_bonus, dispatch_uid="loyalty.award_phone_bound_bonus")
    member_merged.connect(move_points_of_merged_member, dispatch_uid="loyalty.move_points_of_merged_member")
    member_erased.connect(erase_points_of_erased_member, dispatch_uid="loyalty.erase_points_of_erased_member")
    member_data_exported.connect(export_points_of_member, dispatch_uid="loyalty.export_points_of_member")
