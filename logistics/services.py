"""Everything logistics writes: shipping orders (whole or in parts), recording tracking
events from the provider's pushes and from polling, the order moves they cause, WeChat
shipping uploads and the shopper's shipping notices.

Order statuses only change through `storefront.orders.status.change_order_status`.
Provider and platform calls happen outside any transaction that holds row locks; what
must follow a commit (subscribing the tracking number, the WeChat upload, notices) is
queued with `transaction.on_commit`, so a rolled-back shipment (a CSV preview, a failed
row) leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from oscar.apps.order.models import Order

from platforms.base import PlatformError, get_miniprogram
from platforms.tracking import ParcelTimeline, get_tracking_provider
from storefront.orders.status import DELIVERED, PARTIALLY_SHIPPED, SHIPPED, change_order_status
from storefront.payments.models import PaymentTransaction

from . import reships, selectors
from .carriers import carrier_rows
from .errors import (
    InvalidShipment,
    InvalidTrackingNumber,
    OrderNotShippable,
    PickupOrderNotShipped,
    TooManyItems,
    TrackingNumberInUse,
    UnknownCarrier,
)
from .models import Carrier, Shipment, ShipmentLine, ShippingNotice, TrackingEvent, TrackingStatus, WechatShippingUpload

logger = logging.getLogger(__name__)


def _change_order_status(order, new_status, *, actor, reason, expected_from=None):
    return change_order_status(
        order, new_status, actor=actor or "system:logistics", reason=reason, expected_from=expected_from
    )


# --- carriers -------------------------------------------------------------------------------
def ensure_default_carriers() -> int:
    """Creates the carriers of logistics.carriers that do not exist yet; returns how many."""
    created = 0
    for code, fields in carrier_rows():
        _, was_created = Carrier.objects.get_or_create(code=code, defaults=fields)
        created += was_created
    return created


def carrier_by_code(code: str) -> Carrier:
    carrier = Carrier.objects.filter(code__iexact=(code or "").strip(), is_active=True).first()
    if carrier is None:
        raise UnknownCarrier(f"Unknown carrier {code!r}.", fields={"carrier": "unknown carrier"})
    return carrier


def clean_tracking_number(carrier: Carrier, number) -> str:
    """The number without spaces, upper-case, or InvalidTrackingNumber."""
    cleaned = "".join(str(number or "").split()).upper()
    if not carrier.accepts_number(cleaned):
        example = f" (for example {carrier.number_example})" if carrier.number_example else ""
        raise InvalidTrackingNumber(
            f"{cleaned or 'An empty number'} is not a {carrier.name} tracking number{example}.",
            fields={"tracking_number": "does not match the carrier's format"},
        )
    return cleaned


# --- shipping ---------------------------------------------------------------------------------
def ship_order(*, order, carrier, tracking_number, lines=None, actor=None, source=Shipment.Source.ADMIN) -> Shipment:
    """Ships `lines` ({order line id: units}; None = everything not shipped yet) of a paid
    order in one parcel. The order becomes `shipped` when nothing is left to ship, else
    `partially_shipped`. Raises an InvalidShipment / Conflict subclass and writes nothing
    when the carrier, number, order status or quantities are wrong."""
    if isinstance(carrier, str):
        carrier = carrier_by_code(carrier)
    if not carrier.is_active:
        raise UnknownCarrier(f"{carrier.name} is switched off.", fields={"carrier": "not in use"})
    number = clean_tracking_number(carrier, tracking_number)
    try:
        with transaction.atomic():
            shipment = _create_shipment(order, carrier, number, lines, actor, source)
    except IntegrityError:
        # Two shipments raced for one number: the unique constraint decided.
        raise TrackingNumberInUse(f"{carrier.code} {number} is already used by another shipment.")
    return shipment


def _create_shipment(order, carrier, number, lines, actor, source):
    order = Order.objects.select_for_update(of=("self",)).select_related("info").get(pk=order.pk)
    if selectors.is_pickup(order):
        raise PickupOrderNotShipped(f"Order {order.number} is picked up in store: hand it over with its pickup code.")
    if order.status not in selectors.SHIPPABLE_ORDER_STATUSES:
        raise OrderNotShippable(f"Order {order.number} is {order.status}: only paid orders not fully shipped can ship.")
    left = {line.pk: (line, units) for line, units in selectors.lines_left_to_ship(order)}
    if not left:
        raise OrderNotShippable(f"Everything in order {order.number} has shipped already.")
    wanted = _wanted_quantities(order, left, lines)
    if Shipment.objects.filter(carrier=carrier, tracking_number=number).exists():
        raise TrackingNumberInUse(f"{carrier.code} {number} is already used by another shipment.")
    completes = all(wanted.get(pk, 0) == units for pk, (_, units) in left.items())
    shipment = Shipment.objects.create(
        order=order,
        carrier=carrier,
        tracking_number=number,
        shipped_by=_user_or_none(actor),
        source=source,
        completes_order=completes,
    )
    ShipmentLine.objects.bulk_create(
        [ShipmentLine(shipment=shipment, line_id=pk, quantity=units) for pk, units in sorted(wanted.items())]
    )
    new_status = SHIPPED if completes else PARTIALLY_SHIPPED
    if order.status != new_status:
        _change_order_status(order, new_status, actor=actor, reason=f"parcel {carrier.code} {number}")
    upload = _plan_wechat_upload(order, shipment=shipment, logistics_type=WechatShippingUpload.LogisticsType.EXPRESS)
    first_parcel = not Shipment.objects.filter(order=order).exclude(pk=shipment.pk).exists()

    def after_commit():
        from . import tasks

        tasks.subscribe_tracking.delay(shipment.pk)
        if upload is not None:
            _enqueue_upload(upload)
        if first_parcel:
            tasks.send_shipping_notice.delay(order.pk, ShippingNotice.Kind.SHIPPED)

    transaction.on_commit(after_commit)
    return shipment


def _wanted_quantities(order, left, lines) -> dict[int, int]:
    if lines is None:
        return {pk: units for pk, (_, units) in left.items()}
    wanted = {}
    order_line_ids = set(order.lines.values_list("pk", flat=True))
    for raw_pk, raw_units in dict(lines).items():
        try:
            pk, units = int(raw_pk), int(raw_units)
        except (TypeError, ValueError):
            raise InvalidShipment("Quantities must be whole numbers.", fields={"lines": "not a number"})
        if units == 0:
            continue
        if pk not in order_line_ids:
            raise InvalidShipment(f"Line {pk} is not a line of order {order.number}.", fields={"lines": "unknown line"})
        if units < 0:
            raise InvalidShipment("Quantities cannot be negative.", fields={"lines": "negative quantity"})
        available = left.get(pk, (None, 0))[1]
        if units > available:
            title = left[pk][0].title if pk in left else f"line {pk}"
            raise TooManyItems(
                f"{title}: {units} asked, only {available} left to ship.", fields={"lines": "more than left to ship"}
            )
        wanted[pk] = units
    if not wanted:
        raise InvalidShipment("Choose at least one item to ship.", fields={"lines": "nothing chosen"})
    return wanted


def _user_or_none(actor):
    from django.contrib.auth import get_user_model

    return actor if isinstance(actor, get_user_model()) else None


# --- tracking ---------------------------------------------------------------------------------
def tracking_callback_url() -> str:
    return settings.SITE_URL + reverse("tracking-push")


def _recipient_phone(order) -> str:
    address = getattr(order, "shipping_address", None)
    phone = getattr(address, "phone_number", None) if address else None
    return str(phone or "").replace("+86", "").strip()


def _tracking_phone(shipment) -> str:
    """The recipient's phone when the carrier wants it with tracking queries, else ""."""
    return _recipient_phone(shipment.order) if shipment.carrier.needs_phone else ""


