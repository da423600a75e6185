"""Earning points: what a paid order earns (the yuan paid for goods, the tier multiplier, the
best promotion of each line), pending until the order completes, then a lot with its own
expiry; points taken back in proportion to refunds; bonuses; tiers and their progress.

Orders go through the real steps: checkout's `place_order`, the payment notification
(`record_payment`), the status service, refunds through the provider; the loyalty receivers
and tasks run as the commit would run them (`order_steps`)."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time

from loyalty import selectors, services, tasks
from loyalty.models import SHANGHAI, Account, BonusRule, Entry, Lot, OrderPoints, Promotion, Rules
from platforms.base import reset_platform_clients
from storefront.orders import events
from storefront.orders.after_sales import request_refund
from storefront.orders.status import PAID, REFUNDED, REFUNDING
from storefront.payments.refunds import approve_after_sales, sync_open_refunds
from storefront.payments.services import record_payment
from tests.factories import MemberFactory, StaffFactory, catalog, fill_basket, place, site_offer, sku
from tests.loyalty.conftest import account_of, balances, grant, kinds, order_points
from tests.steps import bind_wechat_phone, new_phone, wechat_login

pytestmark = pytest.mark.django_db


def order_of(member, *items, use_points=0):
    """The member's order of `items` ((product, quantity) pairs), placed through checkout."""
    fill_basket(member, *items)
    return place(member, use_points=use_points)


def lots_of(member):
    return list(Lot.objects.filter(account__member=member).order_by("pk").values_list("points", "remaining"))


def bonus_rule(kind, points, **fields):
    return BonusRule.objects.create(kind=kind, points=points, **fields)


# --- what an order earns ---------------------------------------------------------------------------
def test_points_are_earned_on_the_yuan_paid_for_goods_after_discounts_and_points_without_shipping(
    rules, tiers, member_with_points, order_steps
):
    tea = sku(price="80.00")  # below the free-shipping threshold: 10.00 shipping
    site_offer(value="10.00")
    order = order_of(member_with_points, (tea, 1), use_points=500)  # 5.00 yuan off
    assert (order.shipping_incl_tax, order.total_incl_tax) == (Decimal("10.00"), Decimal("75.00"))

    order_steps.pay(order)

    row = order_points(order)
    # 80 - 10 (offer) - 5 (points) = 65 yuan paid for goods; the 10 of shipping earns nothing.
    assert (row.earn_state, row.earned, row.base) == (OrderPoints.EarnState.PENDING, 65, Decimal("65.00"))
    assert balances(member_with_points) == (500, 65, 0)


def test_the_tier_multiplier_and_the_best_promotion_of_each_line_count(rules, tiers, order_steps):
    tea = catalog.category("茶")
    green = catalog.category("绿茶", tea)
    longjing = catalog.standalone("明前龙井", price="100.00", categories=[green])
    biluochun = catalog.with_skus("碧螺春", [{"weight": "50g", "price": "50.00"}])
    biluochun_50g = biluochun.children.get()
    teapot = catalog.standalone("紫砂壶", price="30.00")
    now = timezone.now()
    week = {"starts_at": now - dt.timedelta(days=1), "ends_at": now + dt.timedelta(days=6)}
    on_tea = Promotion.objects.create(name="茶叶双倍", multiplier=Decimal("2.00"), **week)
    on_tea.categories.add(tea)  # 绿茶 is a sub-category of 茶
    on_biluochun = Promotion.objects.create(name="碧螺春三倍", multiplier=Decimal("3.00"), **week)
    on_biluochun.products.add(biluochun)  # the parent: its SKUs are covered
    Promotion.objects.create(name="全场1.2倍", multiplier=Decimal("1.20"), all_products=True, **week)
    # Neither of these does anything: one is switched off, the other is over.
    Promotion.objects.create(name="已停用", multiplier=Decimal("10.00"), all_products=True, is_active=False, **week)
    Promotion.objects.create(
        name="上周活动",
        multiplier=Decimal("10.00"),
        all_products=True,
        starts_at=now - dt.timedelta(days=8),
        ends_at=now - dt.timedelta(days=1),
    )
    member = MemberFactory()
    bonus_rule(BonusRule.Kind.UGC_APPROVED, 1000)
    services.award_bonus(member=member, kind=BonusRule.Kind.UGC_APPROVED, reference="ugc:1")
    assert account_of(member).tier.name == "银卡"  # x1.5

    order = order_of(member, (longjing, 1), (biluochun_50g, 1), (teapot, 1))
    order_steps.pay(order)

    # 100 x 1.5 x 2 (tea, by its category) + 50 x 1.5 x 3 (the SKU of 碧螺春) + 30 x 1.5 x 1.2
    assert order_points(order).earned == 300 + 225 + 54


