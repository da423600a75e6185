"""Races on the points of one member, on PostgreSQL: real threads, each with its own
connection, released together (skipped on SQLite, which has no row locks).

Every change of an account locks its row first, so changes of one account queue: each
story below ends with the exact balances, entries and lots, the entries chained one after
the other (each starts from the balances the previous one left), and `verify_points`
finding no drift. Were the lock gone, two changes would start from the same stale balance
and the later write would erase the earlier (the chain breaks, the lots no longer add up to
the balance, a unique key or check refuses a second write and the thread fails).
"""

from decimal import Decimal

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from loyalty import checkout as loyalty_checkout
from loyalty import services, tasks
from loyalty.errors import AdjustmentRefused, PointsExceedBalance
from loyalty.models import CheckIn, CheckInReward, Entry, Lot, OrderPoints
from loyalty.verification import verify_points
from storefront.orders.status import PAID
from storefront.payments.services import record_payment
from tests.concurrency import run_concurrently
from tests.factories import MemberFactory, fill_basket, member_with_identity, pending_order, place, sku
from tests.loyalty.conftest import account_of, balances, grant, kinds, order_points
from tests.storefront.checkout.test_races import gated

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Kind = Entry.Kind


# --- what every story checks at the end ------------------------------------------------------------
def entries_of(member):
    return list(Entry.objects.filter(account__member=member).order_by("pk"))


def assert_chained(member):
    """Each entry starts from the balances the one before it left (the account's lock makes
    them one after the other), none below zero, the last one ending at the account's."""
    available = pending = reserved = 0
    for entry in entries_of(member):
        available += entry.delta
        pending += entry.pending_delta
        reserved += entry.reserved_delta
        assert (entry.balance_after, entry.pending_after, entry.reserved_after) == (available, pending, reserved), (
            f"entry {entry.pk} ({entry.kind}) does not start where the previous one ended"
        )
        assert min(available, pending, reserved) >= 0
    assert balances(member) == (available, pending, reserved)


def assert_no_drift(member):
    assert_chained(member)
    check = verify_points(record=False)
    assert (check.drifted, check.details) == (0, [])
    lots = Lot.objects.filter(account__member=member)
    assert sum(lot.remaining for lot in lots) == account_of(member).available


def lots_of(member):
    return list(Lot.objects.filter(account__member=member).order_by("pk").values_list("points", "remaining"))


def error_code(exc):
    return getattr(exc, "code", repr(exc))


# --- spending at checkout ---------------------------------------------------------------------------
def test_fifty_checkouts_at_once_spend_exactly_the_points_the_member_has(rules, points_staff):
    """One member, 1000 points in two lots, fifty orders each using 100 at once: ten are
    reserved, forty are refused `points_exceed_balance` having read 0 available.

    Each thread does what placing an order does with points inside the order's transaction
    (storefront.checkout.services._place): quote under the account's lock, then reserve.
    Fifty HTTP checkouts of one member would queue on the member's basket lock before
    reaching the points, so they are raced here where the points' own lock is the only guard."""
    member = MemberFactory()
    grant(member, 600, staff=points_staff, reason="春季活动")
    grant(member, 400, staff=points_staff, reason="客服补偿")
    orders = [pending_order(user=member, price=Decimal("40.00")) for _ in range(50)]

    def checkout(i):
        order = orders[i]
        with transaction.atomic():
            quote = loyalty_checkout.quote_points(
                member=member,
                goods_total=order.basket_total_incl_tax,
                total=order.total_incl_tax,
                use_points=100,
                lock=True,
            )
            loyalty_checkout.reserve_points(member=member, order=order, quote=quote)
        return order.pk

    results = run_concurrently(gated(checkout), times=50, timeout=120)

    assert results.count_ok == 10
    refused = results.errors_of(PointsExceedBalance)
    assert len(refused) == 40, [repr(e) for e in results.errors if not isinstance(e, PointsExceedBalance)][:3]
    assert {(e.code, e.status_code, e.extra["available"]) for e in refused} == {("points_exceed_balance", 400, 0)}
    assert balances(member) == (0, 0, 1000)
    assert lots_of(member) == [(600, 0), (400, 0)]
    reserves = [e for e in entries_of(member) if e.kind == Kind.REDEEM_RESERVE]
    assert [(e.delta, e.reserved_delta) for e in reserves] == [(-100, 100)] * 10
    assert [e.balance_after for e in reserves] == list(range(900, -1, -100))
    assert sorted(OrderPoints.objects.values_list("order_id", flat=True)) == sorted(results.values)
    assert set(OrderPoints.objects.values_list("redeem_state", "used")) == {(OrderPoints.RedeemState.RESERVED, 100)}
    assert_no_drift(member)


