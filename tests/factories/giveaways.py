"""Giveaways: a published giveaway of any mode with its prizes, and points in a member's account."""

import datetime as dt

from django.utils import timezone

from campaigns.giveaways import services as giveaway_services
from campaigns.giveaways.models import Giveaway, Prize

__all__ = ["giveaway", "prize", "points_for"]


def giveaway(*, mode="first_come", prizes=((Prize.Kind.POINTS, 20),), publish=True, **fields):
    """A giveaway open now (started an hour ago, ending in a day) with `prizes` ((kind, quantity)
    or (kind, quantity, {fields})), published unless `publish=False`."""
    now = timezone.now()
    values = {
        "title": "春季抽奖",
        "slug": f"gw-{Giveaway.objects.count() + 1}-{now.timestamp():.0f}",
        "mode": mode,
        "starts_at": now - dt.timedelta(hours=1),
        "ends_at": now + dt.timedelta(days=1),
    }
    if mode == Giveaway.Mode.DRAW:
        values["draw_at"] = fields.get("ends_at", values["ends_at"])
    values.update(fields)
    created = Giveaway.objects.create(**values)
    for position, spec in enumerate(prizes, start=1):
        kind, quantity, *extra = spec
        prize(created, kind=kind, quantity=quantity, position=position, **(extra[0] if extra else {}))
    if publish:
        created = giveaway_services.publish(giveaway=created)
    return created


def prize(giveaway, *, kind=Prize.Kind.POINTS, quantity=1, position=1, **fields):
    defaults = {
        Prize.Kind.POINTS: {"points": 100},
        Prize.Kind.CASH: {"cash_amount": "8.88"},
    }.get(kind, {})
    return Prize.objects.create(
        giveaway=giveaway,
        kind=kind,
        quantity=quantity,
        position=position,
        name=fields.pop("name", f"奖品{position}"),
        **{**defaults, **fields},
    )


def points_for(member, points):
    """The member's account holds `points` more (a bonus lot, the usual expiry)."""
    from django.db import transaction

    from loyalty import selectors, services
    from loyalty.models import Entry

    with transaction.atomic():
        account = services.lock_account(member.pk)
        entry = services._write(account, Entry.Kind.BONUS, delta=points, lifetime=points, reason="测试积分")
        services._grant(account, entry, points, expires_at=selectors.current_rules().expiry_for(timezone.now()))
    return account