def test_points_are_rounded_down_once_per_order_not_per_line(rules, tiers, order_steps):
    member = MemberFactory()
    bonus_rule(BonusRule.Kind.FIRST_LOGIN, 1000)
    services.award_first_login_bonus(member_id=member.pk)  # 银卡, x1.5
    order = order_of(member, (sku(price="45.00"), 1), (sku(price="45.00"), 1))
    order_steps.pay(order)
    # 67.5 + 67.5 = 135 (rounding each line first would give 134).
    assert order_points(order).earned == 135


def test_a_discount_on_one_line_lowers_that_line_s_share_of_the_points(rules, order_steps):
    promoted, plain = sku(price="100.00"), sku(price="100.00")
    site_offer(value="50.00", products=[promoted])
    now = timezone.now()
    double = Promotion.objects.create(
        name="双倍",
        multiplier=Decimal("2.00"),
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=1),
    )
    double.products.add(promoted)
    order = order_of(MemberFactory(), (promoted, 1), (plain, 1))
    assert order.total_incl_tax == Decimal("150.00")
    order_steps.pay(order)
    # 50 yuan paid for the promoted tea, doubled, and 100 for the other.
    assert order_points(order).earned == 50 * 2 + 100


def test_the_earning_rate_set_by_marketers_applies_and_earning_can_be_switched_off(rules, order_steps):
    rules.earn_points_per_yuan = Decimal("2.50")
    rules.save()
    first = order_of(MemberFactory(), (sku(price="101.00"), 1))
    order_steps.pay(first)
    assert order_points(first).earned == 252  # 252.5 rounded down

    rules.earn_enabled = False
    rules.save()
    second = order_of(MemberFactory(), (sku(price="101.00"), 1))
    order_steps.pay(second)
    assert order_points(second).earned == 0
    assert not Entry.objects.filter(order=second).exists()


# --- pending, then available -----------------------------------------------------------------------
def test_points_are_pending_when_paid_and_a_lot_when_the_order_completes(rules, order_steps):
    member = MemberFactory()
    order = order_of(member, (sku(price="200.00"), 1))
    assert not OrderPoints.objects.filter(order=order).exists()  # placing earns nothing

    order_steps.pay(order)
    assert balances(member) == (0, 200, 0)
    assert lots_of(member) == []

    order_steps.complete(order)
    assert balances(member) == (200, 0, 0)
    assert account_of(member).lifetime_points == 200
    lot = Lot.objects.get(account__member=member)
    assert (lot.points, lot.remaining) == (200, 200)
    year = timezone.localtime(lot.created_at, SHANGHAI).year
    assert lot.expires_at == dt.datetime(year + 1, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)
    assert kinds(member) == [Entry.Kind.EARN, Entry.Kind.EARN_CONFIRMED]


def test_the_end_of_next_year_is_counted_in_shanghai_time(rules, order_steps):
    member = MemberFactory()
    order = order_of(member, (sku(price="120.00"), 1))
    order_steps.pay(order)
    # 16:30 UTC on 31 December is already 1 January in Shanghai: the next year is the one after.
    services.confirm_points_for_order(order_id=order.pk, now=dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC))
    lot = Lot.objects.get(account__member=member)
    assert lot.expires_at == dt.datetime(2028, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("expiry", "expected"),
    [(Rules.Expiry.DAYS, dt.timedelta(days=90)), (Rules.Expiry.NEVER, None)],
)
def test_lots_expire_by_the_rule_a_number_of_days_or_never(rules, order_steps, expiry, expected):
    rules.expiry, rules.expiry_days = expiry, 90
    rules.save()
    member = MemberFactory()
    order = order_of(member, (sku(price="120.00"), 1))
    order_steps.pay(order)
    order_steps.complete(order)
    row, lot = order_points(order), Lot.objects.get(account__member=member)
    assert lot.expires_at == (None if expected is None else row.confirmed_at + expected)


