"""Test data for logistics: paid orders as checkout and payments leave them (Oscar's order,
OrderInfo with paid_at, a WeChat Pay transaction), in delivery, pickup or virtual form."""

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone
from oscar.apps.address.models import Country
from oscar.apps.order.models import Order, ShippingAddress
from oscar.test.factories import create_order, create_product, create_stockrecord

from logistics.models import Carrier
from logistics.services import ensure_default_carriers
from storefront.orders.models import OrderInfo
from storefront.payments.models import PaymentTransaction
from tests.factories.members import MemberFactory
from tests.factories.platforms import wechat_identity
from tests.factories.stores import StoreFactory

_numbers = itertools.count(1)


def carriers() -> dict[str, Carrier]:
    ensure_default_carriers()
    return {carrier.code: carrier for carrier in Carrier.objects.all()}


def tracking_number(carrier_code="ZTO", *, ending="1") -> str:
    """A valid, unique number for the carrier; ending "9" makes the sandbox parcel get stuck."""
    serial = f"{next(_numbers):08d}"
    return {
        "SF": f"SF1234{serial}{ending}",
        "ZTO": f"731234{serial}{ending}",
        "YTO": f"YT1234{serial}{ending}",
        "YD": f"4312{serial}{ending}",
        "STO": f"773123{serial}{ending}",
        "JD": f"JDVA12{serial}{ending}",
        "EMS": f"1100{serial}{ending}",
    }[carrier_code]


def wechat_member(**kwargs):
    """A member with a WeChat identity whose openid the shipping payload tests can predict."""
    member = MemberFactory(**kwargs)
    wechat_identity(member, openid=f"oWx-{member.pk}")
    return member


def paid_order(
    *,
    user=None,
    quantities=(2, 1),
    method="wechat",
    fulfilment="delivery",
    store=None,
    paid_at=None,
    status="paid",
    virtual=False,
    phone="+8613800138000",
):
    """A paid order with one line per entry of `quantities` (units of a different product each)."""
    from oscar.apps.basket.models import Basket
    from oscar.apps.partner.strategy import Default

    user = user or wechat_member()
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    for index, quantity in enumerate(quantities):
        product = create_product(title=f"青山绿茶 {index + 1}", product_class="Prize" if virtual else "Tea")
        if virtual:
            product.product_class.requires_shipping = False
            product.product_class.save()
        create_stockrecord(product, num_in_stock=50, price=Decimal("30.00"))
        basket.add_product(product, quantity=quantity)
    country, _ = Country.objects.get_or_create(iso_3166_1_a2="CN", defaults={"printable_name": "中国", "name": "China"})
    address = ShippingAddress.objects.create(
        first_name="张三",
        line1="漕溪北路88号",
        line4="上海市",
        state="上海市",
        postcode="200030",
        country=country,
        phone_number=phone,
    )
    order = create_order(user=user, basket=basket, shipping_address=address)
    paid_at = paid_at or timezone.now() - dt.timedelta(minutes=5)
    if fulfilment == "pickup" and store is None:
        store = StoreFactory()
    OrderInfo.objects.create(
        order=order,
        payment_method=method,
        fulfilment=fulfilment,
        pay_before=paid_at + dt.timedelta(minutes=30),
        paid_at=paid_at,
        pickup_store=store if fulfilment == "pickup" else None,
        pickup_code=f"{order.pk:06d}" if fulfilment == "pickup" else None,
    )
    Order.objects.filter(pk=order.pk).update(status=status)
    PaymentTransaction.objects.create(
        order=order,
        provider=method,
        transaction_id=f"4200{order.pk:012d}",
        out_trade_no=order.number,
        amount=order.total_incl_tax,
        payer_id=f"oWx-{user.pk}" if method == "wechat" else f"2088{user.pk:012d}",
        paid_at=paid_at,
    )
    if method == "wechat":
        _sandbox_wechatpay_trade(order, paid_at=paid_at, payer=f"oWx-{user.pk}")
    return Order.objects.select_related("info").get(pk=order.pk)


def _sandbox_wechatpay_trade(order, *, paid_at, payer):
    """The payment as the (sandbox) WeChat Pay knows it: the shipping upload is checked against it."""
    from django.conf import settings

    from config.money import yuan_to_fen
    from platforms.sandbox.models import PayTrade

    PayTrade.objects.create(
        prepay_id=f"wx_factory_{order.pk}",
        appid=settings.WECHAT_APP_ID,
        mchid=settings.WECHATPAY_MCH_ID,
        out_trade_no=order.number,
        description=f"order {order.number}",
        total=yuan_to_fen(order.total_incl_tax),
        payer_openid=payer,
        notify_url=settings.SITE_URL + "/api/v1/notify/wechatpay/",
        state=PayTrade.State.SUCCESS,
        transaction_id=f"4200{order.pk:012d}",
        success_time=paid_at,
    )


def line_ids(order) -> list[int]:
    return list(order.lines.order_by("pk").values_list("pk", flat=True))
