"""The member's basket: Oscar's Basket, owned by the member, priced by the shop's strategy.

Oscar's session middleware is not used for shoppers: every call loads the member's open
basket here, gives it the strategy (`strategy_for`) and applies offers and vouchers through
Oscar's `Applicator`. Writes lock the member's row first, so two taps cannot create two open
baskets or race on one line's quantity.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from oscar.apps.basket.models import Basket, Line
from oscar.apps.catalogue.models import Product
from oscar.apps.voucher.models import Voucher

from config.errors import KitError, NotFound
from storefront.basket.errors import VoucherError  # noqa: F401
from storefront.basket.selectors import find_open_basket, prepare, strategy_for  # noqa: F401
from storefront.orders.stock import OutOfStock


def _lock_member(member):
    get_user_model().objects.select_for_update().filter(pk=member.pk).first()


def _open_basket_for_update(member, *, apply_offers=True):
    _lock_member(member)
    basket = Basket.open.filter(owner=member).order_by("pk").first()
    if basket is None:
        basket = Basket.objects.create(owner=member)
    return prepare(basket, member, apply_offers=apply_offers)


def max_quantity_for(product) -> int:
    """The most units of a SKU one order may hold: the SKU's own limit or the shop's."""
    limit = settings.ORDER_MAX_QUANTITY_PER_SKU
    try:
        listing = product.listing
    except ObjectDoesNotExist:
        listing = None
    if listing is not None and listing.purchase_limit:
        limit = min(limit, listing.purchase_limit)
    return limit


def purchasable_sku(sku_id):
    """The SKU (a child or standalone product) a shopper may buy, or a 4xx."""
    product = (
        Product.objects.select_related("parent", "product_class", "parent__product_class", "listing")
        .prefetch_related("stockrecords")  # one read for the stock check and the line's price
        .filter(pk=sku_id)
        .first()
    )
    if product is None or product.is_parent:
        raise NotFound("No such SKU.", code="sku_not_found")
    if not product.is_public or (product.parent_id and not product.parent.is_public):
        raise KitError("This item is not on sale.", code="sku_unavailable")
    return product


def check_quantity(basket, product, quantity):
    """Refuses a quantity over the per-order limit or over the stock on sale."""
    limit = max_quantity_for(product)
    if quantity > limit:
        raise KitError(
            f"At most {limit} of this item per order.", code="quantity_limit_exceeded", extra={"max_quantity": limit}
        )
    info = basket.strategy.fetch_for_product(product)
    if info.stockrecord is None or info.price.exists is False:
        raise KitError("This item is not on sale.", code="sku_unavailable")
    permitted, _reason = info.availability.is_purchase_permitted(quantity)
    if not permitted:
        available = info.availability.num_available if hasattr(info.availability, "num_available") else 0
        raise OutOfStock(
            "Not enough stock for this item.",
            extra={"items": [{"sku": product.pk, "available": max(available or 0, 0)}]},
        )


@transaction.atomic
def add_line(*, member, sku_id, quantity):
    """Adds `quantity` of a SKU (to an existing line of it, if any).

    Written for the rush (a flash sale fills baskets all at once): the lines are read as
    (line, SKU, quantity) only, the line is inserted or its quantity raised in one statement,
    and the basket is loaded and priced once, after the change, for the answer."""
    product = purchasable_sku(sku_id)
    _lock_member(member)
    basket = Basket.open.filter(owner=member).order_by("pk").first() or Basket.objects.create(owner=member)
    basket.strategy = strategy_for(member)
    held = {
        product_id: (line_id, held_quantity)
        for line_id, product_id, held_quantity in basket.lines.values_list("pk", "product_id", "quantity")
    }
    existing = held.get(product.pk)
    if existing is None and len(held) >= settings.BASKET_MAX_LINES:
        raise KitError(
            f"A basket holds at most {settings.BASKET_MAX_LINES} different items.",
            code="basket_full",
            extra={"max_lines": settings.BASKET_MAX_LINES},
        )
    check_quantity(basket, product, quantity + (existing[1] if existing else 0))
    if existing:
        Line.objects.filter(pk=existing[0]).update(quantity=F("quantity") + quantity, date_updated=timezone.now())
    else:
        _insert_line(basket, product, quantity)
    return prepare(basket, member)


def _insert_line(basket, product, quantity):
    """A new line as Oscar's Basket.add_product writes it (same reference, price and currency)."""
    info = basket.strategy.fetch_for_product(product)
    price = info.price
    Line.objects.create(
        basket=basket,
        line_reference=basket._create_line_reference(product, info.stockrecord, []),
        product=product,
        stockrecord=info.stockrecord,
        quantity=quantity,
        price_currency=price.currency,
        price_excl_tax=price.excl_tax,
        price_incl_tax=price.incl_tax if price.is_tax_known else None,
        tax_code=price.tax_code,
    )