def test_points_become_available_after_the_set_days_by_the_periodic_task(rules, order_steps):
    rules.available_after_days = 7
    rules.save()
    member = MemberFactory()
    order = order_of(member, (sku(price="150.00"), 1))
    order_steps.pay(order)
    paid_at = order.info.paid_at
    assert order_points(order).confirm_due_at == paid_at + dt.timedelta(days=7)

    assert services.confirm_due_order_points(now=paid_at + dt.timedelta(days=6)) == 0
    assert balances(member) == (0, 150, 0)

    with freeze_time(paid_at + dt.timedelta(days=7, seconds=1)):
        assert tasks.confirm_due_order_points.delay().get() == 1
    assert balances(member) == (150, 0, 0)
    assert order_points(order).earn_state == OrderPoints.EarnState.AVAILABLE
    # Completing the order later changes nothing.
    order_steps.complete(order)
    assert balances(member) == (150, 0, 0)
    assert Lot.objects.filter(account__member=member).count() == 1


def test_an_order_in_the_middle_of_a_refund_waits_for_it(rules, order_steps, committed):
    rules.available_after_days = 7
    rules.save()
    member = MemberFactory()
    order = order_of(member, (sku(price="150.00"), 1))
    order_steps.pay(order)
    order_steps.providers["wechat"].refund_result = "processing"
    order_steps.refund(order, Decimal("50.00"))
    assert order.status == REFUNDING

    later = order.info.paid_at + dt.timedelta(days=8)
    assert services.confirm_due_order_points(now=later) == 0
    assert balances(member) == (0, 150, 0)

    # WeChat Pay finishes the refund: the order is paid again, its points 50 fewer, then due.
    provider = order_steps.providers["wechat"]
    number = order_steps.last_refund_number
    provider.refunds[number] = replace(provider.refunds[number], state="success")
    with committed():
        sync_open_refunds()
    order.refresh_from_db()
    assert order.status == PAID
    assert services.confirm_due_order_points(now=later) == 1
    assert balances(member) == (100, 0, 0)


def test_a_cancelled_order_earns_nothing_and_its_pending_points_are_voided(rules, order_steps):
    member = MemberFactory()
    unpaid = order_of(member, (sku(price="120.00"), 1))
    order_steps.cancel(unpaid)
    # An order_paid delivered late for it (a retried task) awards nothing.
    services.award_points_for_order(order_id=unpaid.pk)
    assert balances(member) == (0, 0, 0)

    # Pending points of an order that ends cancelled (forced by a data fix) are voided.
    paid = order_of(member, (sku(price="120.00"), 1))
    order_steps.pay(paid)
    assert balances(member) == (0, 120, 0)
    type(paid).objects.filter(pk=paid.pk).update(status="cancelled")
    services.release_points_of_cancelled_order(order_id=paid.pk)
    services.release_points_of_cancelled_order(order_id=paid.pk)
    assert balances(member) == (0, 0, 0)
    assert order_points(paid).earn_state == OrderPoints.EarnState.VOIDED
    assert kinds(member) == [Entry.Kind.EARN, Entry.Kind.EARN_VOIDED]


def test_a_notification_or_an_event_delivered_twice_awards_once(rules, order_steps, committed):
    member = MemberFactory()
    order = order_of(member, (sku(price="120.00"), 1))
    assert order_steps.pay(order, times=2) == ["processed", "duplicate"]
    # The events themselves delivered again (task retries): still once.
    with committed():
        events.send_after_commit(events.order_paid, sender=type(order), order=order)
    order_steps.complete(order)
    with committed():
        events.send_after_commit(events.order_completed, sender=type(order), order=order)
    assert balances(member) == (120, 0, 0)
    assert kinds(member) == [Entry.Kind.EARN, Entry.Kind.EARN_CONFIRMED]
    assert lots_of(member) == [(120, 120)]