# --- earning on a payment ---------------------------------------------------------------------------
@pytest.fixture
def sandbox(settings):
    from platforms.base import reset_platform_clients

    settings.SANDBOX_DELIVERY = "inline"
    reset_platform_clients()
    yield
    reset_platform_clients()


@pytest.mark.usefixtures("sandbox")
def test_one_payment_notification_delivered_ten_times_at_once_awards_the_points_once(rules, points_staff):
    from tests.storefront.payments.test_races import deliver, paid_in_sandbox

    member = member_with_identity("wechat")
    grant(member, 1000, staff=points_staff)
    fill_basket(member, (sku(price="200.00"), 1))
    order = place(member, use_points=300)  # 3.00 off: 197.00 to pay
    extra, body = paid_in_sandbox(order, member)

    results = run_concurrently(lambda i: deliver(extra, body).status_code, times=10)

    assert (results.errors, results.values) == ([], [204] * 10)
    order.refresh_from_db()
    assert order.status == PAID
    row = order_points(order)
    assert (row.earn_state, row.earned, row.redeem_state, row.used) == ("pending", 197, "consumed", 300)
    assert balances(member) == (700, 197, 0)
    assert sorted(kinds(member)) == sorted([Kind.ADJUST, Kind.REDEEM_RESERVE, Kind.EARN, Kind.REDEEM_CONSUME])
    assert_no_drift(member)


def test_the_payment_s_tasks_delivered_ten_times_at_once_earn_and_spend_once(
    rules, points_staff, providers, monkeypatch
):
    """The broker hands each of the paid order's two loyalty tasks to ten workers at once."""
    member = MemberFactory()
    grant(member, 1000, staff=points_staff)
    fill_basket(member, (sku(price="200.00"), 1))
    order = place(member, use_points=300)
    queued = []
    with monkeypatch.context() as patched:
        for task in (tasks.award_points_for_order, tasks.consume_points_of_order):
            patched.setattr(task, "delay", lambda *args, task=task: queued.append((task, args)))
        record_payment(provider="wechat", trade=providers["wechat"].paid_trade(order))
    assert sorted(task.name for task, _args in queued) == [
        "loyalty.tasks.award_points_for_order",
        "loyalty.tasks.consume_points_of_order",
    ]
    assert balances(member) == (700, 0, 300)  # nothing earned or spent yet

    def worker(i):
        task, args = queued[i % 2]
        return task(*args)

    results = run_concurrently(worker, times=20)

    assert results.errors == []
    row = order_points(order)
    assert (row.earn_state, row.earned, row.redeem_state) == ("pending", 197, "consumed")
    assert balances(member) == (700, 197, 0)
    assert sorted(kinds(member)) == sorted([Kind.ADJUST, Kind.REDEEM_RESERVE, Kind.EARN, Kind.REDEEM_CONSUME])
    assert_no_drift(member)


