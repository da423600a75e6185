"""Checkout: the totals of the member's basket for a delivery choice, and placing the order.

Placing an order is one transaction: claim the `Idempotency-Key`, lock the basket, re-price
it with the strategy, compare with the total the shopper saw, lock and allocate the stock
(storefront.orders.stock), reserve the points the shopper uses (loyalty.checkout, which
also locks the member's points account), create the order with Oscar's `OrderCreator` in
`pending_payment` with a pay-before time and the total less the points' saving, and
submit the basket. Anything refused on the way
rolls the whole transaction back: nothing is written.
"""

import hashlib
import json
import secrets
import string
from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from oscar.apps.address.models import Country
from oscar.apps.basket.models import Basket
from oscar.apps.order.models import ShippingAddress
from oscar.apps.order.utils import OrderCreator
from oscar.apps.voucher.models import Voucher
from oscar.core.prices import Price

from config.errors import Conflict, KitError, NotFound
from config.money import to_yuan, yuan_str
from flashsales import checkout as flash_checkout
from loyalty import checkout as loyalty_checkout
from offers import checkout as offers_checkout
from storefront.basket.selectors import Totals, basket_totals, discounts_of
from storefront.basket.services import find_open_basket, lock_open_basket, prepare, purchasable_sku
from storefront.checkout.errors import PriceChanged  # noqa: F401
from storefront.checkout.models import CheckoutRequest
from storefront.checkout.shipping import PICKUP, Repository
from storefront.orders import events as order_events
from storefront.orders import stock
from storefront.orders.models import OrderInfo
from storefront.orders.status import PENDING_PAYMENT, record_event
from storefront.orders.stock import OutOfStock
from storefront.stores.models import Store

ORDER_NUMBER_ALPHABET = string.ascii_uppercase + string.digits
PREVIEW_TTL_SECONDS = 60 * 60


@dataclass
class Delivery:
    method: object
    methods: list
    address: object = None
    store: object = None


@dataclass
class Quote:
    basket: object
    delivery: Delivery
    totals: Totals  # `total` is what the shopper pays: after discounts and points
    shipping_methods: list = field(default_factory=list)
    points: loyalty_checkout.PointsQuote | None = None
    flash_sale: flash_checkout.FlashQuote = flash_checkout.NO_FLASH_SALE
    coupons: offers_checkout.CouponQuote = offers_checkout.NO_COUPON


# --- delivery and totals -----------------------------------------------------------------------
def resolve_delivery(*, member, basket, address_id=None, store_id=None, shipping_method=None) -> Delivery:
    """The member's address or a pickup store, and the shipping method chosen (or the first)."""
    if address_id and store_id:
        raise KitError(
            "Choose an address or a pickup store, not both.",
            code="invalid_input",
            fields={"store_id": "Give either address_id or store_id."},
        )
    address = store = None
    if store_id:
        store = Store.objects.filter(pk=store_id, is_active=True).first()
        if store is None:
            raise NotFound("No such store.", code="store_not_found")
        if not store.offers_pickup:
            raise KitError("This store does not offer pickup.", code="pickup_unavailable")
    elif address_id:
        address = member.delivery_addresses.filter(pk=address_id).first()
        if address is None:
            raise NotFound("No such address.", code="address_not_found")
    else:
        raise KitError(
            "Choose a delivery address or a pickup store.",
            code="delivery_required",
            fields={"address_id": "Give address_id or store_id."},
        )
    methods = Repository().get_shipping_methods(basket, shipping_addr=address, store=store, user=member)
    if shipping_method:
        chosen = next((m for m in methods if m.code == shipping_method), None)
        if chosen is None and store is not None and shipping_method == PICKUP:
            chosen = methods[0]
        if chosen is None:
            raise KitError(
                f"Unknown shipping method {shipping_method!r}.",
                code="unknown_shipping_method",
                fields={"shipping_method": f"One of: {', '.join(m.code for m in methods)}."},
            )
    else:
        chosen = methods[0]
    return Delivery(method=chosen, methods=methods, address=address, store=store)


def check_lines_on_sale(basket):
    """Every line still public and in stock at its quantity, or a 4xx naming the SKUs."""
    short = []
    for line in basket.all_lines():
        product = line.product
        if not product.is_public or (product.parent_id and not product.parent.is_public):
            raise KitError(
                "An item in the basket is no longer on sale.",
                code="sku_unavailable",
                extra={"items": [{"sku": product.pk}]},
            )
        info = line.purchase_info
        if info.stockrecord is None or not info.price.exists:
            raise KitError(
                "An item in the basket is no longer on sale.",
                code="sku_unavailable",
                extra={"items": [{"sku": product.pk}]},
            )
        permitted, _reason = info.availability.is_purchase_permitted(line.quantity)
        if not permitted:
            short.append({"sku": product.pk, "available": max(getattr(info.availability, "num_available", 0) or 0, 0)})
    if short:
        raise OutOfStock(extra={"items": short})


