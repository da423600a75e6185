"""Demo data of logistics (settings.DEMO_EXTRA_LOADERS): the carriers, and with the sandbox on two
shipped demo orders that show the platforms' order duties:

- DEMOWX0001, paid with WeChat Pay and shipped by ZTO: its parcel has a waybill token of WeChat's
  logistics tracking component (GET /api/v1/shipments/<id>/ returns it), its shipping is uploaded;
- DEMOALI0001, paid with Alipay and shipped: it is in the sandbox's Alipay order center with its
  status history (PAID, IN_DELIVERY).

Everything else happens live: ship a paid order in the admin and the sandbox carrier moves the
parcel along; the /sandbox/ page sends a settlement or a reminder push (see docs/logistics.md).
The platform calls run after the loader's transaction commits, never inside it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from oscar.apps.order.models import Order

from .models import AlipayOrderSync, Carrier
from .services import ensure_default_carriers

WECHAT_NUMBER, ALIPAY_NUMBER = "DEMOWX0001", "DEMOALI0001"


def load_demo() -> str:
    created = ensure_default_carriers()
    line = f"logistics: {Carrier.objects.filter(is_active=True).count()} carriers ({created} new)"
    if not settings.PLATFORM_SANDBOX:
        return line
    wechat = _demo_order(WECHAT_NUMBER, method="wechat", tracking="731234000000101")
    alipay = _demo_order(ALIPAY_NUMBER, method="alipay", tracking="731234000000102")
    if wechat is None or alipay is None:
        return line + "; no product with stock for the shipping demo orders"
    for status in (AlipayOrderSync.Status.PAID, AlipayOrderSync.Status.IN_DELIVERY):
        AlipayOrderSync.objects.get_or_create(
            order=alipay, status=status, defaults={"rank": status_rank(status), "next_attempt_at": timezone.now()}
        )
    transaction.on_commit(lambda: _after_commit(wechat.pk, alipay.pk))
    return (
        line + f"; shipped demo orders {WECHAT_NUMBER} (WeChat waybill token) and {ALIPAY_NUMBER} (Alipay order center)"
    )


def status_rank(status) -> int:
    from .alipay_orders import RANK

    return RANK[status]


def _after_commit(wechat_id, alipay_id):
    from . import alipay_orders, services, waybills
    from .models import WechatShippingUpload

    wechat = Order.objects.get(pk=wechat_id)
    for upload_id in WechatShippingUpload.objects.filter(
        order=wechat, state=WechatShippingUpload.State.PENDING
    ).values_list("pk", flat=True):
        services.upload_shipping_to_wechat(upload_id=upload_id)
    waybills.open_order_waybills(wechat)
    alipay_orders.push_order_syncs(order_id=alipay_id)


def _demo_order(number, *, method, tracking):
    from oscar.apps.address.models import Country
    from oscar.apps.basket.models import Basket
    from oscar.apps.catalogue.models import Product
    from oscar.apps.order.models import ShippingAddress
    from oscar.apps.partner.strategy import Default
    from oscar.test.factories import create_order

    from storefront.orders.models import OrderInfo
    from storefront.payments.models import PaymentTransaction

    from .services import ship_order

    order = Order.objects.filter(number=number).first()
    if order is not None:
        return order
    product = Product.objects.filter(stockrecords__isnull=False, structure__in=["standalone", "child"]).first()
    if product is None:
        return None
    user, _ = get_user_model().objects.get_or_create(
        username=f"demo-{method}-shopper", defaults={"nickname": "演示顾客" if method == "wechat" else "演示支付宝顾客"}
    )
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    basket.add_product(product, quantity=1)
    country, _ = Country.objects.get_or_create(iso_3166_1_a2="CN", defaults={"printable_name": "中国", "name": "China"})
    address = ShippingAddress.objects.create(
        first_name="演示",
        line1="漕溪北路88号",
        line4="上海市",
        state="上海市",
        postcode="200030",
        country=country,
        phone_number="+8613800138000",
    )
    order = create_order(number=number, user=user, basket=basket, shipping_address=address)
    paid_at = timezone.now() - dt.timedelta(hours=1)
    OrderInfo.objects.create(
        order=order,
        payment_method=method,
        fulfilment="delivery",
        pay_before=paid_at + dt.timedelta(minutes=30),
        paid_at=paid_at,
    )
    Order.objects.filter(pk=order.pk).update(status="paid")
    transaction_id = ("4200" if method == "wechat" else "20261207") + f"{order.pk:016d}"
    payer = f"oDemo{user.pk:08d}" if method == "wechat" else f"2088{user.pk:012d}"
    PaymentTransaction.objects.create(
        order=order,
        provider=method,
        transaction_id=transaction_id,
        out_trade_no=number,
        amount=order.total_incl_tax,
        payer_id=payer,
        paid_at=paid_at,
    )
    _sandbox_trade(order, method=method, transaction_id=transaction_id, payer=payer, paid_at=paid_at)
    order = Order.objects.get(pk=order.pk)
    ship_order(order=order, carrier="ZTO", tracking_number=tracking)
    return Order.objects.get(pk=order.pk)


def _sandbox_trade(order, *, method, transaction_id, payer, paid_at):
    """The payment as the sandbox platform holds it, so that its calls accept the order."""
    from config.money import yuan_to_fen
    from platforms.sandbox.models import AlipayTrade, PayTrade

    if method == "wechat":
        PayTrade.objects.get_or_create(
            out_trade_no=order.number,
            defaults={
                "prepay_id": f"wx_demo_{order.pk}",
                "appid": settings.WECHAT_APP_ID,
                "mchid": settings.WECHATPAY_MCH_ID,
                "description": f"order {order.number}",
                "total": yuan_to_fen(order.total_incl_tax),
                "payer_openid": payer,
                "notify_url": settings.SITE_URL + "/api/v1/notify/wechatpay/",
                "state": PayTrade.State.SUCCESS,
                "transaction_id": transaction_id,
                "success_time": paid_at,
            },
        )
    else:
        AlipayTrade.objects.get_or_create(
            out_trade_no=order.number,
            defaults={
                "trade_no": transaction_id,
                "app_id": settings.ALIPAY_APP_ID,
                "seller_id": settings.ALIPAY_SELLER_ID,
                "subject": f"order {order.number}",
                "total_amount": Decimal(order.total_incl_tax),
                "buyer_id": payer,
                "status": AlipayTrade.Status.TRADE_SUCCESS,
                "paid_at": paid_at,
            },
        )
