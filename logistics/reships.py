"""WeChat's one re-ship per payment, kept on the kit's side so that it is planned, not found out.

Uploading again for a payment whose shipping was complete (unified delivery, or a split one marked
all delivered), or changing the delivery or logistics mode, is a re-ship; each payment has one
(developers.weixin.qq.com, order-shipping: "每笔支付单仅有一次重新发货机会"). The kit works out
before sending whether an upload is one, records it when WeChat accepts it (or answers 10060003),
and does not send a second one: it stops with `reship_used`, shown to operations.
"""

from __future__ import annotations

from django.utils import timezone

from .models import WechatShippingUpload, WechatTradeOrder

RESHIP_USED = "reship_used"  # the kit's code: not sent, the one re-ship is used
RESHIP_REFUSED = "10060003"  # WeChat: 支付单已使用重新发货机会
ALREADY_SHIPPED = "10060002"  # WeChat: the payment's shipping is recorded already (counts as done)


def _completes(payload: dict) -> bool:
    return payload.get("delivery_mode") == 1 or payload.get("is_all_delivered") is True


def would_reship(upload: WechatShippingUpload, payload: dict) -> bool:
    """Whether sending `payload` uses the payment's re-ship, given what WeChat accepted before."""
    accepted = list(
        # Every payload WeChat accepted for the order, this upload's own earlier one included.
        WechatShippingUpload.objects.filter(order_id=upload.order_id, uploaded_at__isnull=False)
        .order_by("uploaded_at", "pk")
        .values_list("payload", flat=True)
    )
    if not accepted:
        return False
    previous = accepted[-1]
    finished = any(_completes(earlier) for earlier in accepted)
    changed = (previous.get("delivery_mode"), previous.get("logistics_type")) != (
        payload.get("delivery_mode"),
        payload.get("logistics_type"),
    )
    return finished or changed


def reship_used(order) -> bool:
    return WechatTradeOrder.objects.filter(order=order, reship_used_at__isnull=False).exists()


def record_reship(order) -> None:
    row, _ = WechatTradeOrder.objects.get_or_create(order=order)
    if row.reship_used_at is None:
        WechatTradeOrder.objects.filter(pk=row.pk).update(reship_used_at=timezone.now())