def quote(
    *,
    member,
    basket,
    address_id=None,
    store_id=None,
    shipping_method=None,
    use_points=0,
    lock=False,
    coupon_id=offers_checkout.BEST,
) -> Quote:
    """The totals of the basket for a delivery choice, less the points used (`lock`: placing
    the order, the points account is locked in its transaction)."""
    if basket.pk is None or basket.is_empty:
        raise KitError("The basket is empty.", code="basket_empty")
    check_lines_on_sale(basket)
    # Flash-sale prices inside the window and quota (placement locks the sale's rows). They
    # are worked out on the shelf prices, so no coupon goes on an order that has them.
    flash = flash_checkout.quote_flash_sale(member=member, basket=basket, lock=lock)
    # The member's coupon (the one chosen, or the best) goes on the basket before its totals:
    # shipping rules and points see the total after it (offers/checkout.py).
    coupons = offers_checkout.apply_coupon(
        member=member, basket=basket, coupon_id=coupon_id, lock=lock, flash_sale=bool(flash.saving)
    )
    delivery = resolve_delivery(
        member=member, basket=basket, address_id=address_id, store_id=store_id, shipping_method=shipping_method
    )
    options = [
        {"code": m.code, "name": str(m.name), "charge": to_yuan(m.calculate(basket).incl_tax)} for m in delivery.methods
    ]
    shipping = to_yuan(delivery.method.calculate(basket).incl_tax)
    totals = basket_totals(basket, shipping)
    if flash.saving:
        saving = min(flash.saving, totals.total - totals.shipping)
        totals = replace(totals, discount=totals.discount + saving, total=totals.total - saving)
    points = loyalty_checkout.quote_points(
        member=member,
        goods_total=totals.total - totals.shipping,
        total=totals.total,
        use_points=use_points,
        lock=lock,
    )
    # The points' saving never takes the total below 0.01 (quote_points caps it).
    totals = replace(totals, total=totals.total - points.saving)
    return Quote(
        basket=basket,
        delivery=delivery,
        totals=totals,
        shipping_methods=options,
        points=points,
        flash_sale=flash,
        coupons=coupons,
    )


def _preview_cache_key(
    member, basket, *, address_id=None, store_id=None, shipping_method=None, use_points=0, coupon_id=None
):
    # Per delivery choice, points and coupon used: a preview of pickup says nothing about the
    # total of a delivery.
    key = f"checkout:preview:{member.pk}:{basket.pk}:{address_id}:{store_id}:{shipping_method or ''}:{use_points or 0}"
    return key if coupon_id in (None, offers_checkout.BEST) else f"{key}:coupon:{coupon_id or 0}"


def preview(
    *,
    member,
    address_id=None,
    store_id=None,
    shipping_method=None,
    payment_method=None,
    use_points=0,
    coupon_id=offers_checkout.BEST,
) -> Quote:
    """The totals the shopper is about to pay. Remembered for an hour: a placement that
    does not send `expected_total` is compared with this preview's total."""
    basket = find_open_basket(member)
    result = quote(
        member=member,
        basket=basket,
        address_id=address_id,
        store_id=store_id,
        shipping_method=shipping_method,
        use_points=use_points,
        coupon_id=coupon_id,
    )
    key = _preview_cache_key(
        member,
        basket,
        address_id=address_id,
        store_id=store_id,
        shipping_method=shipping_method,
        use_points=use_points,
        coupon_id=coupon_id,
    )
    cache.set(key, str(result.totals.total), PREVIEW_TTL_SECONDS)
    return result


# --- placing the order --------------------------------------------------------------------------
class _OrderCreator(OrderCreator):
    """Oscar's creator without its stock step: stock was locked and allocated by
    storefront.orders.stock in the same transaction (Oscar allocates without a lock)."""

    def update_stock_records(self, line):
        return None


def new_order_number() -> str:
    """Date prefix + 12 random characters: [A-Z0-9], 18 long, usable as out_trade_no."""
    random_part = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(12))
    return f"{timezone.localtime():%y%m%d}{random_part}"


def new_pickup_code() -> str:
    while True:
        code = f"{secrets.randbelow(10**8):08d}"
        if not OrderInfo.objects.filter(pickup_code=code).exists():
            return code


