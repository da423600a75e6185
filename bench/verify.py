"""What the database says after a write scenario, read in-process with the server's settings.

`python -m bench.verify payments` reads order numbers on stdin and prints how many of those
orders are paid and how many payment transactions each has; `baskets` reads member indexes
and prints those with lines in an open basket; `python -m bench.verify flash
<sku>` prints the orders holding the flash-sale SKU and what its stock record says;
`check_ins` reads the indexes of members who checked in and prints how many were paid once;
`points_orders` reads {"numbers", "used", "granted"} and prints how many of those orders
reserved their points once. The last two also run `loyalty.verification` over every account
(ledger, lots and balances) and print how many disagree."""

import json
import sys

import django


def payments(numbers):
    from django.db.models import Count
    from oscar.core.loading import get_model

    from storefront.payments.models import PaymentTransaction

    Order = get_model("order", "Order")
    statuses = dict(Order.objects.filter(number__in=numbers).values_list("status").annotate(n=Count("id")))
    per_order = dict(
        PaymentTransaction.objects.filter(order__number__in=numbers)
        .values_list("order__number")
        .annotate(n=Count("id"))
    )
    return {
        "orders": len(numbers),
        "statuses": statuses,
        "paid_once": sum(1 for number in numbers if per_order.get(number) == 1),
        "paid_more_than_once": sum(1 for number in numbers if per_order.get(number, 0) > 1),
        "not_paid": sum(1 for number in numbers if not per_order.get(number)),
    }


def baskets(members):
    """Which of these members (by index: openid o_bench_<n>) have lines in an open basket."""
    from oscar.core.loading import get_model

    Line = get_model("basket", "Line")
    openids = {f"o_bench_{n:05d}": n for n in members}
    owners = Line.objects.filter(
        basket__status="Open", basket__owner__identities__openid__in=list(openids)
    ).values_list("basket__owner__identities__openid", flat=True)
    # A set, not .distinct(): Line's default ordering would make DISTINCT keep duplicates.
    return sorted({openids[openid] for openid in owners})


def flash(sku):
    from django.db.models import Sum
    from oscar.core.loading import get_model

    Line = get_model("order", "Line")
    StockRecord = get_model("partner", "StockRecord")
    lines = Line.objects.filter(product_id=sku)
    record = StockRecord.objects.get(product_id=sku)
    return {
        "orders": lines.values("order_id").distinct().count(),
        "units": lines.aggregate(units=Sum("quantity"))["units"] or 0,
        "num_in_stock": record.num_in_stock,
        "num_allocated": record.num_allocated,
    }


def _members_by_index(indexes):
    from django.contrib.auth import get_user_model

    openids = {f"o_bench_{n:05d}": n for n in indexes}
    rows = get_user_model().objects.filter(identities__openid__in=list(openids))
    return dict(rows.values_list("identities__openid", "pk")), openids


def _ledger():
    """loyalty.verification over every account (not recorded as a PointsCheck)."""
    from loyalty.verification import verify_points

    check = verify_points(record=False)
    return {"accounts": check.accounts, "drifted_accounts": check.drifted, "drift_samples": check.details[:3]}


def check_ins(members):
    """Of these members (by index), how many checked in once and were paid once: one
    check-in row, one check-in entry of the same points, an account holding just those."""
    from django.db.models import Count, Sum

    from loyalty.models import Account, CheckIn, Entry

    by_openid, _ = _members_by_index(members)
    ids = list(by_openid.values())
    days = dict(
        CheckIn.objects.filter(account__member_id__in=ids)
        .values_list("account__member_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    day_points = dict(
        CheckIn.objects.filter(account__member_id__in=ids)
        .values_list("account__member_id")
        .annotate(p=Sum("points"))
        .order_by()
    )
    entries = {
        member: (n, points)
        for member, n, points in Entry.objects.filter(account__member_id__in=ids, kind=Entry.Kind.CHECK_IN)
        .values_list("account__member_id")
        .annotate(n=Count("id"), p=Sum("delta"))
        .order_by()
        .values_list("account__member_id", "n", "p")
    }
    available = dict(Account.objects.filter(member_id__in=ids).values_list("member_id", "available"))
    paid_once = sum(
        1
        for member in ids
        if days.get(member) == 1 and entries.get(member) == (1, day_points[member]) == (1, available.get(member))
    )
    return {
        "members": len(members),
        "check_ins": sum(days.values()),
        "paid_once": paid_once,
        "paid_more_than_once": sum(1 for member in ids if entries.get(member, (0, 0))[0] > 1),
        "not_paid": len(members) - len([member for member in ids if days.get(member)]),
        **_ledger(),
    }


def points_orders(request):
    """Of these orders, how many reserved exactly `used` points once, and how many of their
    members hold `granted - used` available and `used` reserved."""
    from django.db.models import Count

    from loyalty.models import Entry, OrderPoints

    numbers, used, granted = request["numbers"], request["used"], request["granted"]
    rows = list(OrderPoints.objects.filter(order__number__in=numbers).select_related("account"))
    reserves = dict(
        Entry.objects.filter(order__number__in=numbers, kind=Entry.Kind.REDEEM_RESERVE)
        .values_list("order_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "orders": len(numbers),
        "reserved_once": sum(
            1
            for row in rows
            if row.redeem_state == OrderPoints.RedeemState.RESERVED
            and row.used == used
            and reserves.get(row.order_id) == 1
        ),
        "balances_right": sum(
            1 for row in rows if (row.account.available, row.account.reserved) == (granted - used, used)
        ),
        **_ledger(),
    }


if __name__ == "__main__":
    django.setup()
    if sys.argv[1] == "payments":
        print(json.dumps(payments(json.load(sys.stdin))))
    elif sys.argv[1] == "baskets":
        print(json.dumps(baskets(json.load(sys.stdin))))
    elif sys.argv[1] == "check_ins":
        print(json.dumps(check_ins(json.load(sys.stdin)), ensure_ascii=False))
    elif sys.argv[1] == "points_orders":
        print(json.dumps(points_orders(json.load(sys.stdin)), ensure_ascii=False))
    else:
        print(json.dumps(flash(int(sys.argv[2]))))
