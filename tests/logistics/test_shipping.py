"""Operations ship paid orders whole or in parts; bad input is refused and writes nothing."""

import pytest
from oscar.apps.order.models import Order

from logistics import services
from logistics.errors import (
    InvalidTrackingNumber,
    OrderNotShippable,
    PickupOrderNotShipped,
    TooManyItems,
    TrackingNumberInUse,
    UnknownCarrier,
)
from logistics.models import Shipment, ShipmentLine
from tests.factories import StaffFactory, line_ids, paid_order, tracking_number

pytestmark = pytest.mark.django_db


def test_every_carrier_accepts_its_example_number_and_refuses_a_wrong_one(carriers):
    assert set(carriers) >= {"SF", "ZTO", "YTO", "YD", "STO", "JD", "EMS"}
    assert {c.code: c.wechat_company_id for c in carriers.values()}["YD"] == "YD"
    for carrier in carriers.values():
        assert carrier.accepts_number(carrier.number_example), carrier.code
        assert not carrier.accepts_number("ABC-123"), carrier.code
    assert carriers["SF"].accepts_number(tracking_number("SF"))
    assert not carriers["SF"].accepts_number("YT1234567890123")


def test_shipping_a_whole_order_moves_it_to_shipped(carriers):
    order = paid_order(quantities=(2, 1))
    staff = StaffFactory()

    shipment = services.ship_order(order=order, carrier="sf", tracking_number=" sf1234567890123 ", actor=staff)

    order.refresh_from_db()
    assert order.status == "shipped"
    assert shipment.tracking_number == "SF1234567890123"
    assert shipment.completes_order
    assert shipment.shipped_by == staff
    assert sorted(shipment.lines.values_list("quantity", flat=True)) == [1, 2]
    assert "parcel SF SF1234567890123" in order.notes.first().message


def test_shipping_in_parts_moves_the_order_to_partially_shipped_then_shipped(carriers):
    order = paid_order(quantities=(3, 1))
    first, second = line_ids(order)

    parcel1 = services.ship_order(order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"), lines={first: 2})
    order.refresh_from_db()
    assert order.status == "partially_shipped"
    assert not parcel1.completes_order

    parcel2 = services.ship_order(
        order=order, carrier=carriers["YTO"], tracking_number=tracking_number("YTO"), lines={first: 1, second: 1}
    )
    order.refresh_from_db()
    assert order.status == "shipped"
    assert parcel2.completes_order


def test_shipping_more_than_was_ordered_is_refused_and_writes_nothing(carriers):
    order = paid_order(quantities=(2,))
    (line,) = line_ids(order)
    services.ship_order(order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"), lines={line: 1})

    with pytest.raises(TooManyItems) as refused:
        services.ship_order(order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"), lines={line: 2})

    assert "only 1 left" in refused.value.message
    assert Shipment.objects.filter(order=order).count() == 1
    assert Order.objects.get(pk=order.pk).status == "partially_shipped"


def test_lines_of_another_order_or_nothing_at_all_are_refused(carriers):
    order = paid_order(quantities=(1,))
    other = paid_order(quantities=(1,))
    with pytest.raises(services.InvalidShipment):
        services.ship_order(
            order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"), lines={line_ids(other)[0]: 1}
        )
    with pytest.raises(services.InvalidShipment):
        services.ship_order(
            order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"), lines={line_ids(order)[0]: 0}
        )
    assert not Shipment.objects.exists()


@pytest.mark.parametrize("status", ["pending_payment", "cancelled", "shipped", "refunded"])
def test_an_order_that_is_not_paid_and_open_cannot_ship(carriers, status):
    order = paid_order(status=status)
    with pytest.raises(OrderNotShippable):
        services.ship_order(order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"))
    assert not Shipment.objects.exists()


def test_a_tracking_number_in_the_wrong_format_is_refused(carriers):
    order = paid_order()
    with pytest.raises(InvalidTrackingNumber) as refused:
        services.ship_order(order=order, carrier="SF", tracking_number="YT1234567890123")
    assert refused.value.fields == {"tracking_number": "does not match the carrier's format"}
    assert "SF1234567890123" in refused.value.message  # the example helps the operator
    with pytest.raises(UnknownCarrier):
        services.ship_order(order=order, carrier="DHL", tracking_number="1234567890")
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_a_tracking_number_cannot_serve_two_orders(carriers):
    number = tracking_number("ZTO")
    services.ship_order(order=paid_order(), carrier="ZTO", tracking_number=number)
    second = paid_order()
    with pytest.raises(TrackingNumberInUse):
        services.ship_order(order=second, carrier="ZTO", tracking_number=number)
    assert Order.objects.get(pk=second.pk).status == "paid"


def test_a_pickup_order_is_handed_over_not_shipped(carriers):
    order = paid_order(fulfilment="pickup")
    with pytest.raises(PickupOrderNotShipped):
        services.ship_order(order=order, carrier="ZTO", tracking_number=tracking_number("ZTO"))
    assert not ShipmentLine.objects.exists()