def _fingerprint(body) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _replay(member, key, fingerprint):
    claim = CheckoutRequest.objects.select_related("order").filter(member=member, idempotency_key=key).first()
    if claim is None:
        return None
    if claim.fingerprint != fingerprint:
        raise Conflict("This Idempotency-Key was already used for a different request.", code="idempotency_key_reused")
    return claim.order


def place_order(
    *,
    member,
    idempotency_key,
    payment_method,
    address_id=None,
    store_id=None,
    shipping_method=None,
    expected_total=None,
    note="",
    use_points=0,
    lines=None,
    coupon_id=offers_checkout.BEST,
):
    """Places the member's basket as an order. Returns (order, created).

    `lines` ([[sku id, quantity], ...], the flash-sale path) places those SKUs instead of the
    basket, through a basket of their own; the member's basket stays as it was.

    The same key with the same body returns the first order (created False), also when the
    requests arrive at once: the claim row's unique index makes the later ones wait for the
    first and then read its order."""
    body = {
        "payment_method": payment_method,
        "address_id": address_id,
        "store_id": store_id,
        "shipping_method": shipping_method,
        "expected_total": expected_total,
        "note": note,
    }
    if use_points:  # absent when 0, so fingerprints of requests without points stay as they were
        body["use_points"] = use_points
    if lines:
        body["lines"] = [[int(sku), int(quantity)] for sku, quantity in lines]
    if coupon_id != offers_checkout.BEST:  # absent: the best coupon, as the preview picked it
        body["coupon_id"] = coupon_id or None
    fingerprint = _fingerprint(body)
    order = _replay(member, idempotency_key, fingerprint)
    if order is not None:
        return order, False
    try:
        with transaction.atomic():
            claim = CheckoutRequest.objects.create(
                member=member, idempotency_key=idempotency_key, fingerprint=fingerprint
            )
            order = _place(member=member, **body)
            claim.order = order
            claim.save(update_fields=["order"])
    except IntegrityError:
        order = _replay(member, idempotency_key, fingerprint)
        if order is None:
            raise
        return order, False
    return order, True


def _place(
    *,
    member,
    payment_method,
    address_id,
    store_id,
    shipping_method,
    expected_total,
    note,
    use_points=0,
    lines=None,
    coupon_id=offers_checkout.BEST,
):
    basket = lock_open_basket(member) if not lines else _basket_of_lines(member, lines)
    result = quote(
        member=member,
        basket=basket,
        address_id=address_id,
        store_id=store_id,
        shipping_method=shipping_method,
        use_points=use_points,
        lock=True,
        coupon_id=coupon_id,
    )
    totals = result.totals
    if expected_total is None:
        expected_total = cache.get(
            _preview_cache_key(
                member,
                basket,
                address_id=address_id,
                store_id=store_id,
                shipping_method=shipping_method,
                use_points=use_points,
                coupon_id=coupon_id,
            )
        )
    expected = expected_total
    if expected is not None and to_yuan(expected) != totals.total:
        raise PriceChanged(extra={"totals": totals.as_dict()})
    _check_vouchers(basket, member)
    stock.allocate_for_basket(basket)

    delivery = result.delivery
    shipping_address = _shipping_address_from(delivery.address) if delivery.address is not None else None
    currency = settings.OSCAR_DEFAULT_CURRENCY
    order = _OrderCreator().place_order(
        basket=basket,
        total=Price(currency=currency, excl_tax=totals.total, incl_tax=totals.total),
        shipping_method=delivery.method,
        shipping_charge=Price(currency=currency, excl_tax=totals.shipping, incl_tax=totals.shipping),
        user=member,
        shipping_address=shipping_address,
        order_number=new_order_number(),
        status=PENDING_PAYMENT,
    )
    is_pickup = delivery.store is not None
    OrderInfo.objects.create(
        order=order,
        payment_method=payment_method,
        pay_before=timezone.now() + timedelta(minutes=settings.ORDER_PAY_TIMEOUT_MINUTES),
        fulfilment=OrderInfo.Fulfilment.PICKUP if is_pickup else OrderInfo.Fulfilment.DELIVERY,
        pickup_store=delivery.store,
        pickup_code=new_pickup_code() if is_pickup else None,
        price_snapshot=_snapshot(basket, totals, delivery, result.points),
        note=note or "",
    )
    loyalty_checkout.reserve_points(member=member, order=order, quote=result.points)
    offers_checkout.use_coupon(order=order, quote=result.coupons)
    flash_checkout.take_units(member=member, order=order, quote=result.flash_sale)
    used = f", {result.points.used} points (-{result.points.saving})" if result.points.used else ""
    record_event(order, f"Placed: total {totals.total} {currency}, {delivery.method.code}{used}", actor=member)
    basket.submit()
    order_events.send_after_commit(order_events.order_placed, sender=type(order), order=order)
    return order


