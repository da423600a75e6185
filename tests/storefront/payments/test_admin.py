"""Operations in the admin: payments, refunds, notification log, problems, reconciliation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from storefront.payments import refunds
from storefront.payments import services as payments
from storefront.payments.models import PaymentProblem, ReconciliationRun, Refund
from tests.factories import StaffFactory, member_with_identity, pending_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


@pytest.fixture
def paid(providers, committed):
    order = pending_order(user=member_with_identity("wechat"), quantity=2)
    with committed():
        payments.record_payment(provider="wechat", trade=providers["wechat"].paid_trade(order))
    return order


@pytest.mark.parametrize(
    "model",
    [
        "paymentattempt",
        "paymenttransaction",
        "refund",
        "notificationlog",
        "paymentproblem",
        "reconciliationrun",
    ],
)
def test_every_payments_screen_opens(admin_client, paid, model):
    response = admin_client.get(f"/admin/storefront/{model}/")
    assert response.status_code == 200


def test_operations_refund_part_of_a_payment_from_the_admin(
    admin_client, paid, providers, django_capture_on_commit_callbacks
):
    txn = paid.payment_transactions.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/storefront/refund/add/", {"transaction": txn.pk, "amount": "5.00", "reason": "damaged box"}
        )

    assert response.status_code == 302, response.content
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.kind) == (Decimal("5.00"), "success", "operations")
    paid.refresh_from_db()
    assert paid.status == "paid"
    assert admin_client.get(f"/admin/storefront/refund/{refund.pk}/change/").status_code == 200


def test_the_admin_refuses_to_refund_more_than_was_paid(admin_client, paid):
    txn = paid.payment_transactions.get()

    response = admin_client.post("/admin/storefront/refund/add/", {"transaction": txn.pk, "amount": "25.00"})

    assert response.status_code == 200
    assert not Refund.objects.exists()


def test_operations_refund_whole_payments_with_the_action(admin_client, paid, django_capture_on_commit_callbacks):
    txn = paid.payment_transactions.get()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/storefront/paymenttransaction/", {"action": "refund_in_full", "_selected_action": [txn.pk]}
        )
        admin_client.post(
            "/admin/storefront/paymenttransaction/", {"action": "refund_in_full", "_selected_action": [txn.pk]}
        )

    assert Refund.objects.get().amount == Decimal("20.00")
    paid.refresh_from_db()
    assert paid.status == "refunded"


def test_the_reconciliation_button_runs_a_day(admin_client, providers):
    day = timezone.localdate() - dt.timedelta(days=1)

    response = admin_client.post("/admin/storefront/reconciliationrun/run/", {"day": day.isoformat(), "provider": ""})

    assert response.status_code == 302
    assert set(ReconciliationRun.objects.values_list("provider", flat=True)) == {"wechat", "alipay"}
    assert all(run.is_clean for run in ReconciliationRun.objects.all())
    assert admin_client.get("/admin/storefront/reconciliationrun/run/").status_code == 200
    run = ReconciliationRun.objects.first()
    assert admin_client.get(f"/admin/storefront/reconciliationrun/{run.pk}/change/").status_code == 200


def test_a_problem_is_marked_resolved(admin_client, providers):
    problem = PaymentProblem.objects.create(kind="late_payment", provider="wechat", reference="T1", message="late")

    admin_client.post(
        "/admin/storefront/paymentproblem/", {"action": "mark_resolved", "_selected_action": [problem.pk]}
    )

    problem.refresh_from_db()
    assert problem.is_resolved


def test_the_order_screen_shows_its_payments_and_refunds(admin_client, paid, committed):
    with committed():
        refunds.start_refund(order=paid, amount=Decimal("1.00"), key="AS1")

    response = admin_client.get(f"/admin/storefront/operationsorder/{paid.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert f"T{paid.number}" in content
    assert f"{paid.number}RAS1" in content
