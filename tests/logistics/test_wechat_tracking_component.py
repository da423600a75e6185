"""WeChat's logistics tracking component for the kit's parcels: a WeChat order that ships gets a
waybill token per parcel, the shipment API hands it to the mini program with the plug-in to open,
refunded units update the parcel's goods, WeChat's status moves our timeline, and a mini program
without the component says so in the admin instead of retrying for ever."""

import pytest
from django.urls import reverse

from logistics import receivers, services, waybills
from logistics.models import TrackingStatus, WechatWaybill
from platforms.sandbox import faults, wechat_logistics
from platforms.sandbox.models import SandboxWaybill
from storefront.orders.models import AfterSalesRequest
from tests.conftest import client_for
from tests.factories import StaffFactory, line_ids, paid_order, tracking_number

pytestmark = pytest.mark.django_db
State = WechatWaybill.State


@pytest.fixture(autouse=True)
def _clean_sandbox():
    faults.clear_faults()
    yield
    faults.clear_faults()


def ship(order, committed, carrier="ZTO", **kwargs):
    with committed():
        return services.ship_order(order=order, carrier=carrier, tracking_number=tracking_number(carrier), **kwargs)


def test_a_shipped_wechat_parcel_gets_a_waybill_token_the_shipment_api_returns(carriers, committed):
    order = paid_order(quantities=(2, 1))
    shipment = ship(order, committed)

    waybill = WechatWaybill.objects.get(shipment=shipment)
    assert waybill.state == State.READY and waybill.waybill_token
    at_wechat = SandboxWaybill.objects.get(token=waybill.waybill_token)
    assert at_wechat.waybill_id == shipment.tracking_number and at_wechat.delivery_id == "ZTO"
    assert at_wechat.trans_id == f"4200{order.pk:012d}" and at_wechat.openid == f"oWx-{order.user_id}"
    assert at_wechat.receiver_phone == "13800138000"
    assert [g["goods_name"] for g in at_wechat.goods_info["detail_list"]] == ["青山绿茶 1", "青山绿茶 2"]
    assert at_wechat.order_detail_path == f"pages/order/detail?number={order.number}"

    body = client_for(order.user).get(reverse("shipment-detail", args=[shipment.pk])).json()
    assert body["wechat_tracking"] == {
        "waybill_token": waybill.waybill_token,
        "plugin": {"name": "logisticsPlugin", "provider": "wx9ad912bf20548d92", "method": "openWaybillTracking"},
    }


def test_each_parcel_of_a_split_order_has_its_own_token(carriers, committed):
    order = paid_order(quantities=(1, 1))
    first, second = line_ids(order)
    parcel1 = ship(order, committed, lines={first: 1})
    parcel2 = ship(order, committed, carrier="YD", lines={second: 1})
    tokens = {w.shipment_id: w.waybill_token for w in WechatWaybill.objects.all()}
    assert set(tokens) == {parcel1.pk, parcel2.pk} and len(set(tokens.values())) == 2


def test_an_alipay_parcel_has_no_wechat_tracking(carriers, committed):
    order = paid_order(method="alipay")
    shipment = ship(order, committed)
    assert not WechatWaybill.objects.exists()
    body = client_for(order.user).get(reverse("shipment-detail", args=[shipment.pk])).json()
    assert body["wechat_tracking"] is None


def test_without_the_component_the_parcel_is_marked_and_not_retried(carriers, committed, admin_client):
    wechat_logistics.set_console(logistics_component=False)
    order = paid_order()
    shipment = ship(order, committed)
    waybill = WechatWaybill.objects.get(shipment=shipment)
    assert (waybill.state, waybill.error_code, waybill.attempts) == (State.NOT_ENABLED, "48001", 1)

    waybills.open_order_waybills(order)  # the sweep and later events leave it alone
    assert WechatWaybill.objects.get(pk=waybill.pk).attempts == 1
    assert waybills.due_waybills() == []

    page = admin_client.get(reverse("admin:logistics_wechatwaybill_changelist")).content.decode()
    assert "小程序未开通物流查询组件" in page


