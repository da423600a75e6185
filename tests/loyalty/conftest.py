"""Fixtures of the loyalty stories: the rules a marketer saved, three tiers, a member holding
points granted through the services, and the steps an order takes as the storefront's
events would drive them (payment through `record_payment`, status changes through
`change_order_status`), so the loyalty receivers and tasks run as they do in production.

Other test folders may import these: `from tests.loyalty.conftest import rules, tiers, ...`.
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from loyalty import services
from loyalty.models import Account, Entry, OrderPoints, Rules, Tier
from storefront.orders.status import COMPLETED, change_order_status
from storefront.payments.refunds import start_refund
from storefront.payments.services import record_payment
from storefront.payments.unpaid import cancel_unpaid_order
from tests.factories import MemberFactory, StaffFactory
from tests.storefront.payments.conftest import committed, providers  # noqa: F401
from tests.storefront.shopping import _checkout_settings, other_api, other_member  # noqa: F401


@pytest.fixture
def rules(db):
    """The rules as a marketer saved them: 1 point per yuan paid, 100 points = 1 yuan, at
    most 50% of the goods, at least 100 points at once, expiry at the end of next year."""
    return Rules.objects.create(
        earn_enabled=True,
        earn_points_per_yuan=Decimal("1.00"),
        available_after_days=None,
        redeem_enabled=True,
        redeem_points_per_yuan=100,
        redeem_max_share=Decimal("50.00"),
        redeem_min_points=100,
        expiry=Rules.Expiry.END_OF_NEXT_YEAR,
        tier_basis=Rules.TierBasis.LIFETIME_POINTS,
        tier_downgrade=Rules.Downgrade.NEVER,
        check_in_points=5,
    )


@pytest.fixture
def tiers(db):
    """会员 from 0 (x1), 银卡 from 1000 (x1.5), 金卡 from 5000 (x2)."""
    return [
        Tier.objects.create(code="member", name="会员", threshold=0, multiplier=Decimal("1.00")),
        Tier.objects.create(code="silver", name="银卡", threshold=1000, multiplier=Decimal("1.50")),
        Tier.objects.create(code="gold", name="金卡", threshold=5000, multiplier=Decimal("2.00")),
    ]


@pytest.fixture
def points_staff(db):
    """A staff member allowed to adjust points (loyalty.adjust_points)."""
    staff = StaffFactory()
    staff.user_permissions.add(Permission.objects.get(codename="adjust_points", content_type__app_label="loyalty"))
    return type(staff).objects.get(pk=staff.pk)  # fresh: the permission cache is empty


def grant(member, points, *, staff, reason="测试发放"):
    """Available points for `member` through the service a marketer uses (one lot)."""
    return services.adjust_points(member=member, points=points, reason=reason, staff=staff)


@pytest.fixture
def member_with_points(rules, points_staff):
    """A member holding 1000 available points (one lot, expiring by the rules)."""
    member = MemberFactory()
    grant(member, 1000, staff=points_staff)
    return member


def account_of(member) -> Account:
    return Account.objects.get(member=member)


def balances(member) -> tuple[int, int, int]:
    """(available, pending, reserved) as the account row holds them now."""
    account = account_of(member)
    return account.available, account.pending, account.reserved


class OrderSteps:
    """What happens to an order after checkout, through the services the platforms' callbacks,
    operations and the periodic jobs call, with the events' work run as a commit would."""

    def __init__(self, fakes, run_commit):
        self.providers = fakes
        self.committed = run_commit

    def pay(self, order, *, times=1):
        """The WeChat Pay notification for the whole amount, delivered `times` times."""
        trade = self.providers["wechat"].paid_trade(order)
        outcomes = []
        for _ in range(times):
            with self.committed():
                outcomes.append(record_payment(provider="wechat", trade=trade))
        order.refresh_from_db()
        return outcomes

    def move(self, order, status):
        with self.committed():
            change_order_status(order, status, actor="operations", reason="test story")
        order.refresh_from_db()
        return order

    def complete(self, order):
        return self.move(order, COMPLETED)

    def cancel(self, order):
        with self.committed():
            cancel_unpaid_order(order=order, actor="system:unpaid-timeout", reason="not paid in time")
        order.refresh_from_db()
        return order

    def refund(self, order, amount=None, *, key=""):
        """A refund by operations of `amount` yuan (default: all that is left), sent to the
        provider and settled by its answer."""
        with self.committed():
            refund = start_refund(order=order, amount=amount, reason="test refund", key=key)
        refund.refresh_from_db()
        order.refresh_from_db()
        self.last_refund_number = refund.out_refund_no
        return refund


@pytest.fixture
def order_steps(providers, committed):  # noqa: F811
    return OrderSteps(providers, committed)


def order_points(order) -> OrderPoints:
    return OrderPoints.objects.get(order=order)


def kinds(member) -> list[str]:
    """The kinds of the member's ledger entries, oldest first."""
    return list(Entry.objects.filter(account__member=member).order_by("pk").values_list("kind", flat=True))
