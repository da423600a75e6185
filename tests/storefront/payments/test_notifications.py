"""Provider notifications: applied exactly once, and bad ones change nothing."""

import pytest
from django.db import DatabaseError
from oscar.apps.partner.models import StockRecord

from storefront.payments import services as payments
from storefront.payments.models import NotificationLog, PaymentProblem, PaymentTransaction
from tests.factories import member_with_identity, notification_body, pending_order

pytestmark = pytest.mark.django_db

URL = "/api/v1/notify/wechatpay/"


def deliver(api, body, signature="good", url=URL):
    return api.generic("POST", url, body, content_type="application/json", HTTP_X_FAKE_SIGNATURE=signature)


@pytest.fixture
def order(providers):
    return pending_order(user=member_with_identity("wechat"), quantity=2, num_in_stock=10)


@pytest.fixture
def hook_calls():
    """Orders other apps heard were paid (receivers of order_paid)."""
    from storefront.orders.events import order_paid

    calls = []
    order_paid.connect(lambda sender, order, **kw: calls.append(order), weak=False, dispatch_uid="test-paid")
    yield calls
    order_paid.disconnect(dispatch_uid="test-paid")


def stock_of(order):
    record = StockRecord.objects.get(pk=order.lines.get().stockrecord_id)
    return record.num_in_stock, record.num_allocated


def test_a_valid_notification_makes_the_order_paid_and_consumes_its_stock(api, providers, order, committed, hook_calls):
    assert stock_of(order) == (10, 2)

    with committed():
        response = deliver(api, notification_body(providers["wechat"], order))

    assert response.status_code == 204
    order.refresh_from_db()
    assert order.status == "paid"
    assert stock_of(order) == (8, 0)
    txn = PaymentTransaction.objects.get()
    assert (txn.transaction_id, txn.amount, txn.status) == (f"T{order.number}", order.total_incl_tax, "paid")
    assert order.sources.get().amount_debited == order.total_incl_tax
    assert [o.pk for o in hook_calls] == [order.pk]
    log = NotificationLog.objects.get()
    assert (log.verified, log.outcome, log.out_trade_no) == (True, "processed", order.number)


def test_second_notify_does_not_pay_or_notify_twice(api, providers, order, committed, hook_calls):
    body = notification_body(providers["wechat"], order)
    with committed():
        first = deliver(api, body)
    with committed():
        second = deliver(api, body)

    assert (first.status_code, second.status_code) == (204, 204)
    assert PaymentTransaction.objects.count() == 1
    assert len(hook_calls) == 1
    assert stock_of(order) == (8, 0)
    assert list(NotificationLog.objects.order_by("pk").values_list("outcome", flat=True)) == ["processed", "duplicate"]


def test_a_failing_receiver_does_not_stop_the_others(api, providers, order, committed, hook_calls):
    from storefront.orders.events import order_paid

    def broken(sender, **kwargs):
        raise RuntimeError("points service down")

    order_paid.connect(broken, dispatch_uid="test-broken")
    try:
        with committed():
            deliver(api, notification_body(providers["wechat"], order))
    finally:
        order_paid.disconnect(dispatch_uid="test-broken")

    assert len(hook_calls) == 1


@pytest.mark.parametrize("signature", ["forged", "", "WECHATPAY/SIGNTEST/abc"])
def test_an_unverifiable_notification_changes_nothing_and_is_logged(api, providers, order, signature):
    response = deliver(api, notification_body(providers["wechat"], order), signature=signature)

    assert response.status_code == 400
    assert response.json()["code"] == "FAIL"
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert not PaymentTransaction.objects.exists()
    log = NotificationLog.objects.get()
    assert (log.verified, log.outcome) == (False, "rejected")
    assert "invalid_signature" in log.reason


@pytest.mark.parametrize(
    "overrides, kind",
    [
        ({"amount": "0.01"}, "amount_mismatch"),
        ({"currency": "USD"}, "amount_mismatch"),
        ({"merchant_id": "1999999999"}, "merchant_mismatch"),
        ({"app_id": "wxsomebodyelse"}, "merchant_mismatch"),
    ],
)
def test_a_notification_that_does_not_match_the_order_is_a_problem_not_a_payment(
    api, providers, order, overrides, kind
):
    response = deliver(api, notification_body(providers["wechat"], order, **overrides))

    assert response.status_code == 204  # retrying would not make it match; operations have it
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert stock_of(order) == (10, 2)
    assert not PaymentTransaction.objects.exists()
    problem = PaymentProblem.objects.get()
    assert (problem.kind, problem.order_id) == (kind, order.pk)
    assert NotificationLog.objects.get().outcome == "problem"


