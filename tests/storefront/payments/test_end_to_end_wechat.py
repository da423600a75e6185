"""End to end through the real WeChat Pay adapter and the sandbox: place, pay, the payer pays
in the sandbox, the signed encrypted notification arrives, the order is paid; refunds and the
daily statement the same way."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from platforms.base import reset_platform_clients
from storefront.payments import reconciliation
from storefront.payments.models import NotificationLog, PaymentTransaction, Refund
from tests.conftest import client_for
from tests.factories import member_with_identity, pending_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox(settings):
    settings.SANDBOX_DELIVERY = "inline"
    reset_platform_clients()
    yield
    reset_platform_clients()


def prepay_id_of(pay_response) -> str:
    return pay_response.json()["params"]["package"].removeprefix("prepay_id=")


def pay_and_complete(api, client, order, committed, result="success", fault=None):
    from platforms.sandbox import faults

    response = client.post(f"/api/v1/orders/{order.number}/pay/", {"provider": "wechat"}, format="json")
    assert response.status_code == 200, response.json()
    if fault:
        faults.set_fault("wechatpay", fault)
    with committed():
        # What wx.requestPayment is given: the sandbox checks its paySign.
        done = api.post("/sandbox/wechatpay/complete/", {**response.json()["params"], "result": result}, format="json")
    assert done.status_code == 200, done.content
    order.refresh_from_db()
    return done.json()


def test_a_shopper_pays_with_wechat_and_the_notification_makes_the_order_paid(api, committed):
    member = member_with_identity("wechat")
    order = pending_order(user=member, price=Decimal("12.50"), quantity=2)

    sandbox_trade = pay_and_complete(api, client_for(member), order, committed)

    assert order.status == "paid"
    txn = PaymentTransaction.objects.get()
    assert (txn.transaction_id, txn.amount, txn.source) == (
        sandbox_trade["transaction_id"],
        Decimal("25.00"),
        "notification",
    )
    log = NotificationLog.objects.get()
    assert (log.verified, log.outcome) == (True, "processed")


def test_the_pay_params_are_signed_for_wx_request_payment(api):
    member = member_with_identity("wechat")
    order = pending_order(user=member)

    params = (
        client_for(member)
        .post(f"/api/v1/orders/{order.number}/pay/", {"provider": "wechat"}, format="json")
        .json()["params"]
    )

    assert params["signType"] == "RSA"
    assert params["package"].startswith("prepay_id=")
    assert len(params["paySign"]) > 100


def test_with_the_notification_delayed_the_refresh_shows_paid(api, committed):
    member = member_with_identity("wechat")
    order = pending_order(user=member)
    client = client_for(member)

    pay_and_complete(api, client, order, committed, fault="delayed_notification")
    assert order.status == "pending_payment"
    with committed():
        refreshed = client.post(f"/api/v1/orders/{order.number}/payment-status/").json()

    assert (refreshed["status"], refreshed["paid"]) == ("paid", True)
    assert PaymentTransaction.objects.get().source == "query"

    from platforms.sandbox import delivery

    with committed():
        delivery.flush()
    assert PaymentTransaction.objects.count() == 1
    assert NotificationLog.objects.get().outcome == "duplicate"


def test_a_forged_wechat_notification_is_refused(api, committed):
    member = member_with_identity("wechat")
    order = pending_order(user=member)

    pay_and_complete(api, client_for(member), order, committed, fault="wrong_signature")

    assert order.status == "pending_payment"
    log = NotificationLog.objects.get()
    assert (log.verified, log.outcome) == (False, "rejected")
    assert "invalid_signature" in log.reason


def test_stale_and_probe_notifications_are_refused(api):
    from platforms.sandbox.wechatpay_views import notification_body, signed_headers

    member = member_with_identity("wechat")
    order = pending_order(user=member)
    body = notification_body("TRANSACTION.SUCCESS", {"out_trade_no": order.number, "mchid": "x"})
    stale = signed_headers(body, timestamp=int(timezone.now().timestamp()) - 600)
    probe = {**signed_headers(body), "Wechatpay-Signature": "WECHATPAY/SIGNTEST/xyz"}

    for headers in (stale, probe):
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        response = api.generic("POST", "/api/v1/notify/wechatpay/", body, content_type="application/json", **extra)
        assert response.status_code == 400
        assert response.json()["code"] == "FAIL"

    assert list(NotificationLog.objects.order_by("pk").values_list("reason", flat=True)) == [
        "stale_timestamp: The notification's timestamp is more than 5 minutes off.",
        "signature_probe: A WECHATPAY/SIGNTEST/ probe is never a real notification.",
    ]
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_a_duplicated_notification_pays_once(api, committed):
    member = member_with_identity("wechat")
    order = pending_order(user=member)

    pay_and_complete(api, client_for(member), order, committed, fault="duplicate_notification")

    assert order.status == "paid"
    assert PaymentTransaction.objects.count() == 1
    assert sorted(NotificationLog.objects.values_list("outcome", flat=True)) == ["duplicate", "processed"]


def test_full_and_partial_refunds_complete_through_the_refund_notification(api, committed):
    from storefront.payments.refunds import start_refund

    member = member_with_identity("wechat")
    order = pending_order(user=member, price=Decimal("10.00"), quantity=3)
    pay_and_complete(api, client_for(member), order, committed)

    with committed():
        start_refund(order=order, amount=Decimal("10.00"), key="AS1")
    order.refresh_from_db()
    assert order.status == "paid"
    with committed():
        start_refund(order=order, key="AS2")

    order.refresh_from_db()
    assert order.status == "refunded"
    assert list(Refund.objects.order_by("pk").values_list("amount", "status")) == [
        (Decimal("10.00"), "success"),
        (Decimal("20.00"), "success"),
    ]
    assert NotificationLog.objects.filter(kind="refund", outcome="processed").count() == 2


def test_a_payment_after_cancellation_is_refunded_at_wechat_pay(api, committed):
    from platforms.sandbox.models import PayRefund
    from storefront.orders.status import change_order_status

    member = member_with_identity("wechat")
    order = pending_order(user=member)
    response = client_for(member).post(f"/api/v1/orders/{order.number}/pay/", {"provider": "wechat"}, format="json")
    change_order_status(order, "cancelled", actor="system:test", reason="cancelled while the payer was paying")

    with committed():
        api.post(
            "/sandbox/wechatpay/complete/", {"prepay_id": prepay_id_of(response), "result": "success"}, format="json"
        )

    order.refresh_from_db()
    assert order.status == "cancelled"
    refund = Refund.objects.get()
    assert (refund.kind, refund.status) == ("late_payment", "success")
    assert PayRefund.objects.get().out_refund_no == refund.out_refund_no


def test_reconciliation_against_the_sandbox_bill_is_clean_then_finds_a_planted_mismatch(api, committed):
    from platforms.sandbox.models import PayTrade

    member = member_with_identity("wechat")
    order = pending_order(user=member)
    pay_and_complete(api, client_for(member), order, committed)
    # The bill of a day is published the next morning: move the payment to yesterday.
    yesterday_noon = timezone.now() - dt.timedelta(days=1)
    PayTrade.objects.update(success_time=yesterday_noon)
    PaymentTransaction.objects.update(paid_at=yesterday_noon)
    day = timezone.localdate(yesterday_noon)

    run = reconciliation.reconcile_day(provider="wechat", day=day)
    assert run.is_clean, list(run.lines.values())
    assert run.matched == 1

    PayTrade.objects.update(total=999)
    run = reconciliation.reconcile_day(provider="wechat", day=day)
    assert [(line.kind, line.their_amount, line.our_amount) for line in run.lines.all()] == [
        ("amount_differs", Decimal("9.99"), Decimal("10.00")),
    ]
    assert json.dumps(run.mismatches) == "1"


@pytest.mark.parametrize("fault", ["timeout", "http_500"])
def test_wechat_pay_down_during_pay_answers_503_and_changes_nothing(api, fault):
    from platforms.sandbox import faults
    from storefront.payments.models import PaymentAttempt

    member = member_with_identity("wechat")
    order = pending_order(user=member)
    faults.set_fault("wechatpay", fault)

    response = client_for(member).post(f"/api/v1/orders/{order.number}/pay/", {"provider": "wechat"}, format="json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "platform_unavailable"
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert not PaymentAttempt.objects.exists()


def test_the_unpaid_order_task_closes_the_wechat_prepay_then_cancels(api, committed):
    from platforms.sandbox.models import PayTrade
    from storefront.payments.unpaid import cancel_overdue_unpaid_orders

    member = member_with_identity("wechat")
    order = pending_order(user=member, pay_before=timezone.now() + dt.timedelta(minutes=2))
    client_for(member).post(f"/api/v1/orders/{order.number}/pay/", {"provider": "wechat"}, format="json")

    with committed():
        assert cancel_overdue_unpaid_orders(now=timezone.now() + dt.timedelta(minutes=5)) == 1

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert PayTrade.objects.get().state == "CLOSED"


def test_the_unpaid_order_task_finds_a_payment_whose_notification_was_lost(api, committed):
    from storefront.payments.unpaid import cancel_overdue_unpaid_orders

    member = member_with_identity("wechat")
    order = pending_order(user=member, pay_before=timezone.now() + dt.timedelta(minutes=2))
    pay_and_complete(api, client_for(member), order, committed, fault="delayed_notification")

    with committed():
        assert cancel_overdue_unpaid_orders(now=timezone.now() + dt.timedelta(minutes=5)) == 0

    order.refresh_from_db()
    assert order.status == "paid"
    assert PaymentTransaction.objects.get().source == "query"


def test_a_signed_notification_for_another_merchant_is_refused_and_listed(api):
    from platforms.sandbox.wechatpay_views import notification_body, signed_headers
    from storefront.payments.models import PaymentProblem

    member = member_with_identity("wechat")
    order = pending_order(user=member)
    body = notification_body(
        "TRANSACTION.SUCCESS",
        {
            "appid": "wxdemo0000000001",
            "mchid": "1999999999",
            "out_trade_no": order.number,
            "transaction_id": "42x",
            "trade_state": "SUCCESS",
            "amount": {"total": 1000, "currency": "CNY"},
        },
    )
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed_headers(body).items()}

    response = api.generic("POST", "/api/v1/notify/wechatpay/", body, content_type="application/json", **extra)

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert NotificationLog.objects.get().outcome == "rejected"
    problem = PaymentProblem.objects.get()
    assert (problem.kind, problem.out_trade_no) == ("merchant_mismatch", order.number)
