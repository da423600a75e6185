"""Members: shoppers, staff, addresses, platform identities and consents. (Oscar's own
factories, oscar.test.factories, build catalogue, partner and order objects.)"""

import factory
from django.contrib.auth import get_user_model

from storefront.members.models import Address, Consent, Identity


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"m_{n:06d}")
    nickname = factory.Sequence(lambda n: f"茶友{n}")
    password = factory.django.Password(None)


class StaffFactory(MemberFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    password = factory.django.Password("staff-pass-123")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    member = factory.SubFactory(MemberFactory)
    name = "张三"
    phone = "13800138000"
    province = "上海市"
    city = "上海市"
    district = "徐汇区"
    detail = "漕溪北路88号"
    postcode = "200030"


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