def subscribe_tracking(*, shipment_id) -> bool:
    """Asks the provider to push this parcel's events. A failure is kept on the shipment
    (polling covers the parcel meanwhile); a retryable one is raised for the task to retry."""
    shipment = Shipment.objects.select_related("carrier", "order__shipping_address").get(pk=shipment_id)
    if shipment.subscribed_at:
        return True
    phone = _tracking_phone(shipment)
    try:
        get_tracking_provider().subscribe(
            carrier_code=shipment.carrier.tracking_code,
            tracking_number=shipment.tracking_number,
            callback_url=tracking_callback_url(),
            phone=phone,
        )
    except PlatformError as exc:
        Shipment.objects.filter(pk=shipment.pk).update(subscribe_error=f"{exc.code}: {exc.message}"[:255])
        logger.warning("tracking subscription of %s failed: %s", shipment, exc.message)
        if exc.retryable:
            raise
        return False
    Shipment.objects.filter(pk=shipment.pk).update(subscribed_at=timezone.now(), subscribe_error="")
    return True


def _fingerprint(happened_at: dt.datetime, text: str) -> str:
    key = f"{happened_at.astimezone(dt.UTC).isoformat()}|{text.strip()}"
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()


def record_timeline(*, shipment_id, timeline: ParcelTimeline, source) -> int:
    """Adds the timeline's events the parcel does not have yet (push and poll repeat them),
    moves the parcel to its newest event's status, and the order to `delivered` when its
    last parcel is delivered. Returns how many events were new."""
    now = timezone.now()
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        known = set(shipment.events.values_list("fingerprint", flat=True))
        new_events = []
        for event in timeline.events:
            fingerprint = _fingerprint(event.happened_at, event.text)
            if fingerprint in known:
                continue
            known.add(fingerprint)
            new_events.append(
                TrackingEvent(
                    shipment=shipment,
                    happened_at=event.happened_at,
                    status=event.status,
                    text=event.text[:500],
                    place=event.place[:200],
                    raw_status=event.raw_status[:32],
                    fingerprint=fingerprint,
                    source=source,
                )
            )
        TrackingEvent.objects.bulk_create(new_events)
        fields = {"last_checked_at": now}
        was_delivered = shipment.status == TrackingStatus.DELIVERED
        newest = shipment.events.order_by("-happened_at", "-id").first() if new_events else None
        if newest is not None:
            fields.update(status=newest.status, last_event_at=newest.happened_at)
            if newest.status == TrackingStatus.DELIVERED and shipment.delivered_at is None:
                fields["delivered_at"] = newest.happened_at
        Shipment.objects.filter(pk=shipment.pk).update(**fields)
        if newest is not None and newest.status == TrackingStatus.DELIVERED and not was_delivered:
            _deliver_order_when_all_parcels_arrived(shipment.order_id)
    return len(new_events)


