"""The shopper sees their own parcels with carrier, number and timeline (nobody else's),
and hears once that the order shipped and once that it was delivered."""

import pytest
from django.urls import reverse

from logistics import selectors, services
from logistics.models import ShippingNotice
from logistics.serializers import ShipmentSerializer
from platforms.models import NoticeLog, NoticeTemplate
from platforms.sandbox import tracking as sandbox
from platforms.services import record_grants
from tests.conftest import client_for
from tests.factories import line_ids, paid_order, tracking_number, wechat_member

pytestmark = pytest.mark.django_db


def ship(order, committed, carrier="ZTO", **kwargs):
    with committed():
        return services.ship_order(order=order, carrier=carrier, tracking_number=tracking_number(carrier), **kwargs)


def move_on(shipment, steps):
    for _ in range(steps):
        assert sandbox.push(sandbox.advance(com=shipment.carrier.tracking_code, num=shipment.tracking_number))


@pytest.fixture
def templates(db):
    for event, template_id in (("order_shipped", "tpl-shipped"), ("order_delivered", "tpl-delivered")):
        NoticeTemplate.objects.create(
            platform="wechat",
            event=event,
            template_id=template_id,
            field_map={"character_string1": "{order_number}", "thing2": "{carrier}"},
            page="pages/order/detail?number={order_number}",
        )


def test_a_shopper_sees_their_parcel_with_carrier_number_and_timeline(carriers, committed):
    member = wechat_member()
    order = paid_order(user=member, quantities=(2,))
    shipment = ship(order, committed)
    move_on(shipment, 2)

    response = client_for(member).get(reverse("shipment-detail", args=[shipment.pk]))

    assert response.status_code == 200
    body = response.json()
    assert body["order_number"] == order.number
    assert body["carrier"] == {"code": "ZTO", "name": "中通快递"}
    assert body["tracking_number"] == shipment.tracking_number
    assert body["status"] == "in_transit"
    assert body["lines"] == [{"line_id": line_ids(order)[0], "title": "青山绿茶 1", "quantity": 2}]
    assert [event["status"] for event in body["timeline"]] == ["in_transit", "in_transit", "accepted"]
    assert body["timeline"][0]["time"].endswith("+08:00")
    assert set(body["timeline"][0]) == {"time", "status", "text", "place"}


def test_another_shoppers_parcel_is_not_found(carriers, committed, member_api):
    shipment = ship(paid_order(), committed)
    response = member_api.get(reverse("shipment-detail", args=[shipment.pk]))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_parcel_needs_a_logged_in_shopper(carriers, committed, api):
    shipment = ship(paid_order(), committed)
    assert api.get(reverse("shipment-detail", args=[shipment.pk])).status_code == 401


def test_the_timeline_costs_the_same_queries_however_long_it_is(carriers, committed, django_assert_num_queries):
    member = wechat_member()
    short = ship(paid_order(user=member), committed)
    long = ship(paid_order(user=member), committed)
    move_on(long, 5)
    client = client_for(member)

    # token, shipment with carrier and order, its lines, its events
    with django_assert_num_queries(4):
        assert client.get(reverse("shipment-detail", args=[short.pk])).json()["timeline"] == []
    with django_assert_num_queries(4):
        assert len(client.get(reverse("shipment-detail", args=[long.pk])).json()["timeline"]) == 6


def test_the_order_detail_selector_loads_any_number_of_parcels_in_three_queries(
    carriers, committed, django_assert_num_queries
):
    orders = [paid_order(quantities=(1, 1, 1)) for _ in range(3)]
    for order in orders:
        for line in line_ids(order):
            shipment = ship(order, committed, lines={line: 1})
        move_on(shipment, 2)

    with django_assert_num_queries(3):
        found = selectors.shipments_for_orders([o.pk for o in orders])
        data = {order_id: ShipmentSerializer(parcels, many=True).data for order_id, parcels in found.items()}
    assert [len(data[o.pk]) for o in orders] == [3, 3, 3]
    assert len(data[orders[0].pk][-1]["timeline"]) == 3
    with django_assert_num_queries(3):
        assert selectors.shipments_for_orders([orders[0].pk]).keys() == {orders[0].pk}


def test_the_shopper_hears_once_that_the_order_shipped_and_once_that_it_arrived(carriers, committed, templates):
    member = wechat_member()
    record_grants(
        member=member, platform="wechat", accepted=["tpl-shipped", "tpl-shipped", "tpl-delivered"], rejected=[]
    )
    order = paid_order(user=member, quantities=(1, 1))
    first, second = line_ids(order)
    parcel1 = ship(order, committed, lines={first: 1})
    parcel2 = ship(order, committed, lines={second: 1})

    with committed():
        move_on(parcel1, 5)
        move_on(parcel2, 5)
        move_on(parcel2, 1)  # the provider pushes the delivered parcel again

    logs = list(NoticeLog.objects.filter(member=member).order_by("id").values_list("event", "status"))
    assert [event for event, _ in logs] == ["order_shipped", "order_delivered"]
    assert all(status == "sent" for _, status in logs)
    assert not services.send_shipping_notice(order_id=order.pk, kind=ShippingNotice.Kind.SHIPPED)
    assert NoticeLog.objects.filter(member=member).count() == 2


def test_without_a_grant_no_notice_goes_out_and_none_is_retried(carriers, committed, templates):
    order = paid_order()
    ship(order, committed)

    assert list(NoticeLog.objects.values_list("status", flat=True)) == ["no_grant"]
    assert ShippingNotice.objects.get(order=order).outcome == "wechat:no_grant"


def test_the_order_detail_shows_the_parcels_with_their_timeline(carriers, committed):
    member = wechat_member()
    order = paid_order(user=member)
    shipment = ship(order, committed)
    move_on(shipment, 1)

    response = client_for(member).get(reverse("order-detail", args=[order.number]))

    assert response.status_code == 200
    (parcel,) = response.json()["shipments"]
    assert parcel["id"] == shipment.pk and parcel["tracking_number"] == shipment.tracking_number
    assert [event["status"] for event in parcel["timeline"]] == ["in_transit", "accepted"]
