"""Order status changes: one service, under the order's row lock, checked against the row as
it is now; `refunding` ends only in `refunded` or where the order was before."""

from decimal import Decimal

import django
import pytest
from oscar.apps.order.models import Order

from storefront.orders import events
from storefront.orders.errors import InvalidOrderState
from storefront.orders.services import confirm_receipt
from storefront.orders.status import change_order_status
from storefront.payments import refunds
from storefront.payments import services as payments
from tests.factories import member_with_identity, pending_order

pytestmark = pytest.mark.django_db


def shipped_order(providers, committed):
    order = pending_order(user=member_with_identity("wechat"), quantity=2, price=Decimal("10.00"))
    with committed():
        payments.record_payment(provider="wechat", trade=providers["wechat"].paid_trade(order))
    change_order_status(order, "shipped", actor="test", reason="parcel handed to the carrier")
    order.refresh_from_db()
    assert order.status == "shipped"
    return order


def test_a_receipt_confirmed_from_a_stale_copy_does_not_complete_a_refunding_order(providers, committed):
    order = shipped_order(providers, committed)
    shoppers_copy = Order.objects.get(pk=order.pk)  # loaded by the shopper's request: shipped
    providers["wechat"].refund_result = "processing"
    refunds.start_refund(order=order, amount=Decimal("20.00"), key="AS1", reason="damaged")
    assert Order.objects.get(pk=order.pk).status == "refunding"

    with pytest.raises(InvalidOrderState):
        confirm_receipt(order=shoppers_copy, member=shoppers_copy.user)

    assert Order.objects.get(pk=order.pk).status == "refunding"


def test_a_full_refund_of_a_shipped_order_ends_refunded_not_completed(providers, committed):
    order = shipped_order(providers, committed)
    shoppers_copy = Order.objects.get(pk=order.pk)
    with committed():
        refunds.start_refund(order=order, amount=Decimal("20.00"), key="AS1", reason="damaged")
    with pytest.raises(InvalidOrderState):
        confirm_receipt(order=shoppers_copy, member=shoppers_copy.user)
    assert Order.objects.get(pk=order.pk).status == "refunded"


def test_a_partial_refund_puts_the_order_back_where_it_was(providers, committed):
    order = shipped_order(providers, committed)
    with committed():
        refunds.start_refund(order=order, amount=Decimal("5.00"), key="AS1", reason="one cup chipped")
    assert Order.objects.get(pk=order.pk).status == "shipped"


def test_refunding_cannot_jump_to_another_status(providers, committed):
    order = shipped_order(providers, committed)
    providers["wechat"].refund_result = "processing"
    refunds.start_refund(order=order, amount=Decimal("5.00"), key="AS1")
    for elsewhere in ("paid", "completed", "delivered"):
        with pytest.raises(InvalidOrderState):
            change_order_status(order, elsewhere, actor="test", reason="not allowed")
    assert Order.objects.get(pk=order.pk).status == "refunding"


def test_expected_from_is_checked_against_the_locked_row(providers, committed):
    order = shipped_order(providers, committed)
    with pytest.raises(InvalidOrderState) as caught:
        change_order_status(order, "completed", actor="test", reason="r", expected_from="delivered")
    assert caught.value.extra == {"status": "shipped"}
    assert Order.objects.get(pk=order.pk).status == "shipped"


def test_each_status_change_is_announced_once_after_commit(providers, committed):
    order = pending_order(user=member_with_identity("wechat"))
    heard = []
    events.order_paid.connect(lambda sender, order, **kw: heard.append(order.pk), weak=False, dispatch_uid="t-paid")
    try:
        with committed():
            payments.record_payment(provider="wechat", trade=providers["wechat"].paid_trade(order))
            assert heard == []  # nothing before the commit
    finally:
        events.order_paid.disconnect(dispatch_uid="t-paid")
    assert heard == [order.pk]


def test_a_rolled_back_status_change_is_never_announced(providers, django_capture_on_commit_callbacks):
    from django.db import transaction

    order = pending_order(user=member_with_identity("wechat"))
    heard = []
    events.order_cancelled.connect(lambda sender, **kw: heard.append(1), weak=False, dispatch_uid="t-cancel")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError), transaction.atomic():
                change_order_status(order, "cancelled", actor="test", reason="r")
                raise RuntimeError("rolled back")
    finally:
        events.order_cancelled.disconnect(dispatch_uid="t-cancel")
    assert heard == []
    assert Order.objects.get(pk=order.pk).status == "pending_payment"


