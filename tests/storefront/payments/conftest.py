"""Fixtures of the payment tests: scriptable providers in place of the adapters (for tests
of our logic), and a way to run what the services schedule after the commit."""

import pytest

from platforms import base
from tests.factories import FakeProvider


@pytest.fixture
def providers():
    """{"wechat": FakeProvider, "alipay": FakeProvider} installed behind get_payment_provider."""
    saved = dict(base._instances)
    fakes = {name: FakeProvider(name) for name in base.PLATFORMS}
    for name, fake in fakes.items():
        base._instances[("payment", name)] = fake
    yield fakes
    base._instances.clear()
    base._instances.update(saved)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the on-commit work (tasks) scheduled inside, as a real
    commit would, including work scheduled by that work."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
