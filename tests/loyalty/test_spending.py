"""Spending points at checkout: reserved when the order is placed (from the lots that expire
first), spent when it is paid, released into the same lots when it is cancelled or times out,
given back in proportion when it is refunded. And one story end to end: a WeChat shopper
earns on a sandbox purchase, spends the points on the next order and loses them in
proportion on a refund."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oscar.apps.order.models import Order
from rest_framework.throttling import SimpleRateThrottle

from config.errors import KitError
from loyalty import services
from loyalty.models import BonusRule, Entry, Lot, LotDraw, OrderPoints, PointsCheck, Rules
from platforms.base import reset_platform_clients
from storefront.orders.after_sales import request_refund
from storefront.orders.models import AfterSalesRequest
from storefront.orders.status import CANCELLED, COMPLETED, change_order_status
from storefront.payments.models import Refund
from storefront.payments.refunds import approve_after_sales
from storefront.payments.services import record_payment
from storefront.payments.unpaid import cancel_overdue_unpaid_orders
from tests.factories import MemberFactory, StaffFactory, fill_basket, place, sku
from tests.loyalty.conftest import balances, kinds, order_points
from tests.steps import (
    add_address,
    add_to_basket,
    bind_wechat_phone,
    new_phone,
    ok,
    order_of,
    pay_wechat,
    place_order,
    tea_shop,
    wechat_login,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_lots(rules, points_staff):
    """A member with two lots: 200 points expiring in 65 days, 500 expiring in 365 days."""
    rules.expiry, rules.expiry_days = Rules.Expiry.DAYS, 365
    rules.save()
    member = MemberFactory()
    now = timezone.now()
    early = services.adjust_points(
        member=member, points=200, reason="老活动", staff=points_staff, now=now - dt.timedelta(days=300)
    ).lots.get()
    late = services.adjust_points(member=member, points=500, reason="新活动", staff=points_staff, now=now).lots.get()
    return member, early, late


def remaining(*lots):
    return [Lot.objects.get(pk=lot.pk).remaining for lot in lots]


def order_with_points(member, points, price="200.00"):
    fill_basket(member, (sku(price=price), 1))
    return place(member, use_points=points)


def test_placing_an_order_reserves_the_points_from_the_lots_expiring_first(two_lots):
    member, early, late = two_lots
    order = order_with_points(member, 300)
    assert order.total_incl_tax == Decimal("197.00")
    assert balances(member) == (400, 0, 300)
    assert remaining(early, late) == [0, 400]
    reserve = Entry.objects.get(order=order, kind=Entry.Kind.REDEEM_RESERVE)
    assert (reserve.delta, reserve.reserved_delta, reserve.balance_after) == (-300, 300, 400)
    assert sorted(LotDraw.objects.filter(entry=reserve).values_list("lot_id", "points")) == [
        (early.pk, 200),
        (late.pk, 100),
    ]
    row = order_points(order)
    assert (row.redeem_state, row.used, row.saving) == (OrderPoints.RedeemState.RESERVED, 300, Decimal("3.00"))


def test_points_beyond_the_balance_are_refused_and_nothing_is_written(two_lots):
    member, early, late = two_lots
    fill_basket(member, (sku(price="2000.00"), 1))
    with pytest.raises(KitError) as refused:
        place(member, use_points=701)
    assert refused.value.code == "points_exceed_balance"
    assert balances(member) == (700, 0, 0)
    assert remaining(early, late) == [200, 500]
    assert not OrderPoints.objects.exists()


def test_payment_spends_the_reserved_points_once(two_lots, order_steps):
    member, early, late = two_lots
    order = order_with_points(member, 300)
    order_steps.pay(order, times=2)
    assert balances(member) == (400, 197, 0)  # and the order earns on the 197.00 paid
    assert remaining(early, late) == [0, 400]
    assert order_points(order).redeem_state == OrderPoints.RedeemState.CONSUMED
    assert kinds(member).count(Entry.Kind.REDEEM_CONSUME) == 1


def test_the_unpaid_timeout_releases_the_points_into_the_same_lots_keeping_their_expiry(two_lots, committed):
    member, early, late = two_lots
    order = order_with_points(member, 300)
    with committed():
        assert cancel_overdue_unpaid_orders(now=timezone.now() + dt.timedelta(hours=1)) == 1
    order.refresh_from_db()
    assert order.status == CANCELLED
    assert balances(member) == (700, 0, 0)
    assert remaining(early, late) == [200, 500]
    assert Lot.objects.filter(account__member=member).count() == 2  # no new lot
    assert [Lot.objects.get(pk=lot.pk).expires_at for lot in (early, late)] == [early.expires_at, late.expires_at]
    assert order_points(order).redeem_state == OrderPoints.RedeemState.RELEASED

    services.release_points_of_cancelled_order(order_id=order.pk)  # the event again
    assert balances(member) == (700, 0, 0)


def test_points_released_into_a_lot_that_expired_meanwhile_expire_at_the_next_run(two_lots, order_steps):
    member, early, late = two_lots
    order = order_with_points(member, 300)
    after_early = early.expires_at + dt.timedelta(seconds=1)
    assert services.expire_points(now=after_early) == 0  # nothing left in it while reserved
    order_steps.cancel(order)
    assert remaining(early, late) == [200, 500]
    assert services.expire_points(now=after_early) == 1
    assert balances(member) == (500, 0, 0)
    assert remaining(early, late) == [0, 500]


def test_a_partial_refund_gives_back_spent_points_in_proportion_into_the_lots_they_came_from(two_lots, order_steps):
    member, early, late = two_lots
    order = order_with_points(member, 400)  # 200 from each lot; pays 196.00
    order_steps.pay(order)
    assert remaining(early, late) == [0, 300]

    order_steps.refund(order, Decimal("49.00"))  # a quarter of what was paid

    row = order_points(order)
    assert row.returned == 100
    assert balances(member)[0] == 400
    # Back into the lots the points came from (the one expiring last first), no new lot.
    assert Lot.objects.filter(account__member=member).count() == 2
    assert remaining(early, late) == [0, 400]
    back = Entry.objects.get(order=order, kind=Entry.Kind.REDEEM_RETURN)
    assert (back.delta, back.reference) == (100, order_steps.last_refund_number)

    order_steps.refund(order)  # the rest: every point comes home to its own lot
    assert order_points(order).returned == 400
    assert remaining(early, late) == [200, 500]
    assert balances(member) == (700, 0, 0)  # the earned points were all taken back too


def test_a_refund_of_an_order_paid_with_points_before_its_paid_task_ran_spends_then_returns(two_lots, order_steps):
    member, early, late = two_lots
    order = order_with_points(member, 200)
    record_payment(provider="wechat", trade=order_steps.providers["wechat"].paid_trade(order))  # no tasks yet
    order_steps.refund(order)
    row = order_points(order)
    assert (row.redeem_state, row.returned, row.earned, row.clawed) == ("consumed", 200, 198, 198)
    assert balances(member) == (700, 0, 0)
    assert remaining(early, late) == [200, 500]


# --- one story, end to end through the sandbox ---------------------------------------------------
@pytest.fixture
def operations(db):
    staff = StaffFactory(is_superuser=True)
    browser = Client()
    browser.force_login(staff)
    return browser


@pytest.fixture
def _no_rate_limits(settings, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {key: "100000/min" for key in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]},
    )
    reset_platform_clients()
    yield
    reset_platform_clients()


@pytest.mark.usefixtures("_no_rate_limits")
def test_a_wechat_shopper_earns_on_a_sandbox_purchase_spends_at_checkout_and_loses_points_on_a_refund(
    api, rules, tiers, committed, operations
):
    shop = tea_shop()
    small, large = shop.skus
    BonusRule.objects.create(kind=BonusRule.Kind.FIRST_LOGIN, points=100)

    # A new shopper logs in (100 points for the first login) and buys tea.
    with committed():
        shopper, openid, _login = wechat_login(api)
    with committed():
        bind_wechat_phone(api, shopper, openid, new_phone())
    address = add_address(shopper)
    account = ok(shopper.get("/api/v1/loyalty/account/"))
    assert (account["available"], account["tier"]["name"]) == (100, "会员")
    add_to_basket(shopper, small.pk, 2)
    add_to_basket(shopper, shop.keemun.pk, 1)
    body = {"address_id": address["id"], "shipping_method": "standard", "payment_method": "wechat"}
    placed, preview, _key = place_order(shopper, body)
    assert preview["total"] == "181.50"
    first = placed["number"]
    pay_wechat(api, shopper, first, committed)
    assert order_of(shopper, first)["status"] == "paid"
    account = ok(shopper.get("/api/v1/loyalty/account/"))
    assert (account["available"], account["pending"]) == (100, 181)

    # The order completes (its delivery has its own journey): the points become available.
    with committed():
        change_order_status(_order(first), COMPLETED, actor="operations", reason="签收")
    account = ok(shopper.get("/api/v1/loyalty/account/"))
    assert (account["available"], account["pending"]) == (281, 0)

    # The next order uses 200 of them: the preview says what they save.
    add_to_basket(shopper, large.pk, 1)
    add_to_basket(shopper, shop.keemun.pk, 1)
    body = {**body, "use_points": 200}
    placed, preview, _key = place_order(shopper, body)
    assert preview["points"]["used"] == 200 and preview["points"]["saving"] == "2.00"
    assert placed["total"] == "171.50"  # 128.00 + 45.50 - 2.00
    second = placed["number"]
    assert ok(shopper.get("/api/v1/loyalty/account/"))["reserved"] == 200
    pay_wechat(api, shopper, second, committed)
    account = ok(shopper.get("/api/v1/loyalty/account/"))
    assert (account["available"], account["pending"], account["reserved"]) == (81, 171, 0)

    # The shopper sends the black tea back; operations approve; WeChat Pay refunds in the sandbox.
    order = _order(second)
    keemun_line = order.lines.get(product=shop.keemun)
    asked = ok(
        shopper.post(
            f"/api/v1/orders/{second}/refund-request/",
            {"type": "refund_only", "reason": "买多了", "lines": [{"line_id": keemun_line.pk, "quantity": 1}]},
            format="json",
        ),
        201,
    )
    request = AfterSalesRequest.objects.get(pk=asked["id"])
    with committed():
        approved = operations.post(
            reverse("admin:storefront_aftersalesrequest_changelist"),
            {"action": "approve", "_selected_action": [request.pk]},
        )
    assert approved.status_code == 302
    refunded = Decimal(order_of(shopper, second)["payments"][0]["refunds"][0]["amount"])
    assert refunded == Decimal("44.98")  # 45.50 less its share of the points' 2.00
    row = order_points(order)
    share = refunded / Decimal("171.50")
    assert row.clawed == int(171 * share) and row.returned == int(200 * share)
    account = ok(shopper.get("/api/v1/loyalty/account/"))
    assert (account["available"], account["pending"]) == (81 + row.returned, 171 - row.clawed)
    ledger = ok(shopper.get("/api/v1/loyalty/ledger/"))
    newest = [item["kind"] for item in ledger["results"][:2]]
    assert sorted(newest) == ["clawback", "redeem_return"]

    # And the books agree.
    out = StringIO()
    call_command("verify_points", stdout=out)
    assert "accounts agree" in out.getvalue()
    assert PointsCheck.objects.get().drifted == 0


def _order(number):
    return Order.objects.get(number=number)


def test_refunding_the_goods_gives_back_all_the_points_spent_on_them_though_shipping_was_kept(
    rules, member_with_points, order_steps, committed
):

    fill_basket(member_with_points, (sku(price="80.00"), 1))
    order = place(member_with_points, use_points=500)
    order_steps.pay(order)
    assert (order.total_incl_tax, order.shipping_incl_tax) == (Decimal("85.00"), Decimal("10.00"))
    line = order.lines.get()
    request = request_refund(
        order=order,
        member=member_with_points,
        kind="refund_only",
        reason="不要了",
        lines=[{"line_id": line.pk, "quantity": 1}],
    )
    assert request.amount == Decimal("75.00")  # the goods as paid, after the points
    with committed():
        approve_after_sales(request=request, staff=StaffFactory())
    row = order_points(order)
    assert (row.returned, row.clawed) == (500, 75)
    assert balances(member_with_points) == (1000, 0, 0)


def test_a_payment_arriving_after_the_timeout_is_refunded_and_earns_or_spends_nothing(two_lots, order_steps):
    member, early, late = two_lots
    order = order_with_points(member, 300)
    order_steps.cancel(order)
    assert order_steps.pay(order) == ["late"]
    assert order.status == CANCELLED
    assert Refund.objects.get(order=order).status == Refund.Status.SUCCESS  # the money went back
    assert balances(member) == (700, 0, 0)
    assert remaining(early, late) == [200, 500]
    row = order_points(order)
    assert (row.redeem_state, row.earn_state, row.returned) == ("released", "not_awarded", 0)


def test_a_refund_takes_earned_points_back_out_of_the_spent_points_it_returns(member_with_points, order_steps):
    first = order_with_points(member_with_points, 1000, price="300.00")  # pays 290.00
    order_steps.pay(first)
    order_steps.complete(first)
    assert balances(member_with_points) == (290, 0, 0)
    second = order_with_points(member_with_points, 290, price="100.00")  # the earned points, spent
    order_steps.pay(second)
    assert balances(member_with_points)[0] == 0

    order_steps.refund(first)

    # The 1000 points spent on it come back, and the 290 it earned are taken from them.
    row = order_points(first)
    assert (row.returned, row.clawed, row.unrecovered) == (1000, 290, 0)
    assert balances(member_with_points)[0] == 710
