"""The WeChat logistics tracking component and order-shipping management calls, each against the
sandbox: the happy path and the errcodes WeChat answers (48001, 40003, 9300507, 931023, 9300559,
10060001, 10060002, 10060029, 268546000-268546002), and the pushes the sandbox sends."""

import datetime as dt

import pytest
from django.utils import timezone

from platforms.base import PlatformError
from platforms.sandbox import wechat_logistics
from platforms.sandbox.models import PayTrade, SandboxTradeOrder, SandboxWaybill, ShippingUpload
from platforms.wechat.miniprogram import WeChatLogistics

pytestmark = pytest.mark.django_db

OPENID = "o_payer_of_the_parcel"


@pytest.fixture
def logistics(wechat):
    return WeChatLogistics(wechat)


def paid_trade(*, days_ago=0, transaction_id="4200000000000000000777", openid=OPENID):
    from django.conf import settings

    return PayTrade.objects.create(
        prepay_id=f"wx_{transaction_id}",
        appid=settings.WECHAT_APP_ID,
        mchid=settings.WECHATPAY_MCH_ID,
        out_trade_no=f"N{transaction_id[-10:]}",
        description="青山绿茶",
        total=3000,
        payer_openid=openid,
        notify_url="https://example.invalid/notify",
        state=PayTrade.State.SUCCESS,
        transaction_id=transaction_id,
        success_time=timezone.now() - dt.timedelta(days=days_ago, minutes=5),
    )


def waybill(**overrides):
    body = {
        "openid": OPENID,
        "receiver_phone": "13800138000",
        "waybill_id": "731234000000011",
        "delivery_id": "ZTO",
        "goods_info": {
            "detail_list": [
                {"goods_name": "青山绿茶", "goods_img_url": "https://example.com/tea.png", "goods_desc": "数量 2"}
            ]
        },
        "trans_id": "4200000000000000000777",
        "order_detail_path": "pages/order/detail?number=N1",
    }
    body.update(overrides)
    return body


def code_of(call):
    with pytest.raises(PlatformError) as caught:
        call()
    return caught.value.code


