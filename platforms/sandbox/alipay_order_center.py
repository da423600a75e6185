"""The emulated Alipay order center: `alipay.merchant.order.sync` (订单数据同步), registered in the
gateway's HANDLERS.

What it holds the kit to: `out_biz_no`, a buyer (`buyer_id` or `buyer_open_id`), `amount`,
`item_order_list`, `order_create_time` / `order_modified_time` (yyyy-MM-dd HH:mm:ss) and `ext_info`
with `merchant_biz_type` and `merchant_order_status` are required (40004 INVALID_PARAMETER);
the trade named by `trade_no` must have been created in the mini program, and be paid for any status
past WAIT_PAY; statuses only move forward and each is sent once; the order link page
(`merchant_order_link_page`) is accepted once (AE0515022537 after that). The sub_code for a status
that does not move forward is the sandbox's own (ORDER_STATUS_NOT_FORWARD): Alipay's page names none.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from platforms.sandbox.alipay_models import AlipayTrade
from platforms.sandbox.logistics_models import SandboxAlipayOrder

# The shopping order's statuses in the order they happen; REFUNDED may follow any paid one.
STATUS_RANK = {"WAIT_PAY": 0, "PAID": 1, "IN_DELIVERY": 2, "SIGNED": 3, "FINISHED": 4, "REFUNDED": 5, "CLOSED": 5}
BIZ_TYPES = ("KX_SHOPPING",)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
LINK_PAGE_AGAIN = "AE0515022537"


def _failure(sub_code, sub_msg):
    from platforms.sandbox.alipay_gateway import business_failed

    return business_failed(sub_code, sub_msg)


def _ext(biz) -> dict:
    rows = biz.get("ext_info")
    if not isinstance(rows, list):
        raise _failure("INVALID_PARAMETER", "ext_info必须是列表 [{ext_key, ext_value}]")
    found = {}
    for row in rows:
        if not isinstance(row, dict) or not row.get("ext_key"):
            raise _failure("INVALID_PARAMETER", "ext_info的每一项需要ext_key和ext_value")
        found[row["ext_key"]] = str(row.get("ext_value", ""))
    return found


def _check_time(biz, name):
    value = biz.get(name)
    try:
        dt.datetime.strptime(str(value), TIME_FORMAT)
    except ValueError:
        raise _failure("INVALID_PARAMETER", f"{name}格式应为yyyy-MM-dd HH:mm:ss") from None


def merchant_order_sync(params, biz):
    from platforms.sandbox.alipay_gateway import OK

    for name in ("out_biz_no", "amount"):
        if not biz.get(name):
            raise _failure("INVALID_PARAMETER", f"{name}不能为空")
    buyer = biz.get("buyer_id") or biz.get("buyer_open_id")
    if not buyer:
        raise _failure("INVALID_PARAMETER", "buyer_id和buyer_open_id不能同时为空")
    items = biz.get("item_order_list")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) and i.get("item_name") for i in items):
        raise _failure("INVALID_PARAMETER", "item_order_list不能为空, 每项需要item_name")
    _check_time(biz, "order_create_time")
    _check_time(biz, "order_modified_time")
    ext = _ext(biz)
    if ext.get("merchant_biz_type") not in BIZ_TYPES:
        raise _failure("INVALID_PARAMETER", "merchant_biz_type不支持")
    status = ext.get("merchant_order_status", "")
    if status not in STATUS_RANK:
        raise _failure("INVALID_PARAMETER", f"merchant_order_status不支持: {status}")
    trade = AlipayTrade.objects.filter(trade_no=biz.get("trade_no") or "-").first()
    if biz.get("trade_no") and trade is None:
        raise _failure("TRADE_NOT_EXIST", "交易不存在: trade_no须为小程序内创建的交易")
    if STATUS_RANK[status] > 0 and (
        trade is None
        or trade.status not in (AlipayTrade.Status.TRADE_SUCCESS, AlipayTrade.Status.TRADE_FINISHED)
        and not (status in ("REFUNDED", "CLOSED") and trade.refunded_amount)
    ):
        raise _failure("TRADE_NOT_PAID", "交易未在小程序内支付成功")
    if status == "IN_DELIVERY" and not biz.get("logistics_info_list"):
        raise _failure("INVALID_PARAMETER", "IN_DELIVERY需要logistics_info_list")
    link = ext.get("merchant_order_link_page", "")
    with transaction.atomic():
        row = SandboxAlipayOrder.objects.select_for_update().filter(out_biz_no=biz["out_biz_no"]).first()
        if row is not None:
            if STATUS_RANK[status] <= STATUS_RANK[row.status]:
                raise _failure("ORDER_STATUS_NOT_FORWARD", f"订单状态只能向前推进: {row.status} -> {status}")
            if link and row.link_page:
                raise _failure(LINK_PAGE_AGAIN, "订单跳转链接只能同步一次")
        else:
            row = SandboxAlipayOrder(out_biz_no=biz["out_biz_no"], buyer=buyer)
        row.trade_no = biz.get("trade_no") or row.trade_no
        row.status = status
        row.link_page = row.link_page or link
        row.history = [
            *row.history,
            {
                "status": status,
                "at": timezone.localtime().strftime(TIME_FORMAT),
                "logistics": biz.get("logistics_info_list") or [],
            },
        ]
        row.last_body = biz
        row.save()
    return {**OK, "record_id": f"{row.pk:016d}", "order_status": status}