def test_a_notification_for_an_unknown_order_changes_nothing(api, providers, order):
    response = deliver(api, notification_body(providers["wechat"], order, out_trade_no="NOSUCHORDER"))

    assert response.status_code == 400
    assert not PaymentTransaction.objects.exists()
    assert NotificationLog.objects.get().outcome == "rejected"
    assert PaymentProblem.objects.get().kind == "unknown_order"


def test_a_malformed_body_is_answered_not_crashed_on(api, providers, order):
    response = deliver(api, "{not json")

    assert response.status_code == 400
    assert NotificationLog.objects.get().outcome == "error"


def test_a_database_error_midway_asks_for_a_retry_and_the_retry_completes(
    api, providers, order, committed, hook_calls, monkeypatch
):
    body = notification_body(providers["wechat"], order)
    original = payments.SourceType.objects.get_or_create

    def failing(*args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(payments.SourceType.objects, "get_or_create", failing)
    with committed():
        first = deliver(api, body)

    assert first.status_code == 400 and first.json()["code"] == "FAIL"
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert not PaymentTransaction.objects.exists()
    assert stock_of(order) == (10, 2)
    assert hook_calls == []

    monkeypatch.setattr(payments.SourceType.objects, "get_or_create", original)
    with committed():
        second = deliver(api, body)

    assert second.status_code == 204
    order.refresh_from_db()
    assert order.status == "paid"
    assert stock_of(order) == (8, 0)
    assert len(hook_calls) == 1
    assert list(NotificationLog.objects.order_by("pk").values_list("outcome", flat=True)) == ["error", "processed"]


def test_a_not_paid_trade_notification_is_acknowledged_and_ignored(api, providers, order):
    response = deliver(api, notification_body(providers["wechat"], order, state="closed"))

    assert response.status_code == 204
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert NotificationLog.objects.get().outcome == "ignored"


def test_paying_with_one_provider_closes_the_prepay_at_the_other(api, providers, committed):
    from storefront.members.models import Identity
    from storefront.payments.models import PaymentAttempt

    member = member_with_identity("wechat")
    Identity.objects.create(member=member, platform="alipay", app_id="2021000000000001", openid="2088000000000002")
    order = pending_order(user=member)
    payments.start_payment(order=order, member=member, provider="wechat")
    payments.start_payment(order=order, member=member, provider="alipay")

    with committed():
        deliver(api, notification_body(providers["wechat"], order))

    assert dict(PaymentAttempt.objects.values_list("provider", "status")) == {"wechat": "paid", "alipay": "closed"}
    assert providers["alipay"].calls_of("close") == [("close", order.number)]
    assert providers["wechat"].calls_of("close") == []


def test_a_duplicate_notification_is_cheap(api, providers, order, committed, django_assert_max_num_queries):
    body = notification_body(providers["wechat"], order)
    with committed():
        deliver(api, body)

    with django_assert_max_num_queries(8):
        assert deliver(api, body).status_code == 204


def test_a_first_notification_pays_the_order_in_a_bounded_number_of_queries(api, providers, order):
    """The notification's own work, inside its transaction (the after-commit tasks run in the
    worker): 29 queries before the order's row and info were read once and the stock settled
    in one update per line and per record; 20 now with the payment's source type known."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from oscar.apps.payment.models import SourceType

    SourceType.objects.create(name="WeChat Pay", code="wechat-pay")
    with CaptureQueriesContext(connection) as queries:
        assert deliver(api, notification_body(providers["wechat"], order)).status_code == 204
    work = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(work) <= 20, "\n".join(work)
    order.refresh_from_db()
    assert order.status == "paid" and stock_of(order) == (8, 0)
    source = order.sources.get()
    assert (source.amount_allocated, source.amount_debited) == (order.total_incl_tax, order.total_incl_tax)
    assert list(source.transactions.values_list("txn_type", "amount", "status")) == [
        ("Debit", order.total_incl_tax, "paid")
    ]
