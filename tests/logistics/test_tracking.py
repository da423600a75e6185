"""Tracking: the parcel is subscribed when it ships, the provider's pushes and the polling
fallback build one timeline without duplicates, and the last parcel delivered delivers the
order. Pushes that do not verify change nothing."""

import datetime as dt
import json
import logging

import pytest
from django.urls import reverse
from django.utils import timezone
from oscar.apps.order.models import Order

from logistics import selectors, services
from logistics.models import Shipment, TrackingEvent
from platforms.base import InvalidNotification
from platforms.sandbox import tracking as sandbox
from platforms.tracking import get_tracking_provider
from platforms.tracking.kuaidi100 import md5_sign, normalise_state
from storefront.orders.services import complete_delivered_orders
from tests.factories import line_ids, paid_order, tracking_number

pytestmark = pytest.mark.django_db


def ship(order, committed, carrier="ZTO", **kwargs):
    with committed():
        return services.ship_order(
            order=order,
            carrier=carrier,
            tracking_number=kwargs.pop("number", None) or tracking_number(carrier),
            **kwargs,
        )


def sandbox_parcel(shipment):
    return sandbox.cache.get(sandbox._key(shipment.carrier.tracking_code, shipment.tracking_number))


def move_on(shipment, steps=1):
    """The sandbox carrier scans the parcel `steps` more times, pushing each time."""
    for _ in range(steps):
        parcel = sandbox.advance(com=shipment.carrier.tracking_code, num=shipment.tracking_number)
        assert sandbox.push(parcel)


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("1", "", "accepted"),
        ("0", "", "in_transit"),
        ("1002", "", "in_transit"),
        ("5", "", "out_for_delivery"),
        ("501", "", "out_for_delivery"),
        ("3", "", "delivered"),
        ("304", "", "delivered"),
        ("4", "", "returned"),
        ("6", "", "returned"),
        ("2", "", "exception"),
        ("203", "", "exception"),
        ("14", "", "exception"),
        ("", "派件", "out_for_delivery"),
        ("", "签收", "delivered"),
        ("", "unknown", ""),
    ],
)
def test_provider_states_normalise_to_our_statuses(code, name, expected):
    assert normalise_state(code, name) == expected


def test_shipping_subscribes_the_tracking_number_with_our_callback(carriers, committed):
    shipment = ship(paid_order(), committed)

    shipment.refresh_from_db()
    assert shipment.subscribed_at is not None
    assert shipment.subscribe_error == ""
    parcel = sandbox_parcel(shipment)
    assert parcel["callback_url"].endswith(reverse("tracking-push"))


def test_pushes_and_polling_give_one_timeline_without_duplicates(carriers, committed):
    shipment = ship(paid_order(), committed)
    move_on(shipment, steps=2)  # collected, left the hub, arrived at the transit centre

    assert shipment.events.count() == 3
    assert services.poll_tracking(shipment_id=shipment.pk) == 0  # polling sees nothing new
    move_on(shipment)  # the provider pushes the whole history again, plus one event
    assert services.poll_tracking(shipment_id=shipment.pk) == 0

    shipment.refresh_from_db()
    texts = list(shipment.events.order_by("happened_at").values_list("text", flat=True))
    assert len(texts) == len(set(texts)) == 4
    assert shipment.status == "in_transit"
    assert set(shipment.events.values_list("source", flat=True)) == {"push"}
    assert shipment.last_event_at == shipment.events.order_by("-happened_at").first().happened_at


def test_polling_alone_builds_the_timeline_when_pushes_do_not_come(carriers, committed, settings):
    shipment = ship(paid_order(), committed)
    sandbox.advance(com="zhongtong", num=shipment.tracking_number)  # no push
    Shipment.objects.filter(pk=shipment.pk).update(last_checked_at=timezone.now() - dt.timedelta(days=1))

    assert services.poll_stale_shipments() == 2
    assert services.poll_stale_shipments() == 0  # just checked: not polled again yet
    shipment.refresh_from_db()
    assert shipment.status == "in_transit"
    assert set(shipment.events.values_list("source", flat=True)) == {"poll"}


def test_the_last_parcel_delivered_delivers_the_order_and_auto_complete_follows(carriers, committed):
    order = paid_order(quantities=(1, 1))
    first, second = line_ids(order)
    parcel1 = ship(order, committed, lines={first: 1})
    parcel2 = ship(order, committed, carrier="YD", lines={second: 1})

    with committed():
        move_on(parcel1, steps=5)
    assert Shipment.objects.get(pk=parcel1.pk).status == "delivered"
    assert Order.objects.get(pk=order.pk).status == "shipped"  # one parcel still on its way

    with committed():
        move_on(parcel2, steps=5)
    order.refresh_from_db()
    assert order.status == "delivered"
    assert Shipment.objects.get(pk=parcel2.pk).delivered_at is not None

    later = timezone.now() + dt.timedelta(days=30)
    assert complete_delivered_orders(now=later) == 1
    assert Order.objects.get(pk=order.pk).status == "completed"


