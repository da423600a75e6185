"""The database fails in the middle of a payment notification: the kit answers the provider
with a failure, so the provider sends it again; nothing of the payment is half-written; the
provider's next delivery records it exactly once, and any later copy is a duplicate."""

import pytest
from django.db import OperationalError
from oscar.apps.order.models import Order

from platforms.sandbox import delivery
from platforms.sandbox.models import Delivery
from storefront.payments import notifications
from storefront.payments import services as payment_services
from storefront.payments.models import NotificationLog, PaymentAttempt, PaymentTransaction
from tests.steps import add_to_basket, alipay_login, ok, order_of, place_order, tea_shop, wechat_login

pytestmark = pytest.mark.django_db

LOGIN = {"wechat": wechat_login, "alipay": alipay_login}


def _ordered_and_payer_ready(api, provider):
    shop = tea_shop()
    shopper, _account, _login = LOGIN[provider](api)
    add_to_basket(shopper, shop.keemun.pk, 2)
    body = {"store_id": shop.store.pk, "shipping_method": "pickup", "payment_method": provider}
    placed, _preview, _key = place_order(shopper, body)
    pay = ok(shopper.post(f"/api/v1/orders/{placed['number']}/pay/", {"provider": provider}, format="json"))
    return shopper, placed["number"], pay


def _payer_pays(api, provider, pay, committed):
    with committed():
        if provider == "wechat":
            ok(api.post("/sandbox/wechatpay/complete/", {**pay["params"], "result": "success"}, format="json"))
        else:
            ok(api.post("/sandbox/alipay/complete/", {"trade_no": pay["trade_no"], "result": "success"}, format="json"))
    return Delivery.objects.order_by("id").last()


def _answered_as_failure(provider, sent):
    """What the provider reads as "not received, send again"."""
    if provider == "wechat":
        return sent.status_code >= 400  # WeChat Pay: 4xx/5xx with {"code": "FAIL"}
    return sent.response.strip() != "success"  # Alipay retries on anything but "success"


def _nothing_of_the_payment_written(number):
    order = Order.objects.get(number=number)
    assert order.status == "pending_payment"
    assert not PaymentTransaction.objects.filter(order=order).exists()
    assert not order.sources.exists()
    assert PaymentAttempt.objects.get(order=order).status == PaymentAttempt.Status.OPEN


@pytest.mark.parametrize("provider", ["wechat", "alipay"])
def test_the_database_failing_halfway_through_recording_a_payment_asks_the_provider_to_retry(
    api, committed, monkeypatch, provider
):
    shopper, number, pay = _ordered_and_payer_ready(api, provider)

    # The payment row is written, then the database goes away before the order is marked paid.
    def connection_lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(payment_services, "change_order_status", connection_lost)
    sent = _payer_pays(api, provider, pay, committed)

    assert _answered_as_failure(provider, sent), (sent.status_code, sent.response)
    _nothing_of_the_payment_written(number)
    log = NotificationLog.objects.get()
    assert log.outcome == NotificationLog.Outcome.ERROR and "OperationalError" in log.reason

    # The database is back; the provider sends the same notification again, then once more.
    monkeypatch.undo()
    with committed():
        delivery.resend(sent)
    sent.refresh_from_db()
    assert not _answered_as_failure(provider, sent)
    with committed():
        delivery.resend(sent)

    assert order_of(shopper, number)["status"] == "paid"
    assert PaymentTransaction.objects.filter(order__number=number).count() == 1
    assert Order.objects.get(number=number).sources.count() == 1
    outcomes = list(NotificationLog.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["error", "processed", "duplicate"]


def test_the_database_failing_before_the_notification_is_logged_asks_for_a_retry_too(api, committed, monkeypatch):
    shopper, number, pay = _ordered_and_payer_ready(api, "wechat")

    def database_down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(notifications.NotificationLog.objects, "create", database_down)
    sent = _payer_pays(api, "wechat", pay, committed)

    assert sent.status_code >= 400
    _nothing_of_the_payment_written(number)

    monkeypatch.undo()
    with committed():
        delivery.resend(sent)
    assert order_of(shopper, number)["status"] == "paid"
    assert PaymentTransaction.objects.filter(order__number=number).count() == 1
    assert NotificationLog.objects.get().outcome == "processed"
