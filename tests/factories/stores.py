"""Offline stores and their weekly hours."""

from decimal import Decimal

import factory

from storefront.stores.models import Store, StoreHours


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
