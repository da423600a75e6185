"""WeChat shipping upload: every WeChat-paid order's shipping information reaches the
(sandbox) upload_shipping_info, which validates it as WeChat does: express parcels, split
deliveries with the last one marked all delivered, store pickups and virtual goods; not
sooner than a minute after payment, retried with backoff after a failure."""

import datetime as dt

import pytest
from django.utils import timezone
from oscar.apps.order.models import Order

from logistics import services
from logistics.models import WechatShippingUpload
from platforms.sandbox import faults
from platforms.sandbox.models import PayTrade, ShippingUpload
from platforms.sandbox.wechat_views import shipping_payload_problems
from storefront.orders import events as order_events
from storefront.orders.services import mark_picked_up
from tests.factories import StaffFactory, line_ids, paid_order, tracking_number

pytestmark = pytest.mark.django_db
State = WechatShippingUpload.State


@pytest.fixture(autouse=True)
def _no_faults():
    faults.clear_faults()
    yield
    faults.clear_faults()


def ship(order, committed, carrier="ZTO", **kwargs):
    with committed():
        return services.ship_order(order=order, carrier=carrier, tracking_number=tracking_number(carrier), **kwargs)


def received():
    """The payloads the sandbox accepted, oldest first."""
    return [row.payload for row in ShippingUpload.objects.order_by("id")]


def test_an_express_order_is_uploaded_when_it_ships(carriers, committed):
    order = paid_order(quantities=(2, 1))
    shipment = ship(order, committed)

    upload = WechatShippingUpload.objects.get(order=order)
    assert upload.state == State.UPLOADED and upload.attempts == 1
    (payload,) = received()
    assert shipping_payload_problems(payload) == []
    assert payload["order_key"] == {"order_number_type": 2, "transaction_id": f"4200{order.pk:012d}"}
    assert payload["logistics_type"] == 1 and payload["delivery_mode"] == 1
    assert "is_all_delivered" not in payload
    assert payload["shipping_list"] == [
        {
            "tracking_no": shipment.tracking_number,
            "express_company": "ZTO",
            "item_desc": "青山绿茶 1×2；青山绿茶 2×1",
            "contact": {"receiver_contact": "*******8000"},
        }
    ]
    assert payload["payer"] == {"openid": f"oWx-{order.user_id}"}
    assert payload["upload_time"].endswith("+08:00")


def test_sf_parcels_carry_the_masked_receiver_phone_wechat_requires(carriers, committed):
    ship(paid_order(), committed, carrier="SF")
    (payload,) = received()
    assert payload["shipping_list"][0]["express_company"] == "SF"
    assert payload["shipping_list"][0]["contact"] == {"receiver_contact": "*******8000"}


def test_a_split_delivery_is_uploaded_per_parcel_the_last_marked_all_delivered(carriers, committed):
    order = paid_order(quantities=(1, 1))
    first, second = line_ids(order)
    parcel1 = ship(order, committed, lines={first: 1})
    parcel2 = ship(order, committed, carrier="YD", lines={second: 1})

    before, after = received()
    assert shipping_payload_problems(before) == shipping_payload_problems(after) == []
    assert (before["delivery_mode"], before["is_all_delivered"]) == (2, False)
    assert [item["tracking_no"] for item in before["shipping_list"]] == [parcel1.tracking_number]
    assert (after["delivery_mode"], after["is_all_delivered"]) == (2, True)
    assert [item["tracking_no"] for item in after["shipping_list"]] == [
        parcel1.tracking_number,
        parcel2.tracking_number,
    ]
    assert [item["express_company"] for item in after["shipping_list"]] == ["ZTO", "YD"]


def test_a_pickup_order_is_uploaded_as_pickup_when_handed_over(carriers, committed):
    order = paid_order(fulfilment="pickup")
    staff = StaffFactory()
    order.info.pickup_store.staff.add(staff)

    with committed():
        mark_picked_up(code=order.info.pickup_code, staff=staff)

    (payload,) = received()
    assert shipping_payload_problems(payload) == []
    assert payload["logistics_type"] == 4 and payload["delivery_mode"] == 1
    assert payload["shipping_list"] == [{"item_desc": "青山绿茶 1×2；青山绿茶 2×1"}]
    assert WechatShippingUpload.objects.get(order=order).state == State.UPLOADED


def test_a_virtual_prize_order_is_uploaded_as_virtual_once_paid(carriers, committed):
    order = paid_order(quantities=(1,), virtual=True)

    with committed():
        # What the status service announces after the commit that made the order paid.
        order_events.order_paid.send_robust(sender=Order, order=order)

    (payload,) = received()
    assert shipping_payload_problems(payload) == []
    assert payload["logistics_type"] == 3
    assert WechatShippingUpload.objects.get(order=order).logistics_type == 3


