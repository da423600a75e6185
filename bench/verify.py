"""What the database says after a write scenario, read in-process with the server's settings.

`python -m bench.verify payments` reads order numbers on stdin and prints how many of those
orders are paid and how many payment transactions each has; `baskets` reads member indexes
and prints those with lines in an open basket; `python -m bench.verify flash
<sku>` prints the orders holding the flash-sale SKU and what its stock record says."""

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


if __name__ == "__main__":
    django.setup()
    if sys.argv[1] == "payments":
        print(json.dumps(payments(json.load(sys.stdin))))
    elif sys.argv[1] == "baskets":
        print(json.dumps(baskets(json.load(sys.stdin))))
    else:
        print(json.dumps(flash(int(sys.argv[2]))))
