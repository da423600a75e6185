"""After-sales: a shopper's refund (or return and refund) request on a paid order, decided by
operations. Approval hands the refund to payments (`storefront.payments.refunds.approve_after_sales`);
this module holds the request and what it means for the order's lines."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from oscar.apps.order.models import Order

from config.errors import Conflict, KitError
from config.money import to_yuan
from config.private_media import private_storage
from storefront.orders.errors import AfterSalesStateError, InvalidOrderState
from storefront.orders.models import AfterSalesPhoto, AfterSalesRequest
from storefront.orders.photos import clean_photos
from storefront.orders.selectors import restock_quantities, units_refunded  # noqa: F401
from storefront.orders.status import PAID_STATUSES, record_event


def request_refund(*, order, member, kind, reason, lines=None, photos=()):
    """A shopper asks for a refund (or a return and refund) of a paid order, with up to
    six `photos` (uploaded files, stored private and re-encoded: storefront/orders/photos.py).

    `lines` is [{"line_id", "quantity"}] for part of the order; without it the whole order
    (its total, shipping included) is asked for."""
    if order.status not in PAID_STATUSES:
        raise InvalidOrderState(f"Order {order.number} is {order.status}; only paid orders can be refunded.")
    order_lines = {line.pk: line for line in order.lines.all()}
    # A line named twice counts once with both quantities, and units of approved requests are
    # gone: otherwise one line could be refunded with the money of the others.
    wanted = {}
    for item in lines or []:
        line = order_lines.get(item["line_id"])
        if line is None:
            raise KitError(
                "No such line in this order.",
                code="invalid_input",
                fields={"lines": f"Line {item['line_id']} is not in order {order.number}."},
            )
        wanted[line.pk] = wanted.get(line.pk, 0) + item["quantity"]
    refunded = units_refunded(order) if wanted else {}
    chosen = []
    for line_id, quantity in wanted.items():
        line = order_lines[line_id]
        left = line.quantity - refunded.get(line_id, 0)
        if not 1 <= quantity <= left:
            raise KitError(
                "Quantity out of range.",
                code="invalid_input",
                fields={"lines": f"Line {line.pk} has {left} item(s) left to refund."},
            )
        chosen.append({"line_id": line.pk, "quantity": quantity})
    if chosen:
        # A reduction of the order not carried by its lines (points paid at checkout) is shared
        # by the lines in proportion: a line gives back what was paid for it, not its list price.
        lines_total = sum((line.line_price_incl_tax for line in order_lines.values()), Decimal("0"))
        goods_paid = to_yuan(order.total_incl_tax) - to_yuan(order.shipping_incl_tax or 0)
        share = min(goods_paid / lines_total, Decimal("1")) if lines_total > 0 else Decimal("1")
        amount = sum(
            to_yuan(
                order_lines[c["line_id"]].line_price_incl_tax
                * c["quantity"]
                / order_lines[c["line_id"]].quantity
                * share
            )
            for c in chosen
        )
    else:
        amount = to_yuan(order.total_incl_tax)
    # Every photo is checked and re-encoded before anything is written: a refused one
    # leaves no request and no file.
    cleaned = clean_photos(photos)
    saved = []
    try:
        with transaction.atomic():
            Order.objects.select_for_update().get(pk=order.pk)
            if AfterSalesRequest.objects.filter(order=order, status=AfterSalesRequest.Status.PENDING).exists():
                raise Conflict(
                    "A request for this order is already waiting for a decision.", code="after_sales_pending"
                )
            request = AfterSalesRequest.objects.create(
                order=order,
                member=member,
                kind=kind,
                reason=reason,
                lines=chosen,
                amount=min(amount, to_yuan(order.total_incl_tax)),
            )
            for content in cleaned:
                saved.append(AfterSalesPhoto.objects.create(request=request, image=content).image.name)
            record_event(order, f"After-sales requested ({kind}, {request.amount}): {reason}", actor=member)
    except BaseException:
        for name in saved:  # the rows are rolled back: so are their files
            private_storage().delete(name)
        raise
    return request


def reject_after_sales(*, request, staff, note=""):
    with transaction.atomic():
        request = AfterSalesRequest.objects.select_for_update().select_related("order").get(pk=request.pk)
        if request.status != AfterSalesRequest.Status.PENDING:
            raise AfterSalesStateError()
        request.status = AfterSalesRequest.Status.REJECTED
        request.decided_by = staff
        request.decided_at = timezone.now()
        request.decision_note = note
        request.save()
        record_event(request.order, f"After-sales request {request.pk} rejected. {note}".strip(), actor=staff)
    return request


def move_after_sales_requests(*, source_id, target_id):
    """Two members became one (member_merged), so the absorbed one's refund requests are the
    survivor's (they follow the orders, which the merge moves)."""
    AfterSalesRequest.objects.filter(member_id=source_id).update(member_id=target_id)
