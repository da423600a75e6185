"""What campaigns does when members join or merge, orders are placed or paid, and products or
campaign pages are published. Each receiver queues one retryable task."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save

from campaigns import tasks
from storefront.members.events import member_joined, member_logged_in, member_merged
from storefront.orders.events import order_paid, order_placed


def join_visits_of_new_member(sender, member_id, **kwargs):
    tasks.join_visits_of_new_member.delay(member_id)


def join_visits_of_returning_member(sender, member_id, ref, **kwargs):
    tasks.join_visits_of_returning_member.delay(member_id, ref)


def move_visits_of_merged_member(sender, source_id, target_id, **kwargs):
    tasks.move_visits_of_merged_member.delay(source_id, target_id)


def attribute_placed_order(sender, order, **kwargs):
    tasks.attribute_order.delay(order.pk)


def record_paid_order(sender, order, **kwargs):
    tasks.record_paid_order.delay(order.pk)


# WeChat search needs a certified account with the feature enabled: off unless the brand has it.
def queue_published_product(sender, instance, **kwargs):
    if settings.CAMPAIGNS_SEARCH_SUBMIT and instance.is_public and instance.parent_id is None:
        transaction.on_commit(lambda: tasks.queue_product_for_search.delay(instance.pk), robust=True)


def queue_published_entry_point(sender, instance, **kwargs):
    if settings.CAMPAIGNS_SEARCH_SUBMIT and instance.is_active and instance.submit_to_search:
        transaction.on_commit(lambda: tasks.queue_entry_point_for_search.delay(instance.pk), robust=True)


def connect():
    from oscar.apps.catalogue.models import Product

    from campaigns.models import EntryPoint

    member_joined.connect(join_visits_of_new_member, dispatch_uid="campaigns.join_visits_of_new_member")
    member_logged_in.connect(join_visits_of_returning_member, dispatch_uid="campaigns.join_visits_of_returning_member")
    member_merged.connect(move_visits_of_merged_member, dispatch_uid="campaigns.move_visits_of_merged_member")
    order_placed.connect(attribute_placed_order, dispatch_uid="campaigns.attribute_placed_order")
    order_paid.connect(record_paid_order, dispatch_uid="campaigns.record_paid_order")
    post_save.connect(queue_published_product, sender=Product, dispatch_uid="campaigns.queue_published_product")
    post_save.connect(
        queue_published_entry_point, sender=EntryPoint, dispatch_uid="campaigns.queue_published_entry_point"
    )