def _deliver_order_when_all_parcels_arrived(order_id):
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status != SHIPPED or selectors.order_has_open_parcels(order):
        return
    _change_order_status(order, DELIVERED, actor="system:tracking", reason="every parcel delivered (tracking)")

    def after_commit():
        from . import tasks

        tasks.send_shipping_notice.delay(order.pk, ShippingNotice.Kind.DELIVERED)

    transaction.on_commit(after_commit)


def handle_tracking_push(*, data) -> Shipment | None:
    """A provider push: verified (InvalidNotification otherwise, nothing recorded), then its
    timeline recorded. A push about a parcel we do not know is logged and acknowledged."""
    timeline = get_tracking_provider().parse_push(data=data)
    shipment = Shipment.objects.filter(
        carrier__tracking_code=timeline.carrier_code, tracking_number=timeline.tracking_number
    ).first()
    if shipment is None:
        # The provider may have recognised the carrier differently: the number alone, if unambiguous.
        candidates = list(Shipment.objects.filter(tracking_number=timeline.tracking_number)[:2])
        shipment = candidates[0] if len(candidates) == 1 else None
    if shipment is None:
        logger.warning("tracking push for unknown parcel %s %s", timeline.carrier_code, timeline.tracking_number)
        return None
    record_timeline(shipment_id=shipment.pk, timeline=timeline, source=TrackingEvent.Source.PUSH)
    return shipment


def poll_tracking(*, shipment_id) -> int:
    """Asks the provider for the parcel's timeline (the fallback when pushes do not come)."""
    shipment = Shipment.objects.select_related("carrier", "order__shipping_address").get(pk=shipment_id)
    phone = _tracking_phone(shipment)
    timeline = get_tracking_provider().poll(
        carrier_code=shipment.carrier.tracking_code, tracking_number=shipment.tracking_number, phone=phone
    )
    return record_timeline(shipment_id=shipment.pk, timeline=timeline, source=TrackingEvent.Source.POLL)


def poll_stale_shipments(*, now=None) -> int:
    """The periodic fallback: polls parcels not heard of for TRACKING_POLL_INTERVAL_MINUTES.
    Returns how many new events it found."""
    found = 0
    for shipment in selectors.shipments_to_poll(now=now):
        try:
            found += poll_tracking(shipment_id=shipment.pk)
        except PlatformError as exc:
            Shipment.objects.filter(pk=shipment.pk).update(last_checked_at=timezone.now())
            logger.warning("polling %s failed: %s", shipment, exc.message)
    return found


