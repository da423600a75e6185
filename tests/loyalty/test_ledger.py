"""The ledger as the brand's books: points expire lot by lot, follow a member merge and leave
with an erased account; entries are append-only, the database refuses a negative balance,
and `manage.py verify_points` finds no drift after all of it, and finds it when a row is
tampered with."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from freezegun import freeze_time

from loyalty import selectors, services, tasks
from loyalty.models import SHANGHAI, Account, BonusRule, CheckIn, Entry, Lot, OrderPoints, PointsCheck, Rules
from storefront.members import events as member_events
from storefront.members.privacy import erase_member
from storefront.members.services import merge_members
from tests.factories import MemberFactory, fill_basket, place, sku
from tests.loyalty.conftest import account_of, balances, grant, kinds

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_days(rules):
    """Lots that expire a fixed number of days after they are granted (30)."""
    rules.expiry, rules.expiry_days = Rules.Expiry.DAYS, 30
    rules.save()
    return rules


def lot_granted(member, points, *, staff, at):
    return services.adjust_points(member=member, points=points, reason="活动", staff=staff, now=at).lots.get()


def order_of(member, price="200.00", *, use_points=0):
    fill_basket(member, (sku(price=price), 1))
    return place(member, use_points=use_points)


def verify() -> tuple[str, PointsCheck]:
    out = StringIO()
    try:
        call_command("verify_points", stdout=out)
    except CommandError as failed:
        out.write(f"\nFAILED: {failed}")
    return out.getvalue(), PointsCheck.objects.order_by("-pk").first()


# --- expiry ----------------------------------------------------------------------------------------
def test_the_periodic_task_expires_lot_by_lot_only_what_is_past_its_expiry(in_days, points_staff, order_steps):
    member = MemberFactory()
    now = timezone.now()
    oldest = lot_granted(member, 200, staff=points_staff, at=now - dt.timedelta(days=20))
    older = lot_granted(member, 100, staff=points_staff, at=now - dt.timedelta(days=15))
    newest = lot_granted(member, 500, staff=points_staff, at=now)
    # Spending took from the lot expiring first.
    order = order_of(member, use_points=150)
    order_steps.pay(order)
    assert [Lot.objects.get(pk=lot.pk).remaining for lot in (oldest, older, newest)] == [50, 100, 500]

    assert services.expire_points(now=now + dt.timedelta(days=9)) == 0
    with freeze_time(now + dt.timedelta(days=16)):
        assert tasks.expire_points.delay().get() == 2
        assert tasks.expire_points.delay().get() == 0  # run again: nothing more
    expired = Entry.objects.filter(account__member=member, kind=Entry.Kind.EXPIRE).order_by("pk")
    assert [(e.delta, e.reference) for e in expired] == [(-50, f"lot:{oldest.pk}"), (-100, f"lot:{older.pk}")]
    assert [Lot.objects.get(pk=lot.pk).remaining for lot in (oldest, older, newest)] == [0, 0, 500]
    assert balances(member)[0] == 500


def test_lots_that_never_expire_stay(rules, points_staff):
    rules.expiry = Rules.Expiry.NEVER
    rules.save()
    member = MemberFactory()
    grant(member, 300, staff=points_staff)
    assert services.expire_points(now=timezone.now() + dt.timedelta(days=3650)) == 0
    assert balances(member) == (300, 0, 0)


def test_expired_points_leave_the_liability(in_days, points_staff):
    member = MemberFactory()
    now = timezone.now()
    lot_granted(member, 200, staff=points_staff, at=now - dt.timedelta(days=31))
    lot_granted(member, 300, staff=points_staff, at=now)
    before = selectors.liability()
    assert (before["available"], before["available_value"]) == (500, 5)

    services.expire_points(now=now)

    after = selectors.liability()
    assert (after["available"], str(after["available_value"])) == (300, "3.00")
    this_month = after["months"][-1]
    assert (this_month.issued, this_month.expired) == (500, 200)


# --- member merge and erasure ----------------------------------------------------------------------
def test_a_merge_moves_balances_lots_with_their_expiry_order_points_and_check_ins(
    in_days, tiers, points_staff, order_steps, committed
):
    source, target = MemberFactory(phone="+8613900000001"), MemberFactory()
    now = timezone.now()
    early = lot_granted(source, 300, staff=points_staff, at=now - dt.timedelta(days=10))
    lot_granted(source, 400, staff=points_staff, at=now)
    lot_granted(target, 50, staff=points_staff, at=now)
    paid = order_of(source, "120.00")
    order_steps.pay(paid)  # 120 pending
    waiting = order_of(source, "200.00", use_points=100)  # 100 reserved, from the early lot
    BonusRule.objects.create(kind=BonusRule.Kind.UGC_APPROVED, points=20)
    services.award_bonus(member=source, kind="ugc_approved", reference="ugc:1")  # lifetime 20
    today = timezone.localtime(now, SHANGHAI).date()  # check-ins count Shanghai days
    services.check_in(member=source, now=now - dt.timedelta(days=1))
    services.check_in(member=source, now=now)
    services.check_in(member=target, now=now)  # the same day: the survivor's own stays
    assert balances(source) == (300 + 400 + 20 + 10 - 100, 120, 100)  # 5 points a check-in

    with committed():
        merge_members(source=source, target=target, phone=source.phone, initiated_by=target)
    with committed():  # the event delivered again
        member_events.send_after_commit(
            member_events.member_merged, sender=type(source), source_id=source.pk, target_id=target.pk
        )

    assert balances(source) == (0, 0, 0)
    assert balances(target) == (630 + 55, 120, 100)
    assert account_of(target).lifetime_points == 30 + 5
    moved = {
        (lot.remaining, lot.expires_at)
        for lot in Lot.objects.filter(account__member=target, entry__kind=Entry.Kind.MERGE_IN)
    }
    assert (200, early.expires_at) in moved
    assert sum(remaining for remaining, _expiry in moved) == 630
    assert not Lot.objects.filter(account__member=source, remaining__gt=0).exists()
    assert set(OrderPoints.objects.values_list("account__member", flat=True)) == {target.pk}
    assert sorted(CheckIn.objects.filter(account__member=target).values_list("day", flat=True)) == [
        today - dt.timedelta(days=1),
        today,
    ]

    # The absorbed member's orders now land on the survivor.
    order_steps.complete(paid)
    order_steps.cancel(waiting)
    assert balances(target) == (685 + 120 + 100, 0, 0)
    released = Lot.objects.filter(account__member=target, entry__kind=Entry.Kind.REDEEM_RELEASE).get()
    assert (released.points, released.expires_at) == (100, early.expires_at)
    assert verify()[1].drifted == 0


def test_an_erased_member_s_points_leave_the_account_and_the_liability(rules, points_staff, order_steps, committed):
    member = MemberFactory()
    grant(member, 500, staff=points_staff)
    paid = order_of(member, "120.00")
    order_steps.pay(paid)
    waiting = order_of(member, "200.00", use_points=100)
    services.check_in(member=member)
    assert balances(member) == (405, 120, 100)

    with committed():
        erase_member(member=member, confirm=True)

    assert balances(member) == (0, 0, 0)
    account = account_of(member)
    assert (account.lifetime_points, account.tier_id) == (0, None)
    assert kinds(member)[-1] == Entry.Kind.ERASE
    assert not Lot.objects.filter(account=account, remaining__gt=0).exists()
    assert not CheckIn.objects.filter(account=account).exists()
    assert selectors.liability()["available"] + selectors.liability()["pending"] == 0
    # What the orders do later gives nothing back.
    order_steps.complete(paid)
    order_steps.cancel(waiting)
    assert balances(member) == (0, 0, 0)
    assert verify()[1].drifted == 0
    services.erase_points_of_member(member_id=member.pk)  # again: nothing changes
    assert kinds(member).count(Entry.Kind.ERASE) == 1


# --- integrity -------------------------------------------------------------------------------------
def test_ledger_entries_cannot_be_changed_or_deleted(member_with_points):
    entry = Entry.objects.get(account__member=member_with_points)
    entry.delta = 5000
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert Entry.objects.get(pk=entry.pk).delta == 1000


def test_the_database_refuses_a_negative_balance_even_bypassing_python(member_with_points):
    account = account_of(member_with_points)
    for change in ({"available": F("available") - 1001}, {"pending": -1}, {"reserved": -1}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Account.objects.filter(pk=account.pk).update(**change)
    lot = Lot.objects.get(account=account)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=lot.pk).update(remaining=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.filter(pk=lot.pk).update(remaining=lot.points + 1)
    assert balances(member_with_points) == (1000, 0, 0)


def test_verify_points_finds_no_drift_after_a_full_history(in_days, tiers, points_staff, order_steps, committed):
    shopper, other = MemberFactory(), MemberFactory(phone="+8613900000002")
    now = timezone.now()
    lot_granted(shopper, 300, staff=points_staff, at=now - dt.timedelta(days=40))  # expires below
    lot_granted(shopper, 400, staff=points_staff, at=now)
    BonusRule.objects.create(kind=BonusRule.Kind.FIRST_LOGIN, points=100)
    services.award_first_login_bonus(member_id=shopper.pk)
    services.check_in(member=shopper)
    services.adjust_points(member=shopper, points=-50, reason="纠正", staff=points_staff)
    done = order_of(shopper, "300.00", use_points=200)
    order_steps.pay(done)
    order_steps.complete(done)
    order_steps.refund(done, Decimal("98.00"))
    dropped = order_of(shopper, "150.00", use_points=100)
    order_steps.cancel(dropped)
    kept_pending = order_of(shopper, "120.00")
    order_steps.pay(kept_pending)
    refunded = order_of(shopper, "100.00")
    order_steps.pay(refunded)
    order_steps.refund(refunded)
    services.expire_points(now=now)
    lot_granted(other, 80, staff=points_staff, at=now)
    with committed():
        merge_members(source=other, target=shopper, phone=other.phone, initiated_by=shopper)
    gone = MemberFactory()
    grant(gone, 60, staff=points_staff)
    with committed():
        erase_member(member=gone, confirm=True)

    output, check = verify()
    assert "accounts agree" in output, output
    assert (check.accounts, check.drifted, check.details) == (Account.objects.count(), 0, [])
    assert tasks.verify_points.delay().get() == {"accounts": Account.objects.count(), "drifted": 0}


def test_verify_points_reports_a_tampered_lot_or_account(member_with_points, points_staff):
    honest = MemberFactory()
    grant(honest, 10, staff=points_staff)
    account = account_of(member_with_points)
    lot = Lot.objects.get(account=account)
    Lot.objects.filter(pk=lot.pk).update(remaining=990)

    output, check = verify()
    assert "FAILED: 1 of 2 accounts drifted" in output
    assert (check.accounts, check.drifted) == (2, 1)
    problems = check.details[0]["problems"]
    assert check.details[0]["member"] == member_with_points.pk
    assert "available 1000 but the lots hold 990" in problems
    assert f"lots [{lot.pk}] differ from their draws" in problems

    Lot.objects.filter(pk=lot.pk).update(remaining=1000)
    Account.objects.filter(pk=account.pk).update(available=1005)
    output, check = verify()
    assert check.drifted == 1
    assert "available 1005 but the ledger adds up to 1000" in check.details[0]["problems"]
    assert "the newest entry" in output

    Account.objects.filter(pk=account.pk).update(available=1000)
    output, check = verify()
    assert check.drifted == 0 and PointsCheck.objects.count() == 3
