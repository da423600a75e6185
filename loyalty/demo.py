"""Demo data of loyalty (settings.DEMO_EXTRA_LOADERS): the points rules, three tiers
(会员, 银卡, 金卡), check-in rewards, bonus rules, a double-points promotion, and three demo
shoppers with some history (check-in streaks, bonuses, a staff adjustment).

Rows are found by natural keys (tier code, reward kind and day, bonus kind, promotion name,
username) and written only when something differs; a shopper's history is written through
the loyalty services once, when the shopper has no points account yet, so a second load
changes nothing.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from storefront.demo.upsert import upsert

from . import services
from .models import SHANGHAI, Account, BonusRule, CheckInReward, Promotion, Rules, Tier

TIERS = [
    ("member", "会员", 0, "1.00", "购物 1 元得 1 积分；生日月奖励"),
    ("silver", "银卡", 1000, "1.20", "积分 1.2 倍；每月一张免运费券"),
    ("gold", "金卡", 5000, "1.50", "积分 1.5 倍；新品优先购；生日礼盒"),
]
CHECK_IN_REWARDS = [("streak", 3, 10), ("streak", 7, 30), ("cumulative", 15, 50)]
BONUSES = [
    ("first_login", 50),
    ("phone_bound", 100),
    ("birthday_month", 200),
    ("ugc_approved", 30),
    ("poll_answered", 10),
]
# username, nickname, phone, days of check-in streak before today, points granted by staff
SHOPPERS = [
    ("demo_shopper_lin", "茶友小林", "13900000001", 6, 1200),
    ("demo_shopper_chen", "茶友阿陈", "13900000002", 2, 300),
    ("demo_shopper_zhou", "茶友周周", "13900000003", 0, 0),
]


def load_demo() -> str:
    upsert(
        Rules,
        lookup={"pk": 1},
        values={},
        # Set once: marketers change the rules in the demo, and `make run` reloads at every start.
        initial={"earn_points_per_yuan": Decimal("1.00"), "redeem_points_per_yuan": 100, "check_in_points": 5},
    )
    for code, name, threshold, multiplier, benefits in TIERS:
        upsert(
            Tier,
            lookup={"code": code},
            values={"name": name, "threshold": threshold, "multiplier": Decimal(multiplier), "benefits": benefits},
        )
    for kind, day, points in CHECK_IN_REWARDS:
        upsert(CheckInReward, lookup={"kind": kind, "day": day}, values={"points": points})
    for kind, points in BONUSES:
        upsert(BonusRule, lookup={"kind": kind}, values={"points": points}, initial={"is_active": True})
    # Double points on everything for the month the demo is first loaded (its dates are set
    # once, so later it shows as 已结束, as a real campaign would).
    today = timezone.localtime(timezone.now(), SHANGHAI).date()
    month_start = dt.datetime(today.year, today.month, 1, tzinfo=SHANGHAI)
    upsert(
        Promotion,
        lookup={"name": "会员月双倍积分"},
        values={"multiplier": Decimal("2.00"), "all_products": True},
        initial={
            "starts_at": month_start,
            "ends_at": (month_start + dt.timedelta(days=32)).replace(day=1),
        },
    )
    made = sum(_shopper(*row) for row in SHOPPERS)
    return (
        f"loyalty: {len(TIERS)} tiers, {len(CHECK_IN_REWARDS)} check-in rewards, {len(SHOPPERS)} shoppers ({made} new)"
    )


def _shopper(username, nickname, phone, streak_days, granted) -> bool:
    User = get_user_model()
    shopper = upsert(User, lookup={"username": username}, values={"nickname": nickname, "phone": phone})
    if Account.objects.filter(member=shopper).exists():
        return False
    now = timezone.now()
    services.award_bonus(member=shopper, kind=BonusRule.Kind.FIRST_LOGIN)
    for days_ago in range(streak_days, 0, -1):
        services.check_in(member=shopper, now=now - dt.timedelta(days=days_ago))
    if granted:
        staff = User.objects.filter(is_superuser=True, username="admin").first()
        if staff is not None:
            services.adjust_points(member=shopper, points=granted, reason="开业老顾客积分补录", staff=staff, key="demo")
            services.adjust_points(
                member=shopper, points=-granted // 4, reason="兑换门店茶饮", staff=staff, key="demo-2"
            )
    return True
