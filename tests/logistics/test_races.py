"""Races on PostgreSQL: two operators shipping one order at once, and the provider's push
arriving while the polling task records the same events."""

import datetime as dt

import pytest
from django.utils import timezone

from logistics import services
from logistics.errors import OrderNotShippable
from logistics.models import Shipment, ShipmentLine, TrackingEvent
from platforms.tracking import ParcelEvent, ParcelTimeline
from tests.concurrency import run_concurrently
from tests.factories import carriers, paid_order, tracking_number

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_operators_shipping_one_order_at_once_ship_it_once():
    carriers()
    order = paid_order(quantities=(2, 1))
    numbers = [tracking_number("ZTO") for _ in range(4)]

    results = run_concurrently(
        lambda i: services.ship_order(order=order, carrier="ZTO", tracking_number=numbers[i]), times=4
    )

    assert results.count_ok == 1
    assert len(results.errors_of(OrderNotShippable)) == 3
    assert Shipment.objects.filter(order=order).count() == 1
    assert sorted(ShipmentLine.objects.values_list("quantity", flat=True)) == [1, 2]


def test_a_push_and_a_poll_at_once_record_each_event_once():
    carriers()
    shipment = services.ship_order(order=paid_order(), carrier="ZTO", tracking_number=tracking_number("ZTO"))
    start = timezone.now() - dt.timedelta(hours=3)
    timeline = ParcelTimeline(
        carrier_code="zhongtong",
        tracking_number=shipment.tracking_number,
        status="in_transit",
        events=[
            ParcelEvent(happened_at=start + dt.timedelta(hours=h), text=f"scan {h}", status=s)
            for h, s in ((0, "accepted"), (1, "in_transit"), (2, "in_transit"))
        ],
    )

    results = run_concurrently(
        lambda i: services.record_timeline(
            shipment_id=shipment.pk, timeline=timeline, source="push" if i % 2 else "poll"
        ),
        times=4,
    )

    assert results.errors == []
    assert sorted(results.values) == [0, 0, 0, 3]
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 3
