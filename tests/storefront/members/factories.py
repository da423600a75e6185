"""Builders for member tests: identities, consents, Oscar orders and baskets of a member."""

import factory
from oscar.test import factories as oscar_factories

from storefront.members.models import Consent, Identity
from tests.factories import MemberFactory


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Identity

    member = factory.SubFactory(MemberFactory)
    platform = "wechat"
    app_id = "wxfake000000001"
    openid = factory.Sequence(lambda n: f"openid-{n:06d}")


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    member = factory.SubFactory(MemberFactory)
    kind = Consent.Kind.PRIVACY
    version = "2026-01"
    granted = True


def order_for(member, *, name="李四", phone="+8613900139000", email="li@example.com"):
    """A placed Oscar order of the member with a shipping address carrying personal data."""
    address = oscar_factories.ShippingAddressFactory(
        first_name=name,
        last_name="",
        line1="漕溪北路88号",
        line4="上海市",
        state="上海市",
        postcode="200030",
        phone_number=phone,
    )
    return oscar_factories.create_order(user=member, shipping_address=address, guest_email=email)


def open_basket_for(member, quantity=1):
    """An open Oscar basket of the member with one line."""
    basket = oscar_factories.create_basket(empty=True)
    basket.owner = member
    basket.save()
    product = oscar_factories.create_product()
    oscar_factories.create_stockrecord(product, num_in_stock=10)
    basket.add_product(product, quantity=quantity)
    return basket
