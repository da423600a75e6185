"""WeChat's order-shipping management around the kit's orders: the one re-ship per payment planned
(10060002 counts as done, 10060003 final for operations, a second re-ship never sent), the receipt
reminder once on delivery, late orders reported, the settlement and reminder pushes recorded on the
order and shown to operations, the daily get_order reconciliation and the setup check."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from logistics import reships, services, trade_management
from logistics.models import TradeReminder, WechatShippingUpload, WechatTradeEvent, WechatTradeOrder
from platforms.sandbox import faults, wechat_logistics
from platforms.sandbox.models import PayTrade, SandboxTradeOrder, ShippingUpload
from tests.factories import StaffFactory, line_ids, paid_order, tracking_number

pytestmark = pytest.mark.django_db
State = WechatShippingUpload.State


@pytest.fixture(autouse=True)
def _clean_sandbox():
    faults.clear_faults()
    yield
    faults.clear_faults()


def ship(order, committed, carrier="ZTO", **kwargs):
    with committed():
        return services.ship_order(order=order, carrier=carrier, tracking_number=tracking_number(carrier), **kwargs)


def trade_of(order):
    return PayTrade.objects.get(out_trade_no=order.number)


# --- the one re-ship ----------------------------------------------------------------------------------
def test_a_second_reship_is_not_sent_and_operations_see_why(carriers, committed, client):
    order = paid_order()
    shipment = ship(order, committed)
    first = WechatShippingUpload.objects.get(shipment=shipment)
    assert first.state == State.UPLOADED and not reships.reship_used(order)

    # Operations correct the tracking number twice: the first correction is the re-ship...
    for attempt in (1, 2):
        WechatShippingUpload.objects.filter(pk=first.pk).update(state=State.PENDING, next_attempt_at=timezone.now())
        services.upload_shipping_to_wechat(upload_id=first.pk)
        first.refresh_from_db()
        if attempt == 1:
            assert first.state == State.UPLOADED and reships.reship_used(order)
    # ...and the second is not sent at all.
    assert (first.state, first.error_code) == (State.FAILED, reships.RESHIP_USED)
    assert ShippingUpload.objects.count() == 2

    client.force_login(StaffFactory(is_superuser=True))
    page = client.get(reverse("admin:logistics_wechatshippingupload_changelist")).content.decode()
    assert "重新发货机会已用完" in page


def test_10060003_is_final_and_marks_the_reship_used(carriers, committed):
    order = paid_order()
    shipment = ship(order, committed)
    upload = WechatShippingUpload.objects.get(shipment=shipment)
    # WeChat counted a re-ship the kit did not see (made in the console, say).
    ShippingUpload.objects.create(payload=dict(upload.payload, delivery_mode=2, is_all_delivered=True))
    WechatShippingUpload.objects.filter(pk=upload.pk).update(
        state=State.PENDING, next_attempt_at=timezone.now(), payload={}
    )
    upload = services.upload_shipping_to_wechat(upload_id=upload.pk)
    assert (upload.state, upload.error_code) == (State.FAILED, "10060003")
    assert reships.reship_used(order)


def test_10060002_counts_as_done(carriers, committed):
    order = paid_order()
    shipment = ship(order, committed)
    upload = WechatShippingUpload.objects.get(shipment=shipment)
    SandboxTradeOrder.objects.create(
        transaction_id=trade_of(order).transaction_id, out_trade_no=order.number, confirmed_at=timezone.now()
    )
    WechatShippingUpload.objects.filter(pk=upload.pk).update(state=State.PENDING, next_attempt_at=timezone.now())
    upload = services.upload_shipping_to_wechat(upload_id=upload.pk)
    assert (upload.state, upload.error_code) == (State.UPLOADED, "10060002")


def test_10060001_is_retried_after_a_delay(carriers, committed, settings):
    settings.SANDBOX_WECHAT_SHIPPING_READY_SECONDS = 3600
    order = paid_order()
    shipment = ship(order, committed)
    upload = WechatShippingUpload.objects.get(shipment=shipment)
    assert (upload.state, upload.error_code) == (State.PENDING, "10060001")
    assert upload.next_attempt_at > timezone.now()


def test_the_planned_second_upload_of_a_split_order_completes_it(carriers, committed):
    order = paid_order(quantities=(1, 1))
    first, second = line_ids(order)
    ship(order, committed, lines={first: 1})
    from storefront.orders.models import AfterSalesRequest

    AfterSalesRequest.objects.create(
        order=order,
        kind=AfterSalesRequest.Kind.choices[0][0],
        reason="不要了",
        lines=[{"line_id": second, "quantity": 1}],
        amount="30.00",
        status=AfterSalesRequest.Status.APPROVED,
    )
    with committed():
        services.ship_rest_if_refunded(order)
    closing = WechatShippingUpload.objects.get(order=order, shipment__isnull=True)
    assert closing.state == State.UPLOADED
    assert (closing.payload["delivery_mode"], closing.payload["is_all_delivered"]) == (2, True)
    assert not reships.reship_used(order)


# --- receipt reminder and special report -------------------------------------------------------------
def test_the_receipt_reminder_goes_once_when_every_parcel_arrived(carriers, committed):
    order = paid_order()
    ship(order, committed)
    from logistics.models import Shipment, TrackingStatus

    Shipment.objects.filter(order=order).update(status=TrackingStatus.DELIVERED, delivered_at=timezone.now())
    assert trade_management.notify_confirm_receive(order) is True
    assert trade_management.notify_confirm_receive(order) is False
    at_wechat = SandboxTradeOrder.objects.get(transaction_id=trade_of(order).transaction_id)
    assert at_wechat.confirm_notified_at is not None
    assert WechatTradeOrder.objects.get(order=order).confirm_notified_at is not None


def test_a_refused_receipt_reminder_is_kept_and_not_sent_again(carriers, committed):
    order = paid_order()
    ship(order, committed)
    row = SandboxTradeOrder.objects.create(
        transaction_id=trade_of(order).transaction_id, out_trade_no=order.number, confirm_notified_at=timezone.now()
    )
    assert trade_management.notify_confirm_receive(order) is False
    trade = WechatTradeOrder.objects.get(order=order)
    assert trade.confirm_notified_at is None and str(wechat_logistics.CONFIRM_AGAIN_ERRCODE) in trade.confirm_error
    row.delete()
    assert trade_management.notify_confirm_receive(order) is False  # no second try


def test_an_order_not_shipped_ten_days_after_payment_is_reported(carriers):
    late = paid_order(paid_at=timezone.now() - dt.timedelta(days=11))
    fresh = paid_order(paid_at=timezone.now() - dt.timedelta(days=2))
    assert trade_management.report_late_orders() == 1
    assert trade_management.report_late_orders() == 0
    trade = WechatTradeOrder.objects.get(order=late)
    assert trade.special_reported_at and trade.special_delay_to >= late.info.paid_at + dt.timedelta(days=15)
    assert SandboxTradeOrder.objects.get(transaction_id=trade_of(late).transaction_id).special_type == 1
    assert not WechatTradeOrder.objects.filter(order=fresh).exists()


# --- pushes ---------------------------------------------------------------------------------------------
def test_the_settlement_push_sets_the_settlement_time_on_the_order(carriers, committed, client):
    order = paid_order()
    ship(order, committed)
    message = wechat_logistics.push_settlement(trade_of(order))
    trade = WechatTradeOrder.objects.get(order=order)
    assert trade.settlement_time == dt.datetime.fromtimestamp(message["settlement_time"], tz=dt.UTC)
    assert trade.confirm_receive_method == 1
    wechat_logistics.push_message(message)  # WeChat pushes it again: kept once
    assert WechatTradeEvent.objects.filter(event="trade_manage_order_settlement").count() == 1

    client.force_login(StaffFactory(is_superuser=True))
    page = client.get(reverse("admin:storefront_operationsorder_change", args=[order.pk])).content.decode()
    local = timezone.localtime(trade.settlement_time).strftime("%Y-%m-%d %H:%M")
    assert "微信结算时间" in page and local in page


def test_a_shipping_reminder_shows_in_the_attention_list_until_handled(carriers, client):
    order = paid_order()
    wechat_logistics.push_remind_shipping(trade_of(order))
    wechat_logistics.push_remind_access_api()
    reminders = TradeReminder.objects.filter(resolved_at__isnull=True)
    assert {r.event for r in reminders} == {"trade_manage_remind_shipping", "trade_manage_remind_access_api"}
    assert reminders.get(event="trade_manage_remind_shipping").order == order

    client.force_login(StaffFactory(is_superuser=True))
    url = reverse("admin:logistics_tradereminder_changelist")
    page = client.get(url + "?open=yes").content.decode()
    assert "发货提醒" in page and order.number in page and "待处理" in page
    ids = [str(r.pk) for r in reminders]
    client.post(url, {"action": "mark_resolved", "_selected_action": ids})
    assert not TradeReminder.objects.filter(resolved_at__isnull=True).exists()


def test_a_forged_push_records_nothing(carriers):
    order = paid_order()
    faults.set_fault("wechat", "wrong_signature")
    wechat_logistics.push_remind_shipping(trade_of(order))
    assert not WechatTradeEvent.objects.exists()


# --- reconciliation and setup -------------------------------------------------------------------------
def test_the_daily_reconciliation_names_a_disagreement(carriers, committed):
    shipped_order = paid_order()
    ship(shipped_order, committed)
    lost = paid_order()
    ShippingUpload.objects.create(  # shipped in WeChat's console, not in the kit
        payload={
            "order_key": {"order_number_type": 2, "transaction_id": trade_of(lost).transaction_id},
            "logistics_type": 1,
            "delivery_mode": 1,
            "shipping_list": [{"tracking_no": "731234", "express_company": "ZTO", "item_desc": "茶"}],
            "upload_time": timezone.now().isoformat(),
            "payer": {"openid": trade_of(lost).payer_openid},
        }
    )
    counts = trade_management.reconcile_trade_orders()
    assert counts == {"checked": 2, "mismatched": 1, "failed": 0}
    assert WechatTradeOrder.objects.get(order=shipped_order).platform_state == 2
    assert WechatTradeOrder.objects.get(order=lost).mismatch == "微信显示已发货，本店还未发货"


def test_the_setup_command_prints_what_the_merchant_must_still_do(carriers):
    wechat_logistics.set_console(trade_managed=False)
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("check_wechat_shipping_setup", stdout=out)
    text = out.getvalue()
    assert "开通“发货信息管理服务”" in text and "发货消息跳转路径已设为 pages/order/detail" in text
    assert wechat_logistics.console().msg_jump_path == "pages/order/detail"

    wechat_logistics.set_console(trade_managed=True)
    out = io.StringIO()
    call_command("check_wechat_shipping_setup", stdout=out)
    assert "[TODO]" in out.getvalue() and "logisticsPlugin" in out.getvalue()
