"""WeChat Pay payment notifications for the notification scenario, built with the sandbox's
own key material and helpers (platforms/sandbox/wechatpay_views.py).

Reads {"numbers": [order numbers], "duplicates": share} on stdin. For each order's prepay
(created beforehand through POST orders/{number}/pay/), the payer pays in the sandbox
exactly as pay_trade() records it, but the notification is not sent: it is printed, so the
load generator can send it when the scenario is timed. A share of them is repeated the way
WeChat Pay redelivers one (same body and notification id, signed again). Prints a JSON list
of {"number", "headers", "body", "duplicate"} in sending order (duplicates spread through).
"""

import json
import secrets
import sys

import django


def main():
    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from platforms.sandbox.models import PayTrade
    from platforms.sandbox.wechatpay_views import _trade_json, notification_body, signed_headers

    request = json.load(sys.stdin)
    numbers = request["numbers"]
    trades = {trade.out_trade_no: trade for trade in PayTrade.objects.filter(out_trade_no__in=numbers)}
    missing = [number for number in numbers if number not in trades]
    if missing:
        raise SystemExit(f"no WeChat Pay prepay for {len(missing)} orders, e.g. {missing[:3]}")

    notifications = []
    for number in numbers:
        with transaction.atomic():
            trade = PayTrade.objects.select_for_update().get(pk=trades[number].pk)
            if trade.state == PayTrade.State.NOTPAY:
                trade.state = PayTrade.State.SUCCESS
                trade.transaction_id = "42" + timezone.now().strftime("%Y%m%d") + secrets.token_hex(9)[:18]
                trade.success_time = timezone.now().replace(microsecond=0)
                trade.save(update_fields=["state", "transaction_id", "success_time"])
        body = notification_body("TRANSACTION.SUCCESS", _trade_json(trade))
        notifications.append(
            {
                "number": number,
                "body": body,
                "duplicate": False,
                "headers": {"Content-Type": "application/json", **signed_headers(body)},
            }
        )

    # Every tenth notification is delivered a second time, a few places later.
    every = max(1, round(1 / request["duplicates"])) if request["duplicates"] else 0
    ordered = []
    pending = []
    for index, note in enumerate(notifications):
        ordered.append(note)
        if every and index % every == every - 1:
            pending.append(
                {
                    **note,
                    "duplicate": True,
                    "headers": {"Content-Type": "application/json", **signed_headers(note["body"])},
                }
            )
        if len(pending) and index % 3 == 0:
            ordered.append(pending.pop(0))
    ordered.extend(pending)
    print(json.dumps(ordered, ensure_ascii=False))


if __name__ == "__main__":
    main()