# --- daily check-in ---------------------------------------------------------------------------------
@pytest.mark.parametrize("holding", [0, 1000], ids=["new_member", "member_with_points"])
def test_ten_check_in_taps_at_once_pay_once(rules, points_staff, holding):
    """A member taps check-in ten times at once: one 201 with the day's 5 points and the
    first-day reward, nine 409 `already_checked_in` with that result. A new member's points
    account is opened by the first tap (the others meet it on its unique member); a member
    who already has one queues on its lock."""
    CheckInReward.objects.create(kind=CheckInReward.Kind.STREAK, day=1, points=20)
    member = MemberFactory()
    if holding:
        grant(member, holding, staff=points_staff)
    token = _token_of(member)

    def tap(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = client.post("/api/v1/loyalty/check-in/")
        return response.status_code, response.json()

    results = run_concurrently(tap, times=10)

    assert results.errors == []
    statuses = sorted(status for status, _body in results.values)
    assert statuses == [201] + [409] * 9
    [won] = [body for status, body in results.values if status == 201]
    assert (won["awarded"], won["streak"], won["available"]) == (25, 1, holding + 25)
    refused = [body["error"] for status, body in results.values if status == 409]
    assert {error["code"] for error in refused} == {"already_checked_in"}
    assert all(error["check_in"] == {"awarded": 25, "streak": 1, "available": holding + 25} for error in refused)
    assert CheckIn.objects.filter(account__member=member).count() == 1
    granted = [(Kind.ADJUST, holding)] if holding else []
    assert [(e.kind, e.delta) for e in entries_of(member)] == [*granted, (Kind.CHECK_IN, 25)]
    assert lots_of(member) == [(p, p) for _kind, p in granted] + [(25, 25)]
    assert balances(member) == (holding + 25, 0, 0)
    assert_no_drift(member)


def _token_of(member):
    from knox.models import AuthToken

    return AuthToken.objects.create(user=member)[1]


# --- a refund racing the order's completion ---------------------------------------------------------
@pytest.fixture
def paid_order_with_points(rules, points_staff, providers):
    """A member who had 1000 points paid 197.00 for a 200.00 order using 300 of them: 700
    available, 197 pending until the order completes."""

    def make():
        member = MemberFactory()
        grant(member, 1000, staff=points_staff)
        fill_basket(member, (sku(price="200.00"), 1))
        order = place(member, use_points=300)
        record_payment(provider="wechat", trade=providers["wechat"].paid_trade(order))
        assert balances(member) == (700, 197, 0)
        return member, order

    return make


@pytest.mark.parametrize("round_", range(3))
@pytest.mark.parametrize(
    ("amount", "full", "expected"),
    [
        # All of it: the 300 spent come back, the 197 earned are taken back, whichever came first.
        ("197.00", True, {"balances": (1000, 0, 0), "clawed": 197, "returned": 300, "lifetime": 0}),
        # Half: 150 of the spent points come back, 98 of the earned are taken back.
        ("98.50", False, {"balances": (949, 0, 0), "clawed": 98, "returned": 150, "lifetime": 99}),
    ],
    ids=["full_refund", "half_refund"],
)
def test_a_refund_racing_the_completion_ends_as_if_one_came_after_the_other(
    paid_order_with_points, amount, full, expected, round_
):
    """The order_completed and order_refunded tasks run at the same time, each delivered twice."""
    member, order = paid_order_with_points()

    def task(i):
        if i % 2 == 0:
            return services.confirm_points_for_order(order_id=order.pk)
        return services.settle_refund_points(
            order_id=order.pk, refund_number=f"{order.number}R1", amount=Decimal(amount), fully_refunded=full
        )

    results = run_concurrently(task, times=4)

    assert results.errors == []
    assert balances(member) == expected["balances"]
    row = order_points(order)
    assert (row.earn_state, row.clawed, row.unrecovered, row.returned) == (
        "available",
        expected["clawed"],
        0,
        expected["returned"],
    )
    assert row.refund_numbers == [f"{order.number}R1"]
    assert account_of(member).lifetime_points == expected["lifetime"]
    after_payment = [Kind.ADJUST, Kind.REDEEM_RESERVE, Kind.EARN, Kind.REDEEM_CONSUME]
    completed_first = [Kind.EARN_CONFIRMED, Kind.REDEEM_RETURN, Kind.CLAWBACK]
    refunded_first = [Kind.REDEEM_RETURN, Kind.CLAWBACK] + ([] if full else [Kind.EARN_CONFIRMED])
    ledger = kinds(member)
    assert sorted(ledger[:4]) == sorted(after_payment)
    assert ledger[4:] in (completed_first, refunded_first)
    # The 1000-point lot has back what the order took from it and gave back.
    first_lot = Lot.objects.filter(account__member=member).order_by("pk").first()
    assert first_lot.remaining == 700 + expected["returned"]
    assert_no_drift(member)


@pytest.mark.parametrize("round_", range(4))
def test_points_spent_before_the_clawback_are_not_taken_below_zero(rules, points_staff, providers, round_):
    """A member with no other points: the order's 100 points become available, staff take
    100 off, and the full refund arrives, all at once. However they queue, the balance ends
    at 0, never below: either the deduction went first and the refund could not take the
    points back (recorded as unrecovered), or it found nothing to take and was refused."""
    member = MemberFactory()
    fill_basket(member, (sku(price="100.00"), 1))  # free shipping from 99.00
    order = place(member)
    record_payment(provider="wechat", trade=providers["wechat"].paid_trade(order))
    assert balances(member) == (0, 100, 0)

    def task(i):
        if i == 0:
            return services.confirm_points_for_order(order_id=order.pk)
        if i == 1:
            return services.settle_refund_points(
                order_id=order.pk, refund_number=f"{order.number}R1", amount=Decimal("100.00"), fully_refunded=True
            )
        return services.adjust_points(member=member, points=-100, reason="兑换礼品", staff=points_staff)

    results = run_concurrently(task, times=3)

    refused = results.errors_of(AdjustmentRefused)
    assert len(results.errors) == len(refused) <= 1, results.errors
    assert balances(member) == (0, 0, 0)
    row = order_points(order)
    assert row.clawed == 100
    if refused:
        assert row.unrecovered == 0
        assert Kind.ADJUST not in kinds(member)
    else:  # completed, spent, then refunded: nothing left to take back
        assert row.unrecovered == 100
        assert kinds(member) == [Kind.EARN, Kind.EARN_CONFIRMED, Kind.ADJUST]
    assert account_of(member).lifetime_points == 0
    assert_no_drift(member)


# --- staff adjustments ------------------------------------------------------------------------------
def test_twenty_adjustments_at_once_add_up_exactly(points_staff, rules):
    """500 points; ten grants of 30 and ten deductions of 50 at once: all can be done in any
    order, and the balance is exactly 500 + 300 - 500."""
    member = MemberFactory()
    grant(member, 500, staff=points_staff)

    def adjust(i):
        points = 30 if i % 2 == 0 else -50
        return services.adjust_points(member=member, points=points, reason=f"活动调整 {i}", staff=points_staff)

    results = run_concurrently(adjust, times=20)

    assert results.errors == []
    assert balances(member) == (300, 0, 0)
    assert sorted(e.delta for e in entries_of(member)) == sorted([500] + [30] * 10 + [-50] * 10)
    assert len(Lot.objects.filter(account__member=member)) == 11  # one per grant
    assert_no_drift(member)


def test_deductions_at_once_never_take_more_than_is_available(points_staff, rules):
    """250 points; ten grants of 10 and ten deductions of 100 at once. Two or three
    deductions fit, depending on how many grants came before them; each refused one saw
    less than 100 available, and the balance is exactly what the successful ones add up to."""
    member = MemberFactory()
    grant(member, 250, staff=points_staff)

    def adjust(i):
        points = 10 if i % 2 == 0 else -100
        return services.adjust_points(member=member, points=points, reason=f"兑换 {i}", staff=points_staff)

    results = run_concurrently(adjust, times=20)

    refused = results.errors_of(AdjustmentRefused)
    assert len(refused) == len(results.errors), results.errors
    done = [entry.delta for entry in results.values]
    deducted = done.count(-100)
    assert done.count(10) == 10 and deducted in (2, 3) and len(refused) == 10 - deducted
    assert all(int(e.fields["points"].removeprefix("最多可扣减 ").split()[0]) < 100 for e in refused)
    assert balances(member) == (250 + 100 - 100 * deducted, 0, 0)
    assert sorted(e.delta for e in entries_of(member)) == sorted([250, *done])
    assert_no_drift(member)
