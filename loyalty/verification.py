"""Checking that the ledger, the lots and the accounts agree, for every member.

For each account:
- the sum of the entries' deltas equals each balance (available, pending, reserved), and
  the newest entry's "after" balances equal the account's;
- the lots' remaining points add up to `available`, and each lot's remaining equals what
  was granted less what its draws took;
- the orders' points agree: pending = earned - clawed of the orders still pending, reserved
  = points used by orders still reserved.

A fixed number of aggregate queries, whatever the number of members. `manage.py
verify_points` and the periodic task `loyalty.tasks.verify_points` run it; each run is kept
as a `PointsCheck` (shown in the admin) and drift is logged as an error.
"""

import logging

from django.db.models import F, Max, Sum

from loyalty.models import Account, Entry, Lot, LotDraw, OrderPoints, PointsCheck

logger = logging.getLogger(__name__)


def _by_account(queryset, **fields):
    return {row["account_id"]: row for row in queryset.values("account_id").annotate(**fields)}


def verify_points(*, record=True) -> PointsCheck:
    sums = _by_account(Entry.objects.order_by(), a=Sum("delta"), p=Sum("pending_delta"), r=Sum("reserved_delta"))
    newest_ids = [row["n"] for row in _by_account(Entry.objects.order_by(), n=Max("id")).values()]
    newest = {e.account_id: e for e in Entry.objects.filter(pk__in=newest_ids)}
    lots = _by_account(Lot.objects.order_by(), remaining=Sum("remaining"))
    drawn = dict(LotDraw.objects.order_by().values("lot_id").annotate(s=Sum("points")).values_list("lot_id", "s"))
    bad_lots = {}
    for lot in Lot.objects.only("id", "account_id", "points", "remaining").iterator():
        if lot.remaining != lot.points - drawn.get(lot.pk, 0):
            bad_lots.setdefault(lot.account_id, []).append(lot.pk)
    pending = _by_account(
        OrderPoints.objects.filter(earn_state=OrderPoints.EarnState.PENDING).order_by(),
        s=Sum(F("earned") - F("clawed")),
    )
    reserved = _by_account(
        OrderPoints.objects.filter(redeem_state=OrderPoints.RedeemState.RESERVED).order_by(), s=Sum("used")
    )

    details = []
    checked = 0
    for account in Account.objects.only("id", "member_id", "available", "pending", "reserved").iterator():
        checked += 1
        problems = []
        entry_sums = sums.get(account.pk, {})
        expected = {
            "available": entry_sums.get("a") or 0,
            "pending": entry_sums.get("p") or 0,
            "reserved": entry_sums.get("r") or 0,
        }
        for balance, value in expected.items():
            if getattr(account, balance) != value:
                problems.append(f"{balance} {getattr(account, balance)} but the ledger adds up to {value}")
        last = newest.get(account.pk)
        if last is not None and (last.balance_after, last.pending_after, last.reserved_after) != (
            account.available,
            account.pending,
            account.reserved,
        ):
            problems.append(
                f"the newest entry {last.pk} ends at {last.balance_after}/{last.pending_after}/{last.reserved_after}"
            )
        in_lots = (lots.get(account.pk) or {}).get("remaining") or 0
        if in_lots != account.available:
            problems.append(f"available {account.available} but the lots hold {in_lots}")
        if account.pk in bad_lots:
            problems.append(f"lots {bad_lots[account.pk]} differ from their draws")
        order_pending = (pending.get(account.pk) or {}).get("s") or 0
        if order_pending != account.pending:
            problems.append(f"pending {account.pending} but the orders' pending points are {order_pending}")
        order_reserved = (reserved.get(account.pk) or {}).get("s") or 0
        if order_reserved != account.reserved:
            problems.append(f"reserved {account.reserved} but the orders reserve {order_reserved}")
        if problems:
            details.append({"account": account.pk, "member": account.member_id, "problems": problems})

    check = PointsCheck(accounts=checked, drifted=len(details), details=details[:200])
    if record:
        check.save()
    if details:
        logger.error("points drift in %s of %s accounts: %s", len(details), checked, details[:20])
    else:
        logger.info("points verified: %s accounts agree", checked)
    return check