def test_a_push_with_a_bad_signature_is_rejected_logged_and_changes_nothing(carriers, committed, api, caplog):
    shipment = ship(paid_order(), committed)
    parcel = sandbox.advance(com="zhongtong", num=shipment.tracking_number)
    param = json.dumps({"status": "polling", "lastResult": sandbox.query_result(parcel)}, ensure_ascii=False)

    with caplog.at_level(logging.WARNING, logger="logistics.api"):
        response = api.post(
            reverse("tracking-push"), {"param": param, "sign": md5_sign(param + "wrong-salt")}, format="multipart"
        )

    assert response.status_code == 400
    assert response.json()["result"] is False
    assert "tracking push rejected" in caplog.text
    assert not TrackingEvent.objects.exists()
    with pytest.raises(InvalidNotification):
        get_tracking_provider().parse_push(data={"param": param})


def test_a_signed_push_for_an_unknown_parcel_is_acknowledged_and_ignored(carriers, api, settings):
    param = json.dumps(
        {"status": "polling", "lastResult": {"com": "zhongtong", "nu": "731234567890123", "state": "0", "data": []}}
    )
    response = api.post(
        reverse("tracking-push"),
        {"param": param, "sign": md5_sign(param + settings.TRACKING_PUSH_SALT)},
        format="multipart",
    )
    assert response.status_code == 200
    assert response.json() == {"result": True, "returnCode": "200", "message": "成功"}


def test_a_stuck_parcel_and_one_in_exception_need_attention(carriers, committed):
    moving = ship(paid_order(), committed)
    stuck = ship(paid_order(), committed, number=tracking_number("ZTO", ending="9"))
    silent = ship(paid_order(), committed)
    move_on(moving)
    move_on(stuck, steps=3)  # the sandbox strands numbers ending in 9 with an exception
    assert Shipment.objects.get(pk=stuck.pk).status == "exception"
    Shipment.objects.filter(pk=silent.pk).update(shipped_at=timezone.now() - dt.timedelta(days=4))

    listed = set(selectors.parcels_needing_attention().values_list("pk", flat=True))
    assert listed == {stuck.pk, silent.pk}


def test_the_sandbox_moves_a_parcel_on_over_time(carriers, committed, settings):
    shipment = ship(paid_order(), committed)
    parcel = sandbox_parcel(shipment)
    start = dt.datetime.fromisoformat(parcel["started_at"])

    visible = [len(sandbox.visible_events(parcel, start + dt.timedelta(seconds=s))) for s in (0, 130, 250, 10_000)]
    assert visible == [1, 2, 3, 6]
    final = sandbox.visible_events(parcel, start + dt.timedelta(days=1))[-1]
    assert final["statusCode"] == "3"


def test_the_sandbox_push_task_delivers_due_events(carriers, committed):
    from logistics.tasks import push_sandbox_tracking

    shipment = ship(paid_order(), committed)
    sandbox.advance(com="zhongtong", num=shipment.tracking_number)
    assert push_sandbox_tracking() == 1
    assert push_sandbox_tracking() == 0  # nothing new since
    assert shipment.events.count() == 2


def test_the_adapter_speaks_the_providers_protocol_and_surfaces_its_refusals(carriers):
    from platforms.base import PlatformError

    provider = get_tracking_provider()
    provider.key = "not-the-key-the-provider-issued"

    with pytest.raises(PlatformError) as refused_poll:
        provider.poll(carrier_code="zhongtong", tracking_number="731234567890123")
    assert refused_poll.value.code == "503" and not refused_poll.value.retryable
    with pytest.raises(PlatformError) as refused_subscription:
        provider.subscribe(carrier_code="zhongtong", tracking_number="731234567890123", callback_url="http://x/")
    assert refused_subscription.value.code == "600"


def test_a_failed_subscription_is_kept_on_the_parcel_and_polling_covers_it(carriers, committed):
    get_tracking_provider().key = "revoked-key"
    shipment = ship(paid_order(), committed)

    shipment.refresh_from_db()
    assert shipment.subscribed_at is None
    assert shipment.subscribe_error.startswith("600:")
    assert shipment in selectors.shipments_to_poll()


def test_the_sandbox_carrier_page_moves_a_parcel_on_with_a_button(carriers, committed, client):
    shipment = ship(paid_order(), committed)
    page = client.get(reverse("sandbox-tracking-page"))
    assert page.status_code == 200 and shipment.tracking_number in page.content.decode()

    moved = client.post(reverse("sandbox-tracking-advance"), {"com": "zhongtong", "num": shipment.tracking_number})
    assert moved.status_code == 302
    assert shipment.events.count() == 2
    answer = client.post(
        reverse("sandbox-tracking-advance"),
        {"com": "zhongtong", "num": shipment.tracking_number},
        content_type="application/json",
    )
    assert answer.json() == {"events": 3, "pushed": True}


def test_with_no_push_salt_set_a_push_signed_with_the_empty_salt_is_refused(carriers, api, settings):
    # An empty salt is one anybody can sign with (a deployment that forgot TRACKING_PUSH_SALT).
    settings.TRACKING_PUSH_SALT = ""
    param = json.dumps({"status": "polling", "lastResult": {"com": "zhongtong", "nu": "731234567890123", "data": []}})
    response = api.post(reverse("tracking-push"), {"param": param, "sign": md5_sign(param)}, format="multipart")
    assert response.status_code == 400
    assert response.json()["result"] is False
