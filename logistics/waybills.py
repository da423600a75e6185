"""WeChat's logistics tracking component (物流查询组件) for the parcels of WeChat-paid orders.

Each parcel gets a waybill token from trace_waybill (kept on `WechatWaybill`; it does not
expire), which the shipment API hands the mini program for
`requirePlugin("logisticsPlugin").openWaybillTracking({waybillToken})`: the shopper follows the
parcel in WeChat's own tracking page. When a parcel's goods change (units refunded),
update_waybill_goods tells WeChat; query_trace's status (0 to 6) is mapped onto our tracking
states. With WECHAT_WAYBILL_FOLLOW on, follow_waybill also makes WeChat send the shopper its
own service notices as the parcel moves.

48001 (the component is not enabled for the mini program) stops the parcel at "not enabled",
shown in the admin, without retrying; outages are retried by the task. Every call happens
outside any transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from platforms.base import PlatformError
from platforms.tracking import ParcelEvent, ParcelTimeline
from platforms.wechat.miniprogram import WeChatLogistics
from storefront.orders.selectors import units_refunded

from . import services
from .models import Shipment, TrackingEvent, TrackingStatus, WechatWaybill

logger = logging.getLogger(__name__)

# query_trace's waybill_info.status -> our tracking states.
TRACE_TO_TRACKING = {
    0: TrackingStatus.WAITING,
    1: TrackingStatus.ACCEPTED,
    2: TrackingStatus.IN_TRANSIT,
    3: TrackingStatus.OUT_FOR_DELIVERY,
    4: TrackingStatus.DELIVERED,
    5: TrackingStatus.EXCEPTION,
    6: TrackingStatus.DELIVERED,  # signed by someone else for the shopper
}
TRACE_TEXT = {0: "揽件前", 1: "已揽件", 2: "运输中", 3: "派件中", 4: "已签收", 5: "异常", 6: "已代签收"}
NOT_ENABLED = "48001"
TOKEN_INVALID = "9300507"
LEASE = dt.timedelta(minutes=2)


def tracking_status_of(trace_status: int) -> str:
    return TRACE_TO_TRACKING.get(int(trace_status), TrackingStatus.EXCEPTION)


def order_detail_path(order) -> str:
    template = getattr(settings, "WECHAT_ORDER_DETAIL_PATH", "pages/order/detail?number={number}")
    return template.format(number=order.number)


def _image_url(line) -> str:
    default = getattr(settings, "WECHAT_WAYBILL_GOODS_IMAGE", f"{settings.SITE_URL}/static/logistics/goods.png")
    product = line.product
    image = product.primary_image() if product is not None else None
    original = getattr(image, "original", None) if image is not None and not isinstance(image, dict) else None
    try:
        url = original.url if original else ""
    except ValueError:
        url = ""
    if not url:
        return default
    return url if url.startswith("http") else settings.SITE_URL + url


def parcel_units(shipment: Shipment) -> dict[int, int]:
    """{order line id: units still in the parcel}: units refunded beyond those never shipped are
    taken out of the order's parcels, oldest first."""
    order = shipment.order
    refunded = units_refunded(order)
    parcels = list(order.shipments.prefetch_related("lines").order_by("pk"))
    shipped: dict[int, int] = {}
    for parcel in parcels:
        for line in parcel.lines.all():
            shipped[line.line_id] = shipped.get(line.line_id, 0) + line.quantity
    lines = {line.pk: line for line in order.lines.all()}
    to_take = {
        pk: max(0, refunded.get(pk, 0) - (lines[pk].quantity - shipped.get(pk, 0)))
        for pk in lines
        if refunded.get(pk, 0)
    }
    units = {}
    for parcel in parcels:
        for line in parcel.lines.all():
            taken = min(line.quantity, to_take.get(line.line_id, 0))
            to_take[line.line_id] = to_take.get(line.line_id, 0) - taken
            if parcel.pk == shipment.pk:
                units[line.line_id] = line.quantity - taken
    return units


