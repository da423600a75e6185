"""Demo giveaways (settings.DEMO_EXTRA_LOADERS):

- `welcome-gift`: an active first-come giveaway with exactly 20 prizes (points), one entry per
  member, no points cost;
- `spring-lucky-draw`: an active instant-win giveaway (10% odds, 10 points an entry, three a
  day) with points and coupon prizes;
- `autumn-tea-draw`: a finished scheduled draw with 50 demo shoppers' entries, already drawn,
  its proof published (GET giveaways/{id}/proof/, `manage.py verify_giveaway_draw`).

Rows are found by their slug; windows are fixed dates around the demo's time, so the active
ones are open whenever the demo starts. A second load changes nothing: prize stock is set only
when a prize is created, and the finished draw is entered and drawn once.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from campaigns.giveaways import services
from campaigns.giveaways.models import Giveaway, Prize
from storefront.demo.upsert import upsert

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPEN_FROM = dt.datetime(2026, 1, 1, tzinfo=SHANGHAI)
OPEN_UNTIL = dt.datetime(2036, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)
DRAW_SHOPPERS = 50


def _prize(giveaway, position, name, kind, quantity, **fields):
    return upsert(
        Prize,
        lookup={"giveaway": giveaway, "position": position},
        values={"name": name, "kind": kind, "quantity": quantity, **fields},
        initial={"remaining": quantity},
    )


def load_welcome_gift() -> Giveaway:
    giveaway = upsert(
        Giveaway,
        lookup={"slug": "welcome-gift"},
        values={
            "title": "新会员见面礼",
            "rules_text": "每位会员限参与一次，先到先得，共 20 份 100 积分，领完即止。",
            "mode": Giveaway.Mode.FIRST_COME,
            "starts_at": OPEN_FROM,
            "ends_at": OPEN_UNTIL,
            "entry_cost_points": 0,
            "entries_per_member": 1,
            "entries_per_day": None,
            "claim_days": 30,
        },
    )
    _prize(giveaway, 1, "100 积分", Prize.Kind.POINTS, 20, points=100)
    return services.publish(giveaway=giveaway)


def load_instant_win() -> Giveaway:
    giveaway = upsert(
        Giveaway,
        lookup={"slug": "spring-lucky-draw"},
        values={
            "title": "春茶幸运转盘",
            "rules_text": "每次消耗 10 积分，每天最多 3 次，中奖概率 10%。",
            "mode": Giveaway.Mode.INSTANT,
            "starts_at": OPEN_FROM,
            "ends_at": OPEN_UNTIL,
            "entry_cost_points": 10,
            "entries_per_member": 30,
            "entries_per_day": 3,
            "win_chance": "10.00",
            "max_risk_rank": 2,
            "risk_fallback": Giveaway.RiskFallback.ALLOW_AND_FLAG,
        },
    )
    _prize(giveaway, 1, "500 积分", Prize.Kind.POINTS, 50, points=500)
    from offers.models import CouponBatch

    batch = CouponBatch.objects.filter(name="全场满199减30").first()
    if batch is not None:
        _prize(giveaway, 2, "满199减30券", Prize.Kind.COUPON, 100, coupon_batch=batch)
    return services.publish(giveaway=giveaway)


def load_finished_draw() -> Giveaway:
    now = timezone.now()
    giveaway = Giveaway.objects.filter(slug="autumn-tea-draw").first()
    if giveaway is not None:
        return giveaway
    with transaction.atomic():
        giveaway = Giveaway.objects.create(
            slug="autumn-tea-draw",
            title="秋茶品鉴会抽奖",
            rules_text="活动结束后按公开算法 hmac-sha256-rank-v1 抽取 5 位中奖者，每人最多中一次。",
            mode=Giveaway.Mode.DRAW,
            starts_at=now - dt.timedelta(days=10),
            ends_at=now - dt.timedelta(days=3),
            draw_at=now - dt.timedelta(days=3),
            entries_per_member=1,
            claim_days=30,
        )
        _prize(giveaway, 1, "200 积分", Prize.Kind.POINTS, 3, points=200)
        _prize(giveaway, 2, "1000 积分", Prize.Kind.POINTS, 2, points=1000)
        services.publish(giveaway=giveaway)
    User = get_user_model()
    for n in range(1, DRAW_SHOPPERS + 1):
        shopper = upsert(User, lookup={"username": f"demo_draw_{n:02d}"}, values={"nickname": f"品鉴茶友{n}"})
        services.enter(member=shopper, giveaway_id=giveaway.pk, now=giveaway.starts_at + dt.timedelta(hours=n))
    return services.run_draw(giveaway=giveaway, now=now)


def load_demo() -> str:
    welcome = load_welcome_gift()
    instant = load_instant_win()
    drawn = load_finished_draw()
    return (
        f"giveaways: {welcome.slug} ({sum(p.remaining for p in welcome.prizes.all())}/20 left), "
        f"{instant.slug}, {drawn.slug} (drawn, {drawn.entries.count()} entries)"
    )
