"""Fixtures of the coupon stories: what happens to an order after checkout (tests.loyalty's
order steps: pay, cancel by the unpaid timeout, refund), and shopping over HTTP."""

import pytest

from tests.loyalty.conftest import OrderSteps
from tests.storefront.payments.conftest import committed, providers  # noqa: F401


@pytest.fixture
def order_steps(providers, committed):  # noqa: F811
    return OrderSteps(providers, committed)
