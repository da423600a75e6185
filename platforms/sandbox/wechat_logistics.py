"""The emulated WeChat logistics tracking component (物流查询组件) and order-shipping management
(发货信息管理) beyond the upload itself, at WeChat's own paths under /sandbox/wechat/, plus the
controls that stand in for WeChat's side: a parcel moving, the settlement and reminder pushes,
and the switches of the mini program console.

Rules and codes as WeChat's pages give them (developers.weixin.qq.com, express/delivery/open_msg
and order_shipping): 48001 when the component is not enabled, 40003 for an openid that did not
pay the trade, 9300507 for an unknown waybill token, 931023 for a waybill the carrier does not
know and 9300559 for an unknown carrier id; 10060001 for an unknown payment, 10060029 for a
receipt time that is not after shipping; 268546000 / 268546001 / 268546002 for a special report
with a bad type, a bad delay_to (15 to 330 days after payment) or an order not waiting to ship.
Where WeChat publishes no code for a rule, the sandbox's own choice is named in its comment.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from platforms.sandbox.models import (
    PayRefund,
    PayTrade,
    SandboxTradeOrder,
    SandboxWaybill,
    SandboxWeChatConsole,
    ShippingUpload,
)
from platforms.sandbox.wechat_views import OPENID, PAGE_PATH, _error, _ok, push_message, wechat_api

# get_delivery_list: the carriers WeChat knows, by delivery_id (a few of the real list).
DELIVERY_LIST = (
    ("SF", "顺丰速运"),
    ("ZTO", "中通快递"),
    ("YTO", "圆通速递"),
    ("YD", "韵达速递"),
    ("STO", "申通快递"),
    ("JD", "京东物流"),
    ("EMS", "中国邮政速递物流"),
    ("DBL", "德邦快递"),
)
DELIVERY_NAMES = dict(DELIVERY_LIST)
# The parcel's states in query_trace's waybill_info.status.
TRACE_STATES = {
    0: "揽件前",
    1: "已揽件",
    2: "运输中",
    3: "派件中",
    4: "已签收",
    5: "异常",
    6: "代签收",
}
# Limits the sandbox holds goods_info to (WeChat's page gives the fields, not their lengths: these
# are the sandbox's choice, answered with 47001 like any malformed body).
MAX_GOODS = 10
GOODS_NAME_MAX = 40
GOODS_DESC_MAX = 100
WAYBILL_ID = re.compile(r"^[A-Za-z0-9]{6,32}$")
PHONE = re.compile(r"^1\d{10}$")
SPECIAL_MIN_DAYS, SPECIAL_MAX_DAYS = 15, 330
ORDER_STATES = {1: "待发货", 2: "已发货", 3: "确认收货", 4: "交易完成", 5: "已退款", 6: "资金待结算"}
# notify_confirm_receive may be called once per order; WeChat's page names no code for a second
# call, nor for an order that was not shipped by express: the sandbox answers these (its choice).
CONFIRM_AGAIN_ERRCODE = 10060027
CONFIRM_NOT_EXPRESS_ERRCODE = 10060023


def console() -> SandboxWeChatConsole:
    row = SandboxWeChatConsole.objects.order_by("id").first()
    return row or SandboxWeChatConsole.objects.create()


def set_console(**switches) -> SandboxWeChatConsole:
    row = console()
    for name, value in switches.items():
        setattr(row, name, value)
    row.save()
    return row


# --- logistics tracking component -------------------------------------------------------------------
@wechat_api()
def get_delivery_list(request, body):
    return _ok(
        delivery_list=[{"delivery_id": code, "delivery_name": name} for code, name in DELIVERY_LIST],
        count=len(DELIVERY_LIST),
    )


def goods_problem(goods_info) -> str | None:
    detail = (goods_info or {}).get("detail_list") if isinstance(goods_info, dict) else None
    if not isinstance(detail, list) or not detail:
        return "goods_info.detail_list must list the parcel's goods"
    if len(detail) > MAX_GOODS:
        return f"goods_info.detail_list holds at most {MAX_GOODS} goods"
    for index, item in enumerate(detail):
        if not isinstance(item, dict) or not item.get("goods_name") or not item.get("goods_img_url"):
            return f"goods_info.detail_list[{index}] needs goods_name and goods_img_url"
        if len(str(item["goods_name"])) > GOODS_NAME_MAX:
            return f"goods_info.detail_list[{index}].goods_name is at most {GOODS_NAME_MAX} characters"
        if len(str(item.get("goods_desc", ""))) > GOODS_DESC_MAX:
            return f"goods_info.detail_list[{index}].goods_desc is at most {GOODS_DESC_MAX} characters"
        if not str(item["goods_img_url"]).startswith(("https://", "http://")):
            return f"goods_info.detail_list[{index}].goods_img_url must be a URL"
    return None


def _open_waybill(body: dict, *, follow: bool):
    if not console().logistics_component:
        return _error(48001, "api unauthorized: the logistics tracking component is not enabled")
    openid = body.get("openid")
    if not isinstance(openid, str) or not OPENID.match(openid):
        return _error(40003, "invalid openid")
    for name in ("receiver_phone", "waybill_id", "delivery_id", "trans_id"):
        if not isinstance(body.get(name), str) or not body[name]:
            return _error(47001, f"data format error: {name} is required")
    if not PHONE.match(body["receiver_phone"]):
        return _error(47001, "data format error: receiver_phone is a mobile number")
    problem = goods_problem(body.get("goods_info"))
    if problem:
        return _error(47001, f"data format error: {problem}")
    path = str(body.get("order_detail_path", ""))
    if path and not PAGE_PATH.match(path.lstrip("/").partition("?")[0]):
        return _error(47001, "data format error: order_detail_path is a page of the mini program")
    trade = PayTrade.objects.filter(transaction_id=body["trans_id"], state=PayTrade.State.SUCCESS).first()
    if trade is None:
        # The component is for goods paid with WeChat Pay: the sandbox's code for an unknown trans_id.
        return _error(47001, "data format error: trans_id is not a WeChat Pay payment of this mini program")
    if trade.payer_openid != openid:
        return _error(40003, "invalid openid: not the payer of trans_id")
    if body["delivery_id"] not in DELIVERY_NAMES:
        return _error(9300559, "delivery_id not found: use an id of get_delivery_list")
    if not WAYBILL_ID.match(body["waybill_id"]) or "NOTFOUND" in body["waybill_id"].upper():
        return _error(931023, "waybill not found at the carrier")
    row = SandboxWaybill.objects.filter(
        follow=follow, delivery_id=body["delivery_id"], waybill_id=body["waybill_id"], trans_id=body["trans_id"]
    ).first()
    if row is None:
        row = SandboxWaybill.objects.create(
            token=secrets.token_urlsafe(24),
            follow=follow,
            openid=openid,
            receiver_phone=body["receiver_phone"],
            waybill_id=body["waybill_id"],
            delivery_id=body["delivery_id"],
            trans_id=body["trans_id"],
            order_detail_path=path,
            goods_info=body["goods_info"],
        )
    return _ok(waybill_token=row.token)


@wechat_api()
def trace_waybill(request, body):
    return _open_waybill(body, follow=False)


@wechat_api()
def follow_waybill(request, body):
    return _open_waybill(body, follow=True)


def _waybill(token, *, follow: bool) -> SandboxWaybill | None:
    if not isinstance(token, str) or not token:
        return None
    return SandboxWaybill.objects.filter(token=token, follow=follow).first()


@wechat_api()
def update_waybill_goods(request, body):
    if not console().logistics_component:
        return _error(48001, "api unauthorized: the logistics tracking component is not enabled")
    row = _waybill(body.get("waybill_token"), follow=False)
    if row is None:
        return _error(9300507, "waybill_token is invalid")
    problem = goods_problem(body.get("goods_info"))
    if problem:
        return _error(47001, f"data format error: {problem}")
    row.goods_info = body["goods_info"]
    row.goods_updates += 1
    row.save(update_fields=["goods_info", "goods_updates", "updated_at"])
    return _ok()


def _trace(row: SandboxWaybill) -> dict:
    return {
        "waybill_token": row.token,
        "openid": row.openid,
        "delivery_id": row.delivery_id,
        "waybill_id": row.waybill_id,
        "shop_info": {"goods_info": row.goods_info},
        "waybill_info": {"status": row.status, "waybill_id": row.waybill_id},
        "delivery_info": {"delivery_id": row.delivery_id, "delivery_name": DELIVERY_NAMES[row.delivery_id]},
        "path_item_num": row.status,
        "path_item_list": [
            {
                "action_time": int(row.created_at.timestamp()) + step,
                "action_type": step,
                "action_msg": TRACE_STATES[step],
            }
            for step in range(1, row.status + 1)
            if step in TRACE_STATES
        ],
    }


@wechat_api()
def query_trace(request, body):
    row = _waybill(body.get("waybill_token"), follow=False)
    if row is None:
        return _error(9300507, "waybill_token is invalid")
    return _ok(**_trace(row))


@wechat_api()
def query_follow_trace(request, body):
    row = _waybill(body.get("waybill_token"), follow=True)
    if row is None:
        return _error(9300507, "waybill_token is invalid")
    return _ok(**_trace(row))


def move_waybill(token: str, status: int) -> SandboxWaybill:
    """The carrier moved the parcel: every token of that waybill answers the new status."""
    row = SandboxWaybill.objects.get(token=token)
    SandboxWaybill.objects.filter(delivery_id=row.delivery_id, waybill_id=row.waybill_id).update(status=status)
    row.refresh_from_db()
    return row


# --- order-shipping management --------------------------------------------------------------------
def _trade_of(body: dict, *, id_key="transaction_id", mch_key="merchant_id", no_key="merchant_trade_no"):
    if body.get(id_key):
        return PayTrade.objects.filter(transaction_id=body[id_key]).exclude(transaction_id="").first()
    if body.get(mch_key) and body.get(no_key):
        return PayTrade.objects.filter(mchid=body[mch_key], out_trade_no=body[no_key]).first()
    return None


def trade_order(trade: PayTrade) -> SandboxTradeOrder:
    row, _ = SandboxTradeOrder.objects.get_or_create(
        transaction_id=trade.transaction_id, defaults={"out_trade_no": trade.out_trade_no}
    )
    return row


def accepted_uploads(trade: PayTrade) -> list[dict]:
    return [
        row.payload
        for row in ShippingUpload.objects.filter(payload__order_key__transaction_id=trade.transaction_id).order_by("id")
    ] + [
        row.payload
        for row in ShippingUpload.objects.filter(
            payload__order_key__mchid=trade.mchid, payload__order_key__out_trade_no=trade.out_trade_no
        ).order_by("id")
    ]


def _refunded(trade: PayTrade) -> bool:
    total = trade.refunds.exclude(status=PayRefund.Status.CLOSED).aggregate(total=Sum("refund"))["total"] or 0
    return total >= trade.total


def order_state(trade: PayTrade) -> int:
    row = trade_order(trade)
    if _refunded(trade):
        return 5
    if row.settled_at:
        return 4
    if row.confirmed_at:
        return 3
    uploads = accepted_uploads(trade)
    if any(p["delivery_mode"] == 1 or p.get("is_all_delivered") is True for p in uploads):
        return 2
    return 1


@wechat_api()
def get_order(request, body):
    trade = _trade_of(body)
    if trade is None or trade.state == PayTrade.State.NOTPAY:
        return _error(10060001, "支付单不存在")
    uploads = accepted_uploads(trade)
    last = uploads[-1] if uploads else None
    state = order_state(trade)
    order = {
        "transaction_id": trade.transaction_id,
        "merchant_id": trade.mchid,
        "merchant_trade_no": trade.out_trade_no,
        "description": trade.description,
        "paid_amount": trade.total,
        "openid": trade.payer_openid,
        "trade_create_time": int(trade.created_at.timestamp()),
        "pay_time": int(trade.success_time.timestamp()) if trade.success_time else 0,
        "order_state": state,
        "in_complaint": False,
    }
    if last:
        order["shipping"] = {
            "delivery_mode": last["delivery_mode"],
            "logistics_type": last["logistics_type"],
            "finish_shipping": state >= 2 and state != 5,
            "finish_shipping_count": len(uploads),
            "shipping_list": last["shipping_list"],
        }
    return _ok(order=order)


@wechat_api()
def notify_confirm_receive(request, body):
    trade = _trade_of(body)
    if trade is None or trade.state != PayTrade.State.SUCCESS:
        return _error(10060001, "支付单不存在")
    received = body.get("received_time")
    if not isinstance(received, int) or isinstance(received, bool):
        return _error(47001, "data format error: received_time is a unix timestamp in seconds")
    uploads = accepted_uploads(trade)
    if not uploads or uploads[0]["logistics_type"] != 1:
        return _error(CONFIRM_NOT_EXPRESS_ERRCODE, "只有物流快递发货的订单才能提醒确认收货")
    shipped = dt.datetime.fromisoformat(uploads[0]["upload_time"].replace("Z", "+00:00")).timestamp()
    if received <= shipped or received > time.time() + 60:
        return _error(10060029, "签收时间不合理")
    with transaction.atomic():
        row = SandboxTradeOrder.objects.select_for_update().get(pk=trade_order(trade).pk)
        if row.confirm_notified_at is not None:
            return _error(CONFIRM_AGAIN_ERRCODE, "每个订单仅可调用一次确认收货提醒")
        row.confirm_notified_at, row.received_time = timezone.now(), received
        row.save(update_fields=["confirm_notified_at", "received_time", "updated_at"])
    return _ok()


@wechat_api()
def opspecialorder(request, body):
    kind = body.get("type")
    if kind not in (1, 2):
        return _error(268546000, "type非法")
    trade = (
        PayTrade.objects.filter(state=PayTrade.State.SUCCESS)
        .filter(transaction_id=str(body.get("order_id") or ""))
        .first()
        or PayTrade.objects.filter(state=PayTrade.State.SUCCESS, out_trade_no=str(body.get("order_id") or "")).first()
    )
    if kind == 1:
        delay_to = body.get("delay_to")
        paid = (trade.success_time if trade and trade.success_time else timezone.now()).timestamp()
        if (
            not isinstance(delay_to, int)
            or delay_to < paid + SPECIAL_MIN_DAYS * 86400
            or delay_to > paid + SPECIAL_MAX_DAYS * 86400
        ):
            return _error(268546001, "delay_to非法: 预计发货时间须在支付后15天到330天之间")
    if trade is None or order_state(trade) != 1:
        return _error(268546002, "账户不存在这个待发货单号")
    row = trade_order(trade)
    row.special_type, row.delay_to = kind, body.get("delay_to")
    row.save(update_fields=["special_type", "delay_to", "updated_at"])
    return _ok()


@wechat_api()
def set_msg_jump_path(request, body):
    path = body.get("path")
    if not isinstance(path, str) or not path or not PAGE_PATH.match(path.lstrip("/").partition("?")[0]):
        return _error(47001, "data format error: path is a page of the mini program")
    set_console(msg_jump_path=path)
    return _ok()


@wechat_api()
def is_trade_managed(request, body):
    if body.get("appid") != settings.WECHAT_APP_ID:
        return _error(40013, "invalid appid")
    return _ok(is_trade_managed=console().trade_managed)


@wechat_api()
def is_trade_management_confirmation_completed(request, body):
    if body.get("appid") != settings.WECHAT_APP_ID:
        return _error(40013, "invalid appid")
    return _ok(completed=console().settlement_confirmed)


# --- pushes (the sandbox page's buttons and the tests) -------------------------------------------------
PUSH_EVENTS = ("trade_manage_order_settlement", "trade_manage_remind_shipping", "trade_manage_remind_access_api")


def _push_base(event: str) -> dict:
    return {
        "ToUserName": "gh_sandbox",
        "FromUserName": "o_sandbox_system",
        "CreateTime": int(time.time()),
        "MsgType": "event",
        "Event": event,
    }


def push_settlement(trade: PayTrade, *, confirm_receive_method: int = 1) -> dict:
    """The shopper confirmed receipt (1 by hand, 2 automatically) and the money settles."""
    row = trade_order(trade)
    now = timezone.now()
    row.confirmed_at = row.confirmed_at or now
    row.settled_at = now
    row.save(update_fields=["confirmed_at", "settled_at", "updated_at"])
    uploads = accepted_uploads(trade)
    shipped = uploads[0]["upload_time"] if uploads else None
    message = {
        **_push_base("trade_manage_order_settlement"),
        "transaction_id": trade.transaction_id,
        "merchant_id": trade.mchid,
        "sub_merchant_id": "",
        "merchant_trade_no": trade.out_trade_no,
        "pay_time": int(trade.success_time.timestamp()) if trade.success_time else 0,
        "shipped_time": int(dt.datetime.fromisoformat(shipped.replace("Z", "+00:00")).timestamp()) if shipped else 0,
        "estimated_settlement_time": int(now.timestamp()),
        "confirm_receive_method": confirm_receive_method,
        "confirm_receive_time": int(row.confirmed_at.timestamp()),
        "settlement_time": int(now.timestamp()),
    }
    push_message(message)
    return message


def push_remind_shipping(trade: PayTrade) -> dict:
    message = {
        **_push_base("trade_manage_remind_shipping"),
        "transaction_id": trade.transaction_id,
        "merchant_id": trade.mchid,
        "sub_merchant_id": "",
        "merchant_trade_no": trade.out_trade_no,
        "pay_time": int(trade.success_time.timestamp()) if trade.success_time else 0,
        "msg": "你的小程序有一笔订单即将超过发货时效，请尽快发货并录入发货信息",
    }
    push_message(message)
    return message


def push_remind_access_api() -> dict:
    message = {
        **_push_base("trade_manage_remind_access_api"),
        "msg": "你的小程序已开通发货信息管理服务，请尽快完成发货信息录入接口的接入",
    }
    push_message(message)
    return message