# --- refunds take earned points back ---------------------------------------------------------------
def test_a_partial_refund_takes_back_pending_points_in_proportion(rules, order_steps):
    member = MemberFactory()
    order = order_of(member, (sku(price="200.00"), 1))
    order_steps.pay(order)
    order_steps.refund(order, Decimal("50.00"))
    assert order.status == PAID
    assert balances(member) == (0, 150, 0)
    row = order_points(order)
    assert (row.earned, row.clawed, row.unrecovered) == (200, 50, 0)

    order_steps.complete(order)
    assert balances(member) == (150, 0, 0)
    assert lots_of(member) == [(150, 150)]
    assert account_of(member).lifetime_points == 150


def test_a_partial_refund_after_completion_takes_available_points_from_the_orders_lot(rules, points_staff, order_steps):
    member = MemberFactory()
    grant(member, 300, staff=points_staff)  # an earlier lot, which the refund leaves alone
    order = order_of(member, (sku(price="200.00"), 1))
    order_steps.pay(order)
    order_steps.complete(order)
    order_steps.refund(order, Decimal("50.00"))
    assert balances(member) == (450, 0, 0)
    assert lots_of(member) == [(300, 300), (200, 150)]
    assert account_of(member).lifetime_points == 150
    entry = Entry.objects.get(account__member=member, kind=Entry.Kind.CLAWBACK)
    assert (entry.delta, entry.order_id, entry.reference) == (-50, order.pk, order_steps.last_refund_number)


def test_a_full_refund_takes_back_all_the_points(rules, order_steps):
    member = MemberFactory()
    pending = order_of(member, (sku(price="133.00"), 1))
    order_steps.pay(pending)
    order_steps.refund(pending)
    assert pending.status == REFUNDED

    available = order_of(member, (sku(price="120.00"), 1))
    order_steps.pay(available)
    order_steps.complete(available)
    order_steps.refund(available)

    assert balances(member) == (0, 0, 0)
    assert account_of(member).lifetime_points == 0
    assert [order_points(o).clawed for o in (pending, available)] == [133, 120]


def test_refunding_every_line_takes_back_all_the_points_though_the_shipping_was_kept(rules, order_steps, committed):
    member = MemberFactory()
    order = order_of(member, (sku(price="40.00"), 1), (sku(price="40.00"), 1))  # + 10.00 shipping
    order_steps.pay(order)
    assert (order.total_incl_tax, order_points(order).earned) == (Decimal("90.00"), 80)
    first, second = order.lines.order_by("pk")

    request = request_refund(
        order=order, member=member, kind="refund_only", reason="不要了", lines=[{"line_id": first.pk, "quantity": 1}]
    )
    with committed():
        approve_after_sales(request=request, staff=StaffFactory())
    assert balances(member) == (0, 40, 0)  # half the goods back: half the points

    request = request_refund(
        order=order, member=member, kind="refund_only", reason="不要了", lines=[{"line_id": second.pk, "quantity": 1}]
    )
    with committed():
        approve_after_sales(request=request, staff=StaffFactory())
    order.refresh_from_db()
    assert order.status == PAID  # the shipping was kept
    assert balances(member) == (0, 0, 0)  # but no goods: no points


def test_points_already_spent_are_recorded_as_unrecovered_and_the_balance_stays_at_zero(rules, order_steps):
    member = MemberFactory()
    first = order_of(member, (sku(price="200.00"), 1))
    order_steps.pay(first)
    order_steps.complete(first)
    # 150 of the 200 points go into the next order.
    second = order_of(member, (sku(price="100.00"), 1), use_points=150)
    order_steps.pay(second)
    assert balances(member) == (50, 98, 0)  # the second order earns on 98.50 paid

    order_steps.refund(first)

    row = order_points(first)
    assert (row.clawed, row.unrecovered) == (200, 150)
    available, _pending, _reserved = balances(member)
    assert available == 0
    assert Account.objects.filter(available__lt=0).count() == 0


def test_each_refund_number_counts_once(rules, order_steps, committed):
    member = MemberFactory()
    order = order_of(member, (sku(price="200.00"), 1))
    order_steps.pay(order)
    refund = order_steps.refund(order, Decimal("50.00"))
    for _ in range(2):  # the event delivered again
        with committed():
            events.send_after_commit(
                events.order_refunded,
                sender=type(order),
                order=order,
                refund_number=refund.out_refund_no,
                amount=refund.amount,
                lines={},
                fully_refunded=False,
            )
    assert balances(member) == (0, 150, 0)
    order_steps.refund(order, Decimal("50.00"))  # a second refund is another number
    assert balances(member) == (0, 100, 0)
    assert order_points(order).refund_numbers == [refund.out_refund_no, order_steps.last_refund_number]