def waybill_goods(shipment: Shipment) -> dict:
    """goods_info of the parcel: name, image URL and a short description of each line in it."""
    units = parcel_units(shipment)
    detail = []
    for shipped in shipment.lines.select_related("line__product").order_by("line_id"):
        quantity = units.get(shipped.line_id, 0)
        if quantity <= 0:
            continue
        detail.append(
            {
                "goods_name": shipped.line.title[:40],
                "goods_img_url": _image_url(shipped.line),
                "goods_desc": f"数量 {quantity}",
            }
        )
    return {"detail_list": detail[:10]}


def _digest(goods: dict) -> str:
    text = json.dumps(goods, ensure_ascii=False, sort_keys=True)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def _receiver_phone(order) -> str:
    digits = "".join(ch for ch in services._recipient_phone(order) if ch.isdigit())
    return digits[-11:]


def _claim(waybill: WechatWaybill, now) -> bool:
    """One worker at a time calls WeChat for a parcel, without holding a row lock during the call."""
    return bool(
        WechatWaybill.objects.filter(pk=waybill.pk, state=WechatWaybill.State.PENDING)
        .filter(Q(checked_at__isnull=True) | Q(checked_at__lt=now - LEASE))
        .update(checked_at=now, attempts=waybill.attempts + 1)
    )


def open_waybill(*, shipment_id, now=None) -> WechatWaybill | None:
    """trace_waybill for one parcel of a WeChat-paid order (None for other orders). A retryable
    failure is raised for the task to retry; anything else is kept on the row."""
    now = now or timezone.now()
    shipment = Shipment.objects.select_related("carrier", "order__shipping_address").get(pk=shipment_id)
    payment = services._wechat_payment(shipment.order)
    if payment is None or not payment.transaction_id:
        return None
    waybill, _ = WechatWaybill.objects.get_or_create(shipment=shipment)
    if waybill.state != WechatWaybill.State.PENDING or not _claim(waybill, now):
        return waybill
    goods = waybill_goods(shipment)
    body = {
        "openid": payment.payer_id,
        "receiver_phone": _receiver_phone(shipment.order),
        "waybill_id": shipment.tracking_number,
        "delivery_id": shipment.carrier.wechat_company_id,
        "goods_info": goods,
        "trans_id": payment.transaction_id,
        "order_detail_path": order_detail_path(shipment.order),
    }
    client = WeChatLogistics()
    fields = {}
    try:
        fields["waybill_token"] = client.trace_waybill(body)
        if getattr(settings, "WECHAT_WAYBILL_FOLLOW", False):
            fields["follow_token"] = client.follow_waybill(body)
    except PlatformError as exc:
        return _failed(waybill, exc)
    WechatWaybill.objects.filter(pk=waybill.pk).update(
        state=WechatWaybill.State.READY,
        goods_digest=_digest(goods),
        opened_at=timezone.now(),
        error_code="",
        error="",
        **fields,
    )
    waybill.refresh_from_db()
    return waybill


def _failed(waybill: WechatWaybill, exc: PlatformError) -> WechatWaybill:
    code = str(exc.code)[:32]
    logger.warning("WeChat waybill of %s: %s", waybill.shipment, exc.message)
    if code == NOT_ENABLED:
        state = WechatWaybill.State.NOT_ENABLED
    elif exc.retryable:
        state = WechatWaybill.State.PENDING
    else:
        state = WechatWaybill.State.FAILED
    WechatWaybill.objects.filter(pk=waybill.pk).update(
        state=state, error_code=code, error=exc.message[:500], checked_at=None if exc.retryable else timezone.now()
    )
    waybill.refresh_from_db()
    if exc.retryable:
        raise exc
    return waybill


