"""Fixtures of the logistics tests: the carriers, and running what a commit would queue."""

import pytest

from platforms.base import reset_platform_clients
from platforms.tracking import reset_tracking_provider
from tests.factories import carriers as load_carriers


@pytest.fixture
def carriers(db):
    return load_carriers()


@pytest.fixture(autouse=True)
def _fresh_providers():
    reset_tracking_provider()
    reset_platform_clients()
    yield
    reset_tracking_provider()
    reset_platform_clients()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the tasks scheduled on commit inside (and theirs)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
