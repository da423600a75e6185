"""Fixtures of the journeys across apps: the platforms answer from the sandbox in-process,
uploads go to a throwaway folder, and what a commit would run can be run on demand."""

import pytest
from django.test import Client

from platforms.base import reset_platform_clients


@pytest.fixture(autouse=True)
def _sandbox(settings, tmp_path, monkeypatch):
    settings.SANDBOX_DELIVERY = "inline"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # The shipping upload waits a minute after payment in production; a story has no minute.
    settings.WECHAT_SHIPPING_UPLOAD_DELAY_SECONDS = 0
    settings.SANDBOX_WECHAT_SHIPPING_READY_SECONDS = 0  # nor does WeChat's shipping service
    # Journeys log in many shoppers from one client address and sweep every endpoint; the
    # rate limits have their own tests and would only turn the sweep into 429s.
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {key: "100000/min" for key in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]},
    )
    reset_platform_clients()
    yield
    reset_platform_clients()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the on-commit work scheduled inside, as a real commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def operations(db):
    """A browser logged in to the admin as an operations superuser."""
    from tests.factories import StaffFactory

    staff = StaffFactory(is_superuser=True)
    browser = Client()
    browser.force_login(staff)
    browser.user = staff
    return browser