def test_a_refund_settled_before_the_paid_task_ran_still_ends_right(rules, order_steps, providers):
    member = MemberFactory()
    order = order_of(member, (sku(price="200.00"), 1))
    # Paid, but the commit's work (the loyalty tasks among it) has not run yet.
    record_payment(provider="wechat", trade=providers["wechat"].paid_trade(order))
    assert not OrderPoints.objects.filter(order=order).exists()

    order_steps.refund(order, Decimal("50.00"))
    assert balances(member) == (0, 150, 0)
    # The order_paid task now arrives late: nothing more.
    services.award_points_for_order(order_id=order.pk)
    order_steps.complete(order)
    assert balances(member) == (150, 0, 0)


# --- bonuses ---------------------------------------------------------------------------------------
def test_first_login_and_phone_bound_bonuses_come_through_the_member_events(rules, api, committed):
    bonus_rule(BonusRule.Kind.FIRST_LOGIN, 100)
    bonus_rule(BonusRule.Kind.PHONE_BOUND, 200)
    reset_platform_clients()
    with committed():
        shopper, openid, login = wechat_login(api)
    member_id = login["member"]["id"]
    with committed():
        bind_wechat_phone(api, shopper, openid, new_phone())
    with committed():  # logging in again is not a first login
        wechat_login(api, openid=openid)
    account = Account.objects.get(member_id=member_id)
    assert (account.available, account.lifetime_points) == (300, 300)
    assert sorted(Entry.objects.filter(account=account).values_list("reason", flat=True)) == sorted(
        ["首次登录奖励", "绑定手机号奖励"]
    )


def test_the_birthday_bonus_is_once_a_year_in_the_birthday_month(rules):
    bonus_rule(BonusRule.Kind.BIRTHDAY_MONTH, 50)
    may = MemberFactory(birthday=dt.date(1990, 5, 20))
    june = MemberFactory(birthday=dt.date(1991, 6, 1))
    in_may = dt.datetime(2026, 5, 3, 9, tzinfo=SHANGHAI)

    assert services.award_birthday_bonuses(now=in_may) == 1
    assert services.award_birthday_bonuses(now=in_may + dt.timedelta(days=1)) == 0
    assert services.award_birthday_bonuses(now=in_may.replace(year=2027)) == 1
    assert account_of(may).available == 100
    assert not Account.objects.filter(member=june, available__gt=0).exists()


def test_a_bonus_is_awarded_once_per_kind_and_reference(rules):
    bonus_rule(BonusRule.Kind.UGC_APPROVED, 30)
    bonus_rule(BonusRule.Kind.POLL_ANSWERED, 10)
    member = MemberFactory()
    assert services.award_bonus(member=member, kind="ugc_approved", reference="ugc:1") is not None
    assert services.award_bonus(member=member, kind="ugc_approved", reference="ugc:1") is None
    assert services.award_bonus(member=member, kind="ugc_approved", reference="ugc:2") is not None
    assert services.award_bonus(member=member, kind="poll_answered", reference="ugc:1") is not None
    assert account_of(member).available == 70
    assert lots_of(member) == [(30, 30), (30, 30), (10, 10)]


def test_an_inactive_or_out_of_dates_bonus_rule_does_nothing(rules):
    now = timezone.now()
    bonus_rule(BonusRule.Kind.UGC_APPROVED, 30, is_active=False)
    bonus_rule(BonusRule.Kind.POLL_ANSWERED, 10, starts_at=now + dt.timedelta(days=1))
    bonus_rule(BonusRule.Kind.FIRST_LOGIN, 10, ends_at=now - dt.timedelta(days=1))
    member = MemberFactory()
    assert services.award_bonus(member=member, kind="ugc_approved", reference="ugc:1") is None
    assert services.award_bonus(member=member, kind="poll_answered", reference="poll:1") is None
    assert services.award_first_login_bonus(member_id=member.pk) is None
    assert services.award_bonus(member=member, kind="phone_bound") is None  # no rule at all
    assert not Entry.objects.filter(account__member=member).exists()