def test_an_alipay_order_owes_wechat_nothing(carriers, committed):
    ship(paid_order(method="alipay"), committed)
    assert not WechatShippingUpload.objects.exists()
    assert received() == []


def test_nothing_is_uploaded_sooner_than_a_minute_after_payment(carriers, committed):
    order = paid_order(paid_at=timezone.now())
    ship(order, committed)

    upload = WechatShippingUpload.objects.get(order=order)
    assert upload.state == State.PENDING and upload.attempts == 0
    assert services.due_wechat_uploads() == []
    a_minute_later = upload.not_before + dt.timedelta(seconds=1)
    # The minute passes for WeChat too: its shipping service knows the payment by then.
    PayTrade.objects.filter(out_trade_no=order.number).update(success_time=order.info.paid_at - dt.timedelta(minutes=1))
    assert services.due_wechat_uploads(now=a_minute_later) == [upload.pk]
    assert services.upload_shipping_to_wechat(upload_id=upload.pk, now=a_minute_later).state == State.UPLOADED


def test_an_upload_refused_for_a_passing_reason_is_retried_with_backoff(carriers, committed):
    faults.set_fault("wechat", "http_500", times=3)
    order = paid_order()
    ship(order, committed)

    upload = WechatShippingUpload.objects.get(order=order)
    assert upload.state == State.PENDING and upload.attempts == 1
    assert upload.error and upload.next_attempt_at > timezone.now()
    first_wait = upload.next_attempt_at - timezone.now()

    upload = services.upload_shipping_to_wechat(upload_id=upload.pk, now=upload.next_attempt_at)
    assert upload.state == State.PENDING and upload.attempts == 2
    assert upload.next_attempt_at - timezone.now() > first_wait  # backing off

    faults.clear_faults()
    upload = services.upload_shipping_to_wechat(upload_id=upload.pk, now=upload.next_attempt_at)
    assert upload.state == State.UPLOADED
    assert upload.error == "" and len(received()) == 1


def test_the_next_attempt_and_the_upload_time_follow_the_clock_the_sweep_passes(carriers, committed):
    faults.set_fault("wechat", "http_500", times=3)  # as above: the first two uploads meet it
    order = paid_order()
    ship(order, committed)
    upload = WechatShippingUpload.objects.get(order=order)
    assert upload.attempts == 1

    # The sweep runs on its own clock (a day later here): the backoff counts from it.
    a_day_later = upload.next_attempt_at + dt.timedelta(days=1)
    assert services.due_wechat_uploads(now=a_day_later) == [upload.pk]
    upload = services.upload_shipping_to_wechat(upload_id=upload.pk, now=a_day_later)
    assert upload.state == State.PENDING and upload.attempts == 2
    assert upload.next_attempt_at == a_day_later + dt.timedelta(minutes=2)
    assert services.due_wechat_uploads(now=a_day_later + dt.timedelta(seconds=119)) == []

    then = upload.next_attempt_at
    upload = services.upload_shipping_to_wechat(upload_id=upload.pk, now=then)
    assert (upload.state, upload.uploaded_at) == (State.UPLOADED, then)


def test_an_upload_wechat_will_never_accept_fails_and_can_be_retried_from_the_admin(carriers, committed, settings):
    order = paid_order()
    order.payment_transactions.update(payer_id="")
    order.user.identities.all().delete()  # no openid anywhere: WeChat refuses the payload
    ship(order, committed)

    upload = WechatShippingUpload.objects.get(order=order)
    assert upload.state == State.FAILED
    assert "payer.openid" in upload.error and upload.error_code == "47001"

    order.payment_transactions.update(payer_id=f"oWx-{order.user_id}")  # operations fixed the data
    with committed():
        services.retry_wechat_upload(upload=upload)
    upload.refresh_from_db()
    assert upload.state == State.UPLOADED


def test_an_upload_gives_up_after_the_last_attempt(carriers, committed, settings):
    settings.WECHAT_SHIPPING_UPLOAD_MAX_ATTEMPTS = 2
    faults.set_fault("wechat", "busy", times=None)
    order = paid_order()
    ship(order, committed)
    upload = WechatShippingUpload.objects.get(order=order)

    upload = services.upload_shipping_to_wechat(upload_id=upload.pk, now=upload.next_attempt_at)
    assert (upload.state, upload.attempts, upload.next_attempt_at) == (State.FAILED, 2, None)
