"""The marketers' dashboard, the console's home page: a Wednesday morning in Shanghai, with
orders paid today, on Monday and last week, a refund, a late duplicate payment, a new member,
a coupon batch being claimed, a flash sale selling, an entry point scanned and points
outstanding. The figures count paid orders only, net of refunds, by Asia/Shanghai days, and
the page costs the same handful of queries whatever the shop's size."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from console import dashboard
from storefront.payments.models import PaymentTransaction, Refund
from tests.factories import MemberFactory, StaffFactory
from tests.factories.campaigns import EntryPointFactory
from tests.factories.logistics import paid_order
from tests.factories.offers import coupon_for

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 9 December 2026, 10:00 in Shanghai (02:00 UTC): the week began on Monday the 7th.
NOW = dt.datetime(2026, 12, 9, 10, 0, tzinfo=SHANGHAI)


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=SHANGHAI)


def refund(order, amount: str):
    transaction = order.payment_transactions.get()
    return Refund.objects.create(
        order=order,
        transaction=transaction,
        provider=transaction.provider,
        out_refund_no=f"R{order.number}",
        amount=Decimal(amount),
        status=Refund.Status.SUCCESS,
    )


def shop_week():
    """Orders of 90.00 each (three units at 30.00)."""
    today = paid_order(paid_at=at(9, 0) + dt.timedelta(minutes=30))  # 00:30 today, Shanghai
    refunded = paid_order(paid_at=at(9, 8))
    refund(refunded, "30.00")  # one unit of the second order refunded
    monday = paid_order(paid_at=at(7, 9))
    late = monday.payment_transactions.get()
    # The shopper paid twice: the late payment is refunded at once and is no sale.
    PaymentTransaction.objects.create(
        order=monday,
        provider=late.provider,
        transaction_id="4200late",
        out_trade_no=monday.number,
        amount=late.amount,
        status=PaymentTransaction.Status.LATE,
        paid_at=at(7, 9),
    )
    last_week = paid_order(paid_at=at(6, 23))  # Sunday 23:00 Shanghai: last week
    return today, refunded, monday, last_week


@freeze_time(NOW)
def test_the_dashboard_counts_paid_orders_net_of_refunds_by_shanghai_days():
    today, refunded, monday, last_week = shop_week()
    assert today.total_incl_tax == Decimal("90.00")

    figures = dashboard.figures()

    # Today: two orders paid since midnight in Shanghai, 30.00 refunded of one of them.
    assert figures["today"] == {"gmv": "¥150.00", "paid": "¥180.00", "refunded": "¥30.00", "orders": 2}
    # This week (Monday to now): Monday's order too, not its late duplicate payment, not Sunday's.
    assert figures["week"] == {"gmv": "¥240.00", "paid": "¥270.00", "refunded": "¥30.00", "orders": 3}
    # The chart's last seven days end today; Sunday night belongs to Sunday, not Monday.
    daily = {row["day"]: row for row in figures["daily"]}
    assert [row["day"] for row in figures["daily"]][-1] == dt.date(2026, 12, 9)
    assert daily[dt.date(2026, 12, 9)]["gmv"] == Decimal("150.00")
    assert daily[dt.date(2026, 12, 7)]["gmv"] == Decimal("90.00")
    assert daily[dt.date(2026, 12, 6)]["gmv"] == Decimal("90.00")
    assert daily[dt.date(2026, 12, 8)]["gmv"] == Decimal("0.00")
    # Best sellers of the week: units of the week's paid orders.
    sellers = {row["title"]: row for row in figures["best_sellers"]}
    assert sellers["青山绿茶 1"]["units"] == 6 and sellers["青山绿茶 1"]["sales"] == "¥180.00"
    assert sellers["青山绿茶 2"]["units"] == 3


@freeze_time(NOW)
def test_the_dashboard_shows_new_members_campaigns_and_points():
    with freeze_time(NOW - dt.timedelta(days=30)):
        MemberFactory()
    with freeze_time(at(8, 12)):
        MemberFactory()
    newcomer = MemberFactory()
    StaffFactory()  # staff are not members
    coupon_for(newcomer)
    point = EntryPointFactory()
    point.visits.create()
    point.visits.create()

    figures = dashboard.figures()

    assert figures["new_members"] == {"today": 1, "week": 2}
    kinds = {row["kind"]: row for row in figures["campaigns"]}
    assert kinds["优惠券"]["figure"].startswith("已领 1 张（本周 1）")
    assert kinds["投放入口"]["figure"] == "本周访问 2 次"
    assert figures["ugc_waiting"] == 0
    assert set(figures["points"]) == {"available", "pending", "reserved"}


def test_the_dashboard_costs_the_same_queries_with_more_orders():
    dashboard.figures()  # once first: which optional apps have tables is looked up once
    with CaptureQueriesContext(connection) as empty:
        dashboard.figures()
    for _ in range(3):
        paid_order()
    with CaptureQueriesContext(connection) as busy:
        dashboard.figures()
    assert len(busy) == len(empty) <= 16


def test_money_is_shown_as_yuan_with_two_places():
    assert dashboard.yuan(Decimal("12.5")) == "¥12.50"
    assert dashboard.yuan(None) == "¥0.00"
