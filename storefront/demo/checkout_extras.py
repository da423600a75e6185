"""Demo offers and a voucher for the checkout (loaded by `load_demo` through settings.DEMO_EXTRA_LOADERS).

- Site offer "满199减20": 20 yuan off baskets of 199 yuan or more.
- Voucher QINGSHAN10: 10 yuan off any basket, once per member, valid for a year from the load.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from oscar.apps.offer.models import Benefit, Condition, ConditionalOffer, Range
from oscar.apps.voucher.models import Voucher

from storefront.demo.upsert import upsert

VOUCHER_CODE = "QINGSHAN10"


def _everything():
    return upsert(Range, lookup={"name": "全场商品 (demo)"}, values={"includes_all_products": True})


def load_checkout_demo():
    everything = _everything()
    condition = upsert(
        Condition, lookup={"range": everything, "type": Condition.VALUE, "value": Decimal("199.00")}, values={}
    )
    benefit = upsert(Benefit, lookup={"range": everything, "type": Benefit.FIXED, "value": Decimal("20.00")}, values={})
    upsert(
        ConditionalOffer,
        lookup={"name": "满199减20"},
        values={
            "offer_type": ConditionalOffer.SITE,
            "condition": condition,
            "benefit": benefit,
            "description": "订单满 199 元立减 20 元",
            "exclusive": False,
            "status": ConditionalOffer.OPEN,
        },
    )
    voucher_condition = upsert(
        Condition, lookup={"range": everything, "type": Condition.COUNT, "value": Decimal("1")}, values={}
    )
    voucher_benefit = upsert(
        Benefit, lookup={"range": everything, "type": Benefit.FIXED, "value": Decimal("10.00")}, values={}
    )
    offer = upsert(
        ConditionalOffer,
        lookup={"name": "QINGSHAN10 立减10元"},
        values={
            "offer_type": ConditionalOffer.VOUCHER,
            "condition": voucher_condition,
            "benefit": voucher_benefit,
            "exclusive": False,
            "status": ConditionalOffer.OPEN,
        },
    )
    voucher = Voucher.objects.filter(code=VOUCHER_CODE).first()
    if voucher is None:
        now = timezone.now()
        voucher = Voucher.objects.create(
            name="新人券 10 元",
            code=VOUCHER_CODE,
            usage=Voucher.ONCE_PER_CUSTOMER,
            start_datetime=now - timedelta(days=1),
            end_datetime=now + timedelta(days=365),
        )
    voucher.offers.add(offer)
    return f"checkout: offer 满199减20 and voucher {VOUCHER_CODE}"