# --- WeChat shipping upload ---------------------------------------------------------------------
def _wechat_payment(order):
    """The order's WeChat Pay transaction (transaction id, payer openid, paid at), or None."""
    return (
        PaymentTransaction.objects.filter(order=order, provider="wechat", status=PaymentTransaction.Status.PAID)
        .order_by("paid_at")
        .first()
    )


def _plan_wechat_upload(order, *, shipment=None, logistics_type) -> WechatShippingUpload | None:
    """The upload owed to WeChat (inside the caller's transaction), or None for an order not
    paid with WeChat Pay. Not before a minute after payment, as WeChat refuses earlier ones."""
    payment = _wechat_payment(order)
    if payment is None:
        return None
    not_before = payment.paid_at + dt.timedelta(seconds=settings.WECHAT_SHIPPING_UPLOAD_DELAY_SECONDS)
    defaults = {
        "logistics_type": logistics_type,
        "not_before": not_before,
        "next_attempt_at": max(not_before, timezone.now()),
    }
    upload, _ = WechatShippingUpload.objects.get_or_create(order=order, shipment=shipment, defaults=defaults)
    return upload


def _enqueue_upload(upload: WechatShippingUpload):
    from . import tasks

    tasks.upload_shipping_to_wechat.apply_async((upload.pk,), eta=upload.next_attempt_at)


def plan_order_upload(*, order, logistics_type) -> WechatShippingUpload | None:
    """The one upload of a pickup (handed over) or virtual (paid) order, queued on commit."""
    with transaction.atomic():
        upload = _plan_wechat_upload(order, logistics_type=logistics_type)
        if upload is not None and upload.state == WechatShippingUpload.State.PENDING:
            transaction.on_commit(lambda: _enqueue_upload(upload))
    return upload