def open_order_waybills(order) -> int:
    """trace_waybill for each parcel of the order that has no token yet; returns how many are ready."""
    ready = 0
    for shipment_id in order.shipments.order_by("pk").values_list("pk", flat=True):
        waybill = open_waybill(shipment_id=shipment_id)
        ready += bool(waybill and waybill.state == WechatWaybill.State.READY)
    return ready


def update_order_waybill_goods(order) -> int:
    """update_waybill_goods for the order's parcels whose goods changed; returns how many were sent.
    A token WeChat no longer knows (9300507) is opened again with trace_waybill."""
    sent = 0
    waybills = WechatWaybill.objects.filter(shipment__order=order, state=WechatWaybill.State.READY).select_related(
        "shipment__order"
    )
    for waybill in waybills:
        goods = waybill_goods(waybill.shipment)
        digest = _digest(goods)
        if digest == waybill.goods_digest or not goods["detail_list"]:
            continue
        try:
            WeChatLogistics().update_waybill_goods(waybill_token=waybill.waybill_token, goods_info=goods)
        except PlatformError as exc:
            if str(exc.code) == TOKEN_INVALID:
                WechatWaybill.objects.filter(pk=waybill.pk).update(
                    state=WechatWaybill.State.PENDING, waybill_token="", checked_at=None
                )
                open_waybill(shipment_id=waybill.shipment_id)
                continue
            _failed(waybill, exc)
            continue
        WechatWaybill.objects.filter(pk=waybill.pk).update(goods_digest=digest, error_code="", error="")
        sent += 1
    return sent


def check_waybill(*, waybill_id) -> str | None:
    """query_trace for one parcel: WeChat's status kept, and recorded on our timeline (mapped)
    when it moved. Returns our tracking status, or None when WeChat could not say."""
    waybill = WechatWaybill.objects.select_related("shipment").get(pk=waybill_id)
    try:
        answer = WeChatLogistics().query_trace(waybill.waybill_token)
    except PlatformError as exc:
        if str(exc.code) == TOKEN_INVALID:
            WechatWaybill.objects.filter(pk=waybill.pk).update(
                state=WechatWaybill.State.PENDING, waybill_token="", checked_at=None
            )
        else:
            WechatWaybill.objects.filter(pk=waybill.pk).update(error_code=str(exc.code)[:32], error=exc.message[:500])
        return None
    trace = int((answer.get("waybill_info") or {}).get("status", 0))
    status = tracking_status_of(trace)
    WechatWaybill.objects.filter(pk=waybill.pk).update(wechat_status=trace, checked_at=timezone.now())
    if trace != waybill.wechat_status and trace > 0:
        steps = answer.get("path_item_list") or []
        moment = steps[-1]["action_time"] if steps else int(timezone.now().timestamp())
        event = ParcelEvent(
            happened_at=dt.datetime.fromtimestamp(moment, tz=dt.UTC),
            text=f"微信物流：{TRACE_TEXT.get(trace, '')}",
            status=status,
            raw_status=f"wechat:{trace}",
        )
        shipment = waybill.shipment
        services.record_timeline(
            shipment_id=shipment.pk,
            timeline=ParcelTimeline(
                carrier_code=shipment.carrier.tracking_code,
                tracking_number=shipment.tracking_number,
                status=status,
                events=[event],
            ),
            source=TrackingEvent.Source.POLL,
        )
    return status


def waybills_to_check(limit=200) -> list[int]:
    return list(
        WechatWaybill.objects.filter(state=WechatWaybill.State.READY)
        .exclude(shipment__status__in=[TrackingStatus.DELIVERED, TrackingStatus.RETURNED])
        .order_by("checked_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def due_waybills(limit=200) -> list[int]:
    """Parcels whose token was not got yet (a lost task, an outage): the sweep opens them."""
    return list(
        WechatWaybill.objects.filter(state=WechatWaybill.State.PENDING)
        .order_by("pk")
        .values_list("shipment_id", flat=True)[:limit]
    )
