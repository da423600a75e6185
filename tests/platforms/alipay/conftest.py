"""Fixtures for the Alipay adapters: the production adapter code talking to the in-process
sandbox, notifications delivered inline, faults and clients reset for every test."""

import pytest
from django.conf import settings as django_settings

from platforms.base import get_miniprogram, get_payment_provider, reset_platform_clients
from platforms.sandbox import faults

NOTIFY_URL = django_settings.SITE_URL + "/test-only/alipay-notify/"


@pytest.fixture(autouse=True)
def _alipay_sandbox(settings, db):
    settings.PLATFORM_SANDBOX = True
    settings.SANDBOX_DELIVERY = "inline"
    reset_platform_clients()
    faults.clear_faults()
    yield
    faults.clear_faults()
    reset_platform_clients()


@pytest.fixture
def miniprogram():
    return get_miniprogram("alipay")


@pytest.fixture
def pay():
    return get_payment_provider("alipay")