def _basket_of_lines(member, lines):
    """A basket of its own for a direct purchase (not the member's open one), in the order's
    transaction: frozen once filled, so it is never taken for the member's basket."""
    basket = prepare(Basket.objects.create(owner=member), member, apply_offers=False)
    for sku_id, quantity in lines:
        basket.add_product(purchasable_sku(sku_id), int(quantity))
    basket.freeze()
    return prepare(basket, member)


def _check_vouchers(basket, member):
    """Vouchers locked and re-checked, so a single-use code cannot pay for two orders."""
    for voucher in Voucher.objects.select_for_update().filter(pk__in=basket.vouchers.values("pk")).order_by("pk"):
        if voucher.is_expired() or not voucher.is_active():
            raise KitError("A voucher in the basket has expired.", code="voucher_expired", extra={"code": voucher.code})
        available, _message = voucher.is_available_to_user(user=member)
        if not available:
            raise KitError(
                "A voucher in the basket has already been used.", code="voucher_used", extra={"code": voucher.code}
            )


def _china():
    country, _created = Country.objects.get_or_create(
        iso_3166_1_a2="CN",
        defaults={
            "iso_3166_1_a3": "CHN",
            "iso_3166_1_numeric": "156",
            "name": "China",
            "printable_name": "中国",
            "is_shipping_country": True,
        },
    )
    return country


def _shipping_address_from(address):
    return ShippingAddress.objects.create(
        first_name=address.name,
        line1=address.detail,
        line2=address.district,
        line4=address.city,
        state=address.province,
        postcode=address.postcode,
        country=_china(),
        phone_number=address.phone if address.phone.startswith("+") else f"+86{address.phone}",
    )


def _snapshot(basket, totals, delivery, points):
    return {
        "totals": totals.as_dict(),
        "points": {"used": points.used, "saving": yuan_str(points.saving)},
        "shipping_method": delivery.method.code,
        "lines": [
            {
                "sku": line.product_id,
                "title": line.product.get_title(),
                "quantity": line.quantity,
                "unit_price": yuan_str(line.unit_price_incl_tax),
                "line_total": yuan_str(line.line_price_incl_tax_incl_discounts),
            }
            for line in basket.all_lines()
        ],
        "discounts": [{**d, "amount": yuan_str(d["amount"])} for d in discounts_of(basket)],
    }


# --- prizes (campaigns.giveaways) ------------------------------------------------------------------
def place_prize_order(*, member, sku_id, address_id, reference):
    """A prize of one unit of `sku_id` as a zero-price order to the member's address, paid at
    once (nothing to pay), so it ships through logistics like any other paid order.

    `reference` (e.g. "giveaway-win-42") is the order's idempotency key: the same reference
    returns the first order. The stock is locked and allocated as for any order (409
    `out_of_stock` when none is left); no WeChat shipping upload follows, as no WeChat Pay
    payment stands behind it."""
    from storefront.orders.status import PAID, change_order_status

    fingerprint = _fingerprint({"prize": reference, "sku": int(sku_id), "address_id": address_id})
    order = _replay(member, reference, fingerprint)
    if order is not None:
        return order
    with transaction.atomic():
        claim = CheckoutRequest.objects.create(member=member, idempotency_key=reference, fingerprint=fingerprint)
        basket = _basket_of_lines(member, [[sku_id, 1]])
        delivery = resolve_delivery(member=member, basket=basket, address_id=address_id)
        stock.allocate_for_basket(basket)
        currency = settings.OSCAR_DEFAULT_CURRENCY
        zero = Price(currency=currency, excl_tax=to_yuan(0), incl_tax=to_yuan(0))
        order = _OrderCreator().place_order(
            basket=basket,
            total=zero,
            shipping_method=delivery.method,
            shipping_charge=zero,
            user=member,
            shipping_address=_shipping_address_from(delivery.address),
            order_number=new_order_number(),
            status=PENDING_PAYMENT,
        )
        identity = member.identities.order_by("-id").values_list("platform", flat=True).first()
        OrderInfo.objects.create(
            order=order,
            payment_method=identity or "wechat",
            pay_before=timezone.now(),
            fulfilment=OrderInfo.Fulfilment.DELIVERY,
            price_snapshot={"prize": reference, "lines": [{"sku": int(sku_id), "quantity": 1}]},
            note=f"奖品：{reference}",
        )
        basket.submit()
        claim.order = order
        claim.save(update_fields=["order"])
        order_events.send_after_commit(order_events.order_placed, sender=type(order), order=order)
        change_order_status(order, PAID, actor="system:giveaway-prize", reason=f"prize {reference}: nothing to pay")
    return order
