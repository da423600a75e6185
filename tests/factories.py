"""Test data builders. Oscar's own factories (oscar.test.factories) build catalogue,
partner and order objects; these add the kit's models."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from storefront.members.models import Address
from storefront.stores.models import Store, StoreHours


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


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    code = factory.Sequence(lambda n: f"store-{n}")
    name = factory.Sequence(lambda n: f"青山茶舍 {n}号店")
    province = "上海市"
    city = "上海市"
    district = "静安区"
    address = "南京西路1266号"
    latitude = Decimal("31.229000")
    longitude = Decimal("121.452000")
    phone = "021-62880000"


class StoreHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreHours

    store = factory.SubFactory(StoreFactory)
    weekday = 0
    opens = "09:00"
    closes = "21:00"