def shipped(trade, *, minutes_ago=30):
    ShippingUpload.objects.create(
        payload={
            "order_key": {"order_number_type": 2, "transaction_id": trade.transaction_id},
            "logistics_type": 1,
            "delivery_mode": 1,
            "shipping_list": [{"tracking_no": "731234000000011", "express_company": "ZTO", "item_desc": "茶"}],
            "upload_time": (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat(),
            "payer": {"openid": trade.payer_openid},
        }
    )


# --- tracking component ---------------------------------------------------------------------------
def test_a_parcel_gets_a_waybill_token_and_its_trace(logistics):
    paid_trade()
    token = logistics.trace_waybill(waybill())
    assert token and logistics.trace_waybill(waybill()) == token  # the same parcel, the same token
    wechat_logistics.move_waybill(token, 2)
    answer = logistics.query_trace(token)
    assert answer["waybill_info"]["status"] == 2
    assert answer["delivery_info"] == {"delivery_id": "ZTO", "delivery_name": "中通快递"}


def test_the_carrier_ids_come_from_get_delivery_list(logistics):
    known = logistics.delivery_list()
    assert {"SF", "ZTO", "YTO", "YD", "STO", "JD", "EMS"} <= set(known)


@pytest.mark.parametrize(
    ("overrides", "errcode"),
    [
        ({"openid": "o_someone_else"}, "40003"),
        ({"delivery_id": "NOPE"}, "9300559"),
        ({"waybill_id": "NOTFOUND1234"}, "931023"),
        ({"receiver_phone": "8613800"}, "47001"),
        ({"trans_id": "4200000000000000000000"}, "47001"),
    ],
)
def test_the_sandbox_refuses_a_waybill_wechat_refuses(logistics, overrides, errcode):
    paid_trade()
    assert code_of(lambda: logistics.trace_waybill(waybill(**overrides))) == errcode
    assert not SandboxWaybill.objects.exists()


def test_a_mini_program_without_the_component_gets_48001(logistics):
    paid_trade()
    wechat_logistics.set_console(logistics_component=False)
    error = None
    try:
        logistics.trace_waybill(waybill())
    except PlatformError as exc:
        error = exc
    assert error is not None and error.code == "48001" and not error.retryable


def test_the_adapter_refuses_goods_wechat_would_refuse_without_a_token(logistics):
    paid_trade()
    assert code_of(lambda: logistics.trace_waybill(waybill(goods_info={"detail_list": []}))) == "47001"
    assert code_of(lambda: logistics.trace_waybill(waybill(openid=""))) == "40003"


def test_goods_are_updated_and_an_unknown_token_is_9300507(logistics):
    paid_trade()
    token = logistics.trace_waybill(waybill())
    goods = {
        "detail_list": [
            {"goods_name": "青山绿茶", "goods_img_url": "https://example.com/t.png", "goods_desc": "数量 1"}
        ]
    }
    logistics.update_waybill_goods(waybill_token=token, goods_info=goods)
    row = SandboxWaybill.objects.get(token=token)
    assert row.goods_updates == 1 and row.goods_info == goods
    assert code_of(lambda: logistics.update_waybill_goods(waybill_token="gone", goods_info=goods)) == "9300507"
    assert code_of(lambda: logistics.query_trace("gone")) == "9300507"


def test_the_message_component_has_its_own_token(logistics):
    paid_trade()
    token = logistics.trace_waybill(waybill())
    follow = logistics.follow_waybill(waybill())
    assert follow != token
    assert logistics.query_trace(follow, follow=True)["waybill_token"] == follow
    assert code_of(lambda: logistics.query_trace(token, follow=True)) == "9300507"


# --- order-shipping management --------------------------------------------------------------------
def test_get_order_says_wechats_order_state(logistics):
    trade = paid_trade()
    assert logistics.get_order(transaction_id=trade.transaction_id)["order_state"] == 1
    shipped(trade)
    assert logistics.get_order(transaction_id=trade.transaction_id)["order_state"] == 2
    assert code_of(lambda: logistics.get_order(transaction_id="4200999")) == "10060001"


def test_the_receipt_reminder_goes_once_and_after_shipping(logistics):
    trade = paid_trade()
    shipped(trade, minutes_ago=30)
    early = int((timezone.now() - dt.timedelta(hours=1)).timestamp())
    assert (
        code_of(lambda: logistics.notify_confirm_receive(transaction_id=trade.transaction_id, received_time=early))
        == "10060029"
    )
    now = int(timezone.now().timestamp())
    logistics.notify_confirm_receive(transaction_id=trade.transaction_id, received_time=now)
    assert SandboxTradeOrder.objects.get(transaction_id=trade.transaction_id).received_time == now
    again = code_of(lambda: logistics.notify_confirm_receive(transaction_id=trade.transaction_id, received_time=now))
    assert again == str(wechat_logistics.CONFIRM_AGAIN_ERRCODE)


def test_a_receipt_reminder_for_an_unknown_or_unshipped_payment_is_refused(logistics):
    trade = paid_trade()
    now = int(timezone.now().timestamp())
    assert code_of(lambda: logistics.notify_confirm_receive(transaction_id="4200404", received_time=now)) == "10060001"
    not_shipped = code_of(
        lambda: logistics.notify_confirm_receive(transaction_id=trade.transaction_id, received_time=now)
    )
    assert not_shipped == str(wechat_logistics.CONFIRM_NOT_EXPRESS_ERRCODE)


def test_a_late_order_is_reported_within_wechats_window(logistics):
    trade = paid_trade()
    paid = trade.success_time.timestamp()
    assert code_of(lambda: logistics.report_special_order(order_id=trade.transaction_id, kind=3)) == "268546000"
    too_soon = int(paid + 3 * 86400)
    assert (
        code_of(lambda: logistics.report_special_order(order_id=trade.transaction_id, kind=1, delay_to=too_soon))
        == "268546001"
    )
    too_late = int(paid + 331 * 86400)
    assert (
        code_of(lambda: logistics.report_special_order(order_id=trade.transaction_id, kind=1, delay_to=too_late))
        == "268546001"
    )
    fine = int(paid + 20 * 86400)
    assert code_of(lambda: logistics.report_special_order(order_id="4200404", kind=1, delay_to=fine)) == "268546002"
    logistics.report_special_order(order_id=trade.transaction_id, kind=1, delay_to=fine)
    assert SandboxTradeOrder.objects.get(transaction_id=trade.transaction_id).delay_to == fine
    shipped(trade)
    assert (
        code_of(lambda: logistics.report_special_order(order_id=trade.transaction_id, kind=1, delay_to=fine))
        == "268546002"
    )


def test_a_shipped_payment_whose_receipt_was_confirmed_is_10060002(wechat):
    trade = paid_trade()
    shipped(trade)
    SandboxTradeOrder.objects.create(
        transaction_id=trade.transaction_id, out_trade_no=trade.out_trade_no, confirmed_at=timezone.now()
    )
    payload = dict(ShippingUpload.objects.get().payload, upload_time=timezone.now().isoformat())
    assert code_of(lambda: wechat.upload_shipping(payload)) == "10060002"


def test_the_setup_calls_say_what_is_switched_on(logistics):
    assert logistics.is_trade_managed() is True and logistics.is_settlement_confirmed() is True
    wechat_logistics.set_console(trade_managed=False, settlement_confirmed=False)
    assert logistics.is_trade_managed() is False and logistics.is_settlement_confirmed() is False
    logistics.set_msg_jump_path("pages/order/detail")
    assert wechat_logistics.console().msg_jump_path == "pages/order/detail"
    assert code_of(lambda: logistics.set_msg_jump_path("")) == "47001"


def test_the_sandbox_page_shows_tokens_syncs_and_pushes_and_sends_a_settlement(client, logistics):
    trade = paid_trade()
    token = logistics.trace_waybill(waybill())
    page = client.get("/sandbox/").content.decode()
    assert token in page and "支付宝订单中心" in page and ">结算<" in page
    client.post("/sandbox/wechat/trade-push/", {"event": "settlement", "transaction_id": trade.transaction_id})
    assert SandboxTradeOrder.objects.get(transaction_id=trade.transaction_id).settled_at is not None
    assert "trade_manage_order_settlement" in client.get("/sandbox/").content.decode()
