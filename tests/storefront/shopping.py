"""Fixtures of the shopping domains (basket, checkout, orders): the shop's shipping and order
settings, and a second shopper. Imported by those folders' conftest.py files."""

import pytest

from tests.conftest import client_for
from tests.factories import MemberFactory


@pytest.fixture
def other_member(db):
    return MemberFactory()


@pytest.fixture
def other_api(other_member):
    return client_for(other_member)


@pytest.fixture(autouse=True)
def _checkout_settings(settings):
    settings.SHIPPING_STANDARD_CHARGE = "10.00"
    settings.SHIPPING_EXPRESS_CHARGE = "22.00"
    settings.SHIPPING_FREE_THRESHOLD = "99.00"
    settings.SHIPPING_REMOTE_SURCHARGE = "15.00"
    settings.SHIPPING_REMOTE_PROVINCES = ["新疆", "西藏", "青海", "内蒙古"]
    settings.ORDER_MAX_QUANTITY_PER_SKU = 99
    settings.BASKET_MAX_LINES = 30
    settings.ORDER_PAY_TIMEOUT_MINUTES = 30
