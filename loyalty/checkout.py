"""Points at checkout: the one module of loyalty the storefront imports.

`storefront.checkout.services` asks `quote_points` what the shopper may use and saves
(preview and placement), then `reserve_points` inside the order's transaction. Keeping the
storefront's side to these two calls (declared in pyproject.toml's import contracts) lets
loyalty evolve without checkout knowing its models; everything after placement (payment
consumes, cancellation releases, refunds give back) reaches loyalty through the order events.
"""

from dataclasses import dataclass
from decimal import Decimal

from loyalty import selectors, services
from loyalty.errors import PointsBelowMinimum, PointsExceedBalance, PointsExceedLimit, PointsNotAccepted


@dataclass(frozen=True)
class PointsQuote:
    available: int
    max_usable: int
    used: int
    saving: Decimal
    rate: int = 100
    minimum: int = 0

    def as_dict(self) -> dict:
        return {
            "available": self.available,
            "max_usable": self.max_usable,
            "used": self.used,
            "saving": f"{self.saving:.2f}",
            "rate": self.rate,
            "minimum": self.minimum,
        }


def quote_points(*, member, goods_total: Decimal, total: Decimal, use_points: int = 0, lock: bool = False):
    """What the member may use on an order of `goods_total` (after discounts, without
    shipping) and `total` (with shipping), and what `use_points` saves. Raises a 4xx
    (`points_exceed_balance`, `points_below_minimum`, `points_exceed_limit`,
    `points_not_accepted`) for a `use_points` that cannot be applied.

    With `lock` (placing the order, inside its transaction) the member's account is locked
    first, so the balance read is the one the reservation will draw on."""
    rules = selectors.current_rules()
    use_points = int(use_points or 0)
    if lock and use_points:
        available = services.lock_account(member.pk).available
    else:
        available = selectors.available_points(member)
    cap = selectors.max_points_for(goods_total=goods_total, total=total, rules=rules)
    max_usable = min(available, cap)
    if max_usable < rules.redeem_min_points:
        max_usable = 0
    quote = PointsQuote(
        available=available,
        max_usable=max_usable,
        used=0,
        saving=Decimal("0.00"),
        rate=rules.redeem_points_per_yuan,
        minimum=rules.redeem_min_points,
    )
    if not use_points:
        return quote
    if not rules.redeem_enabled:
        raise PointsNotAccepted(fields={"use_points": "积分抵现未开启。"})
    if use_points > available:
        raise PointsExceedBalance(fields={"use_points": f"可用积分 {available}。"}, extra={"available": available})
    if use_points < rules.redeem_min_points:
        raise PointsBelowMinimum(
            fields={"use_points": f"至少使用 {rules.redeem_min_points} 积分。"},
            extra={"minimum": rules.redeem_min_points},
        )
    if use_points > cap:
        raise PointsExceedLimit(
            fields={"use_points": f"本单最多可用 {max_usable} 积分。"}, extra={"max_usable": max_usable}
        )
    return PointsQuote(
        available=available,
        max_usable=max_usable,
        used=use_points,
        saving=selectors.saving_of(use_points, rules),
        rate=rules.redeem_points_per_yuan,
        minimum=rules.redeem_min_points,
    )


def reserve_points(*, member, order, quote: PointsQuote) -> None:
    """Inside the order's transaction: the quoted points are reserved for the order."""
    if quote.used:
        services.reserve_points_for_order(member=member, order=order, points=quote.used, saving=quote.saving)