def receivers_of(signal):
    live = [entry[1]() for entry in signal.receivers]
    return sorted(f"{r.__module__}.{r.__name__}" for r in live if r is not None)


def test_after_setup_alone_every_event_has_its_receivers():
    django.setup()
    from storefront.members import events as member_events

    assert receivers_of(events.order_placed) == [
        "campaigns.receivers.attribute_placed_order",
        "logistics.receivers.alipay_order_created",
    ]
    assert receivers_of(events.order_paid) == [
        "campaigns.receivers.record_paid_order",
        "logistics.receivers.alipay_order_paid",
        "logistics.receivers.plan_virtual_order_upload",
        "loyalty.receivers.award_points_of_paid_order",
        "loyalty.receivers.consume_points_of_paid_order",
        "storefront.orders.receivers.count_sales_of_paid_order",
        "storefront.payments.receivers.close_other_prepays_of_paid_order",
        "storefront.payments.receivers.send_paid_notice_of_paid_order",
    ]
    assert receivers_of(events.order_shipped) == [
        "logistics.receivers.alipay_order_shipped",
        "logistics.receivers.open_wechat_waybills",
    ]
    assert receivers_of(events.order_delivered) == [
        "logistics.receivers.alipay_order_delivered",
        "logistics.receivers.notify_wechat_confirm_receive",
    ]
    assert receivers_of(events.order_completed) == [
        "logistics.receivers.alipay_order_completed",
        "logistics.receivers.plan_pickup_upload",
        "loyalty.receivers.confirm_points_of_completed_order",
    ]
    assert receivers_of(events.order_cancelled) == [
        "flashsales.receivers.give_back_units_of_cancelled_order",
        "loyalty.receivers.release_points_of_cancelled_order",
        "offers.receivers.give_back_coupon_of_cancelled_order",
    ]
    assert receivers_of(events.order_refunded) == [
        "logistics.receivers.alipay_order_refunded",
        "logistics.receivers.ship_rest_if_refunded",
        "logistics.receivers.update_wechat_waybill_goods",
        "loyalty.receivers.settle_points_of_refund",
        "offers.receivers.give_back_coupon_of_refunded_order",
        "storefront.payments.receivers.send_refunded_notice_of_refund",
    ]
    assert receivers_of(member_events.member_merged) == [
        "campaigns.giveaways.receivers.move_entries_of_merged_member",
        "campaigns.polls.receivers.move_responses_of_merged_member",
        "campaigns.receivers.move_visits_of_merged_member",
        "campaigns.ugc.receivers.move_entries_of_merged_member",
        "flashsales.receivers.move_buyers_of_merged_member",
        "loyalty.receivers.move_points_of_merged_member",
        "offers.receivers.move_coupons_of_merged_member",
        "platforms.receivers.move_notice_data_of_merged_member",
        "storefront.orders.receivers.move_after_sales_requests_of_merged_member",
    ]
    assert receivers_of(member_events.member_erased) == [
        "campaigns.giveaways.receivers.erase_entries_of_erased_member",
        "campaigns.polls.receivers.erase_answers_of_erased_member",
        "campaigns.ugc.receivers.erase_entries_of_erased_member",
        "loyalty.receivers.erase_points_of_erased_member",
        "platforms.receivers.erase_notice_data_of_erased_member",
    ]
    assert receivers_of(member_events.member_data_exported) == [
        "campaigns.giveaways.receivers.export_entries_of_member",
        "campaigns.polls.receivers.export_responses_of_member",
        "campaigns.ugc.receivers.export_entries_of_member",
        "loyalty.receivers.export_points_of_member",
        "platforms.receivers.export_notice_data_of_member",
    ]
    assert receivers_of(member_events.member_joined) == [
        "campaigns.receivers.join_visits_of_new_member",
        "loyalty.receivers.award_first_login_bonus",
    ]
    assert receivers_of(member_events.member_logged_in) == ["campaigns.receivers.join_visits_of_returning_member"]
    assert receivers_of(member_events.phone_bound) == ["loyalty.receivers.award_phone_bound_bonus"]


def test_oscar_starts_orders_in_the_kits_first_status(settings):
    from storefront.orders.status import PENDING_PAYMENT

    assert settings.OSCAR_INITIAL_ORDER_STATUS == PENDING_PAYMENT
    assert settings.OSCAR_ORDER_STATUS_PIPELINE == {}  # no Oscar screen can move an order
