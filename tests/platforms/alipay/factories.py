"""Factories for the Alipay sandbox's state."""

import factory

from platforms.sandbox.alipay_gateway import new_open_id, new_user_id
from platforms.sandbox.alipay_models import AlipayUser


class AlipayUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlipayUser

    user_id = factory.LazyFunction(new_user_id)
    open_id = factory.LazyFunction(new_open_id)
    phone = "13800138000"
