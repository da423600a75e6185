"""The notify URLs are open to anybody: what a stranger posts there is refused cheaply.

Found from outside: 200 posts of 20,000 characters were each logged in full, and a body that
was not UTF-8 logged a traceback at ERROR."""

import logging

import pytest

from storefront.payments.models import NotificationLog
from tests.factories import member_with_identity, notification_body, pending_order

pytestmark = pytest.mark.django_db

URL = "/api/v1/notify/wechatpay/"


def deliver(api, body, signature="good", ip="198.51.100.7", content_type="application/json"):
    return api.generic("POST", URL, body, content_type=content_type, HTTP_X_FAKE_SIGNATURE=signature, REMOTE_ADDR=ip)


@pytest.fixture
def order(providers):
    return pending_order(user=member_with_identity("wechat"), quantity=1, num_in_stock=10)


def test_a_body_larger_than_any_real_notification_is_refused_unread(api, providers, settings):
    settings.NOTIFY_MAX_BODY_BYTES = 4096
    response = deliver(api, "x" * 20000)
    assert response.status_code == 413
    assert response.json()["code"] == "FAIL"  # still in WeChat Pay's own answer format
    assert not NotificationLog.objects.exists()


def test_a_body_that_is_not_utf8_is_refused_without_a_traceback(api, providers, caplog):
    with caplog.at_level(logging.WARNING):
        response = deliver(api, b'{"id": "\xff\xfe"}')
    assert response.status_code == 400
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "not UTF-8" in caplog.text
    assert not NotificationLog.objects.exists()


def test_an_address_posting_forgeries_is_answered_429_and_no_longer_logged(api, providers, order, settings):
    settings.NOTIFY_REFUSED_PER_MINUTE = 5
    forged = notification_body(providers["wechat"], order)
    statuses = [deliver(api, forged, signature="forged").status_code for _ in range(8)]

    assert statuses == [400] * 5 + [429] * 3
    assert NotificationLog.objects.filter(verified=False).count() == 5


def test_the_providers_own_notifications_are_never_limited(api, providers, order, committed, settings):
    settings.NOTIFY_REFUSED_PER_MINUTE = 2
    body = notification_body(providers["wechat"], order)
    with committed():
        statuses = [deliver(api, body).status_code for _ in range(6)]  # retries of a good one
    assert statuses == [204] * 6
    # A stranger at another address is limited on its own.
    assert [deliver(api, body, signature="forged", ip="203.0.113.66").status_code for _ in range(3)] == [400, 400, 429]
    order.refresh_from_db()
    assert order.status == "paid"