# --- tiers -----------------------------------------------------------------------------------------
def test_a_member_moves_up_on_lifetime_points_and_sees_the_progress_to_the_next_tier(rules, tiers, order_steps):
    member = MemberFactory()
    order = order_of(member, (sku(price="600.00"), 1))
    order_steps.pay(order)
    order_steps.complete(order)
    summary = selectors.account_summary(member)
    assert summary["tier"]["name"] == "会员"
    assert (summary["next_tier"]["name"], summary["next_tier"]["progress"], summary["next_tier"]["remaining"]) == (
        "银卡",
        600,
        400,
    )

    second = order_of(member, (sku(price="450.00"), 1))
    order_steps.pay(second)
    assert account_of(member).tier.name == "会员"  # pending points do not count yet
    order_steps.complete(second)
    account = account_of(member)
    assert (account.tier.name, account.lifetime_points) == ("银卡", 1050)
    summary = selectors.account_summary(member)
    assert (summary["next_tier"]["name"], summary["next_tier"]["remaining"]) == ("金卡", 3950)


def test_on_the_12_month_spend_basis_the_tier_follows_the_yuan_paid(rules, tiers, order_steps):
    rules.tier_basis = Rules.TierBasis.SPEND_12_MONTHS
    rules.tier_downgrade = Rules.Downgrade.AFTER_PERIOD
    rules.tier_downgrade_months = 3
    rules.save()
    member = MemberFactory()
    order = order_of(member, (sku(price="1200.00"), 1))
    order_steps.pay(order)
    assert account_of(member).tier.name == "银卡"  # counted when paid
    order_steps.refund(order, Decimal("300.00"))
    assert account_of(member).tier.name == "银卡"  # 900 kept: below, but not for long yet
    assert account_of(member).below_tier_since is not None

    now = timezone.now()
    assert services.review_tiers(now=now + dt.timedelta(days=60)) == 0
    assert account_of(member).tier.name == "银卡"
    assert services.review_tiers(now=now + dt.timedelta(days=91)) == 1
    assert account_of(member).tier.name == "会员"


def test_with_downgrade_never_a_tier_is_kept_when_the_spend_falls_below(rules, tiers, order_steps):
    rules.tier_basis = Rules.TierBasis.SPEND_12_MONTHS
    rules.save()
    member = MemberFactory()
    order = order_of(member, (sku(price="1200.00"), 1))
    order_steps.pay(order)
    assert account_of(member).tier.name == "银卡"
    a_year_later = timezone.now() + dt.timedelta(days=400)
    assert selectors.spend_12_months(account_of(member).pk, a_year_later) == 0
    services.review_tiers(now=a_year_later)
    services.review_tiers(now=a_year_later + dt.timedelta(days=400))
    assert account_of(member).tier.name == "银卡"


def test_after_the_period_below_the_threshold_a_member_moves_down_and_back_up(rules, tiers, order_steps):
    rules.tier_downgrade = Rules.Downgrade.AFTER_PERIOD
    rules.tier_downgrade_months = 3
    rules.save()
    member = MemberFactory()
    order = order_of(member, (sku(price="1100.00"), 1))
    order_steps.pay(order)
    order_steps.complete(order)
    assert account_of(member).tier.name == "银卡"
    order_steps.refund(order, Decimal("500.00"))  # lifetime 600: below 银卡 from now
    start = account_of(member).below_tier_since
    assert start is not None and account_of(member).tier.name == "银卡"

    with freeze_time(start + dt.timedelta(days=89)):  # the daily task
        assert tasks.review_tiers.delay().get() == 0
    assert account_of(member).tier.name == "银卡"
    with freeze_time(start + dt.timedelta(days=90)):
        assert tasks.review_tiers.delay().get() == 1
    account = account_of(member)
    assert (account.tier.name, account.below_tier_since) == ("会员", None)

    bonus_rule(BonusRule.Kind.UGC_APPROVED, 400)
    services.award_bonus(member=member, kind="ugc_approved", reference="ugc:9")
    assert account_of(member).tier.name == "银卡"