def test_an_outage_keeps_the_parcel_pending_for_the_sweep(carriers, committed):
    faults.set_fault("wechat", "http_500", times=None)
    order = paid_order()
    ship(order, committed)  # the task's retry is logged; the parcel keeps waiting
    faults.clear_faults()
    waybill = WechatWaybill.objects.get()
    assert waybill.state == State.PENDING and waybill.error_code == "http_5xx"
    assert waybills.due_waybills() == [waybill.shipment_id]
    WechatWaybill.objects.update(checked_at=None)
    waybills.open_waybill(shipment_id=waybill.shipment_id)
    assert WechatWaybill.objects.get().state == State.READY


def test_refunded_units_update_the_parcels_goods_at_wechat(carriers, committed):
    order = paid_order(quantities=(2, 1))
    shipment = ship(order, committed)
    first, _second = line_ids(order)
    AfterSalesRequest.objects.create(
        order=order,
        kind=AfterSalesRequest.Kind.choices[0][0],
        reason="少了一盒",
        lines=[{"line_id": first, "quantity": 1}],
        amount="30.00",
        status=AfterSalesRequest.Status.APPROVED,
    )
    # What logistics connected to order_refunded (the payments side needs a real refund to send it).
    receivers.update_wechat_waybill_goods(sender=type(order), order=order, fully_refunded=False)

    row = SandboxWaybill.objects.get(token=shipment.wechat_waybill.waybill_token)
    assert row.goods_updates == 1
    assert [g["goods_desc"] for g in row.goods_info["detail_list"]] == ["数量 1", "数量 1"]
    # Nothing changed since: nothing sent again.
    waybills.update_order_waybill_goods(order)
    assert SandboxWaybill.objects.get(pk=row.pk).goods_updates == 1


def test_a_token_wechat_forgot_is_opened_again_when_the_goods_change(carriers, committed):
    order = paid_order(quantities=(2,))
    shipment = ship(order, committed)
    SandboxWaybill.objects.all().delete()
    (line,) = line_ids(order)
    AfterSalesRequest.objects.create(
        order=order,
        kind=AfterSalesRequest.Kind.choices[0][0],
        reason="x",
        lines=[{"line_id": line, "quantity": 1}],
        amount="30.00",
        status=AfterSalesRequest.Status.APPROVED,
    )
    waybills.update_order_waybill_goods(order)
    waybill = WechatWaybill.objects.get(shipment=shipment)
    assert waybill.state == State.READY and SandboxWaybill.objects.filter(token=waybill.waybill_token).exists()


@pytest.mark.parametrize(
    ("trace", "status"),
    [
        (0, "waiting"),
        (1, "accepted"),
        (2, "in_transit"),
        (3, "out_for_delivery"),
        (4, "delivered"),
        (5, "exception"),
        (6, "delivered"),
    ],
)
def test_wechats_trace_states_map_onto_ours(trace, status):
    assert waybills.tracking_status_of(trace) == status


def test_wechats_trace_moves_our_timeline_and_delivers_the_order(carriers, committed):
    order = paid_order()
    shipment = ship(order, committed)
    waybill = WechatWaybill.objects.get(shipment=shipment)
    wechat_logistics.move_waybill(waybill.waybill_token, 2)
    assert waybills.check_waybill(waybill_id=waybill.pk) == TrackingStatus.IN_TRANSIT
    assert waybills.check_waybill(waybill_id=waybill.pk) == TrackingStatus.IN_TRANSIT  # no new event
    assert shipment.events.filter(raw_status="wechat:2").count() == 1
    wechat_logistics.move_waybill(waybill.waybill_token, 4)
    with committed():
        waybills.check_waybill(waybill_id=waybill.pk)
    order.refresh_from_db()
    assert order.status == "delivered"


def test_the_message_component_is_opened_when_the_setting_says_so(carriers, committed, settings):
    settings.WECHAT_WAYBILL_FOLLOW = True
    shipment = ship(paid_order(), committed)
    waybill = WechatWaybill.objects.get(shipment=shipment)
    assert waybill.follow_token and SandboxWaybill.objects.get(token=waybill.follow_token).follow


def test_operations_see_each_parcels_token_state_in_chinese(carriers, committed, client):
    ship(paid_order(), committed)
    staff = StaffFactory(is_superuser=True)
    client.force_login(staff)
    page = client.get(reverse("admin:logistics_wechatwaybill_changelist")).content.decode()
    assert "已开通" in page and "中通快递" in page