def _mask_phone(phone: str) -> str:
    """The contact WeChat's shipping upload takes: masked, only the last four digits visible."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "*" * (len(digits) - 4) + digits[-4:] if len(digits) >= 7 else ""


def _upload_time(order, upload, now) -> str:
    """RFC 3339 with milliseconds, and later than every upload already sent for the order:
    WeChat refuses an upload_time that does not move forward."""
    moment = timezone.localtime(now or timezone.now())
    sent = (
        WechatShippingUpload.objects.filter(order=order, attempts__gt=0)
        .exclude(pk=upload.pk)
        .values_list("payload", flat=True)
    )
    for payload in sent:
        try:
            earlier = dt.datetime.fromisoformat(payload["upload_time"])
        except (KeyError, TypeError, ValueError):
            continue
        if earlier >= moment:
            moment = timezone.localtime(earlier + dt.timedelta(milliseconds=1))
    return moment.isoformat(timespec="milliseconds")


def _item_desc(order, shipment=None) -> str:
    if shipment is not None:
        # shipping_payload prefetches the lines (selectors.lines_prefetch: with their line, by line id).
        parts = [f"{sl.line.title}×{sl.quantity}" for sl in shipment.lines.all()]
    else:
        parts = [f"{line.title}×{line.quantity}" for line in order.lines.order_by("pk")]
    text = "；".join(parts) or order.number
    return text if len(text) <= 120 else text[:119] + "…"


def shipping_payload(upload: WechatShippingUpload, *, now=None) -> dict:
    """The body of upload_shipping_info for this upload, as WeChat documents it."""
    order = upload.order
    payment = _wechat_payment(order)
    if payment is not None and payment.transaction_id:
        order_key = {"order_number_type": 2, "transaction_id": payment.transaction_id}
    else:
        order_key = {"order_number_type": 1, "mchid": settings.WECHATPAY_MCH_ID, "out_trade_no": order.number}
    openid = payment.payer_id if payment is not None else ""
    if not openid and order.user_id:
        from platforms.services import openid_of

        openid = openid_of(order.user, "wechat")
    payload = {
        "order_key": order_key,
        "logistics_type": upload.logistics_type,
        "delivery_mode": 1,
        "upload_time": _upload_time(order, upload, now),
        "payer": {"openid": openid},
    }
    express = upload.logistics_type == WechatShippingUpload.LogisticsType.EXPRESS
    if upload.shipment_id is None and not express:
        payload["shipping_list"] = [{"item_desc": _item_desc(order)}]
        return payload
    shipment = upload.shipment
    # Every parcel so far, this one last: the last upload of a split order lists them all. An
    # express upload without a parcel is the planned closing one of a split order whose units left
    # to ship were refunded: every parcel, marked all delivered.
    parcels = Shipment.objects.filter(order=order)
    if shipment is not None:
        parcels = parcels.filter(pk__lte=shipment.pk)
    parcels = list(parcels.select_related("carrier").prefetch_related(selectors.lines_prefetch()).order_by("pk"))
    # WeChat takes split delivery (and several parcels) for express only (10060006).
    if not express:
        parcels = parcels[-1:]
    completes = shipment.completes_order if shipment is not None else True
    split = express and (len(parcels) > 1 or not completes or shipment is None)
    if split:
        payload["delivery_mode"] = 2
        payload["is_all_delivered"] = bool(completes)
    phone = _mask_phone(_recipient_phone(order))
    consignor = _mask_phone(getattr(settings, "WECHAT_SHIPPING_CONSIGNOR_PHONE", ""))
    items = []
    for parcel in parcels[-10:]:  # WeChat takes at most 10 parcels per payment (10060024)
        item = {
            "tracking_no": parcel.tracking_number,
            "express_company": parcel.carrier.wechat_company_id,
            "item_desc": _item_desc(order, parcel),
        }
        if phone:
            item["contact"] = {"receiver_contact": phone}
        elif consignor:  # SF needs a contact: the shop's own when the recipient left none
            item["contact"] = {"consignor_contact": consignor}
        items.append(item)
    payload["shipping_list"] = items
    return payload


def _backoff_seconds(attempts: int) -> int:
    return min(60 * 2 ** max(attempts - 1, 0), 3600)


def upload_shipping_to_wechat(*, upload_id, now=None) -> WechatShippingUpload:
    """One attempt at an upload that is due. The row is claimed first (so a task and the
    periodic sweep cannot send it twice), the platform called outside any transaction, and
    the outcome kept: uploaded; pending with the error and a later next attempt when WeChat
    may accept it on retry; failed when it never will or the attempts are used up."""
    now = now or timezone.now()
    with transaction.atomic():
        upload = (
            WechatShippingUpload.objects.select_for_update(of=("self",))
            .select_related("order__user", "shipment__carrier", "order__shipping_address")
            .get(pk=upload_id)
        )
        if upload.state != WechatShippingUpload.State.PENDING or upload.not_before > now:
            return upload
        if upload.next_attempt_at and upload.next_attempt_at > now:
            return upload
        payload = shipping_payload(upload, now=now)
        if reships.would_reship(upload, payload) and reships.reship_used(upload.order):
            # WeChat gives each payment one re-ship: a second one is not sent, operations decide.
            upload.state = WechatShippingUpload.State.FAILED
            upload.error_code = reships.RESHIP_USED
            upload.error = "重新发货机会已用完：这次修改没有上传，请在微信小程序后台处理"
            upload.payload = payload
            upload.next_attempt_at = None
            upload.save(update_fields=["state", "error_code", "error", "payload", "next_attempt_at", "updated_at"])
            return upload
        is_reship = reships.would_reship(upload, payload)
        upload.attempts += 1
        upload.payload = payload
        # A lease: another worker finding the row meanwhile leaves it alone.
        upload.next_attempt_at = now + dt.timedelta(minutes=5)
        upload.save(update_fields=["attempts", "payload", "next_attempt_at", "updated_at"])
    try:
        get_miniprogram("wechat").upload_shipping(payload)
    except PlatformError as exc:
        if str(exc.code) == reships.ALREADY_SHIPPED:
            # 10060002: WeChat holds this shipping already (an earlier attempt got through).
            return _mark_uploaded(upload, now=now, error_code=reships.ALREADY_SHIPPED)
        if str(exc.code) == reships.RESHIP_REFUSED:
            reships.record_reship(upload.order)
        gave_up = not exc.retryable or upload.attempts >= settings.WECHAT_SHIPPING_UPLOAD_MAX_ATTEMPTS
        upload.state = WechatShippingUpload.State.FAILED if gave_up else WechatShippingUpload.State.PENDING
        upload.error_code = str(exc.code)[:32]
        upload.error = exc.message[:500]
        # From the `now` of this attempt, as its lease above: the sweep passes its own clock.
        upload.next_attempt_at = None if gave_up else now + dt.timedelta(seconds=_backoff_seconds(upload.attempts))
        logger.warning("WeChat shipping upload %s of order %s failed: %s", upload.pk, upload.order.number, exc.message)
    else:
        if is_reship:
            reships.record_reship(upload.order)
        return _mark_uploaded(upload, now=now)
    upload.save(update_fields=["state", "error_code", "error", "next_attempt_at", "uploaded_at", "updated_at"])
    return upload


def _mark_uploaded(upload, *, now, error_code="") -> WechatShippingUpload:
    upload.state = WechatShippingUpload.State.UPLOADED
    upload.uploaded_at = now
    upload.error_code, upload.error = error_code, ""
    upload.next_attempt_at = None
    upload.save(update_fields=["state", "error_code", "error", "next_attempt_at", "uploaded_at", "updated_at"])
    return upload


def due_wechat_uploads(*, now=None, limit=200) -> list[int]:
    now = now or timezone.now()
    return list(
        WechatShippingUpload.objects.filter(
            state=WechatShippingUpload.State.PENDING, not_before__lte=now, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def retry_wechat_upload(*, upload: WechatShippingUpload, actor=None) -> WechatShippingUpload:
    """Operations ask for another round of attempts (after fixing what WeChat refused)."""
    with transaction.atomic():
        upload = WechatShippingUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.state == WechatShippingUpload.State.UPLOADED:
            return upload
        upload.state = WechatShippingUpload.State.PENDING
        upload.attempts = 0
        upload.next_attempt_at = max(upload.not_before, timezone.now())
        upload.save(update_fields=["state", "attempts", "next_attempt_at", "updated_at"])
        logger.info("WeChat shipping upload %s retried by %s", upload.pk, actor)
        transaction.on_commit(lambda: _enqueue_upload(upload))
    return upload


def plan_virtual_order_upload(order):
    """A virtual order, once paid, owes WeChat its (virtual) shipping information."""
    if selectors.is_virtual(order):
        plan_order_upload(order=order, logistics_type=WechatShippingUpload.LogisticsType.VIRTUAL)


def ship_rest_if_refunded(order):
    """After a refund: when the units still waiting to ship were refunded, a partly shipped
    order has shipped everything it still owes."""
    order.refresh_from_db(fields=["status"])
    if order.status == PARTIALLY_SHIPPED and not selectors.lines_left_to_ship(order):
        _change_order_status(
            order,
            SHIPPED,
            actor=None,
            reason="the lines not yet shipped were refunded",
            expected_from=PARTIALLY_SHIPPED,
        )
        plan_closing_upload(order)


def plan_closing_upload(order) -> WechatShippingUpload | None:
    """The planned second upload of a split order that will send nothing more: every parcel
    again, now marked all delivered. It completes the split delivery, so it is not a re-ship."""
    if not WechatShippingUpload.objects.filter(order=order, shipment__isnull=False).exists():
        return None
    return plan_order_upload(order=order, logistics_type=WechatShippingUpload.LogisticsType.EXPRESS)


def plan_pickup_upload(order):
    """A pickup order handed over (completed) owes WeChat its upload."""
    if selectors.is_pickup(order):
        plan_order_upload(order=order, logistics_type=WechatShippingUpload.LogisticsType.PICKUP)


# --- notices ------------------------------------------------------------------------------------
NOTICE_EVENTS = {ShippingNotice.Kind.SHIPPED: "order_shipped", ShippingNotice.Kind.DELIVERED: "order_delivered"}


def send_shipping_notice(*, order_id, kind) -> bool:
    """The shopper's subscribe message that the order shipped / was delivered, at most once
    per order and kind (the notice service checks the shopper's grants). True when sent now."""
    order = Order.objects.select_related("user").get(pk=order_id)
    if order.user_id is None:
        return False
    try:
        with transaction.atomic():
            notice = ShippingNotice.objects.create(order=order, kind=kind)
    except IntegrityError:
        return False  # sent (or being sent) already
    outcome = _send_notice(order, kind)
    ShippingNotice.objects.filter(pk=notice.pk).update(outcome=str(outcome)[:64])
    return True


def _send_notice(order, kind) -> str:
    from platforms.services import send_notice

    parcels = list(order.shipments.select_related("carrier").order_by("pk"))
    latest = parcels[-1] if parcels else None
    context = {
        "order_number": order.number,
        "carrier": latest.carrier.name if latest else "",
        "tracking_number": latest.tracking_number if latest else "",
        "shipped_at": timezone.localtime(latest.shipped_at).strftime("%Y-%m-%d %H:%M") if latest else "",
        "delivered_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "items": _item_desc(order)[:20],
    }
    logs = send_notice(member=order.user, event=NOTICE_EVENTS[kind], context=context)
    return ",".join(f"{log.platform}:{log.status}" for log in logs) or "no_template"