def _member_line(member, line_id):
    line = (
        Line.objects.select_related(
            "product", "product__parent", "product__product_class", "product__parent__product_class"
        )
        .filter(pk=line_id, basket__owner=member, basket__status=Basket.OPEN)
        .first()
    )
    if line is None:
        raise NotFound("No such basket line.", code="basket_line_not_found")
    return line


@transaction.atomic
def change_line(*, member, line_id, quantity):
    basket = _open_basket_for_update(member, apply_offers=False)
    line = _member_line(member, line_id)
    check_quantity(basket, line.product, quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return find_open_basket(member)


@transaction.atomic
def remove_line(*, member, line_id):
    _lock_member(member)
    _member_line(member, line_id).delete()
    return find_open_basket(member)


@transaction.atomic
def apply_voucher(*, member, code):
    """Adds a voucher code to the basket, or refuses it with the reason as the error code."""
    code = (code or "").strip().upper()
    voucher = Voucher.objects.filter(code=code).first()
    if voucher is None:
        raise VoucherError("No voucher has this code.", code="voucher_unknown")
    if voucher.is_expired():
        raise VoucherError("This voucher has expired.", code="voucher_expired")
    if not voucher.is_active():
        raise VoucherError("This voucher is not valid yet.", code="voucher_not_applicable")
    available, _message = voucher.is_available_to_user(user=member)
    if not available:
        raise VoucherError("This voucher has already been used.", code="voucher_used")
    basket = _open_basket_for_update(member)
    if basket.vouchers.filter(pk=voucher.pk).exists():
        return basket
    if basket.is_empty:
        raise VoucherError("Add items before using a voucher.", code="voucher_not_applicable")
    basket.vouchers.add(voucher)
    basket.reset_offer_applications()
    prepare(basket, member)
    if not any(d["voucher"] and d["voucher"].pk == voucher.pk for d in basket.offer_applications):
        # Raising rolls the voucher back off the basket.
        raise VoucherError("The items in the basket do not qualify for this voucher.", code="voucher_not_applicable")
    Voucher.objects.filter(pk=voucher.pk).update(num_basket_additions=F("num_basket_additions") + 1)
    return find_open_basket(member)


@transaction.atomic
def remove_voucher(*, member, code=None):
    """Takes a voucher (or, without a code, every voucher) off the basket."""
    basket = _open_basket_for_update(member)
    vouchers = basket.vouchers.all()
    if code:
        vouchers = vouchers.filter(code=code.strip().upper())
        if not vouchers.exists():
            raise NotFound("This voucher is not on the basket.", code="voucher_not_in_basket")
    basket.vouchers.remove(*vouchers)
    return find_open_basket(member)


def lock_open_basket(member):
    """The member's open basket, locked for placing an order (inside its transaction)."""
    basket = Basket.objects.select_for_update().filter(owner=member, status=Basket.OPEN).order_by("pk").first()
    if basket is None:
        raise KitError("The basket is empty.", code="basket_empty")
    return prepare(basket, member)
