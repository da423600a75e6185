"""Demo data of the notices (settings.DEMO_EXTRA_LOADERS): a subscribe-message template for each
event the demo shopper hears about, on WeChat and on Alipay, with typed keywords, so that paying,
shipping and delivering an order in the demo send real subscribe messages to the sandbox (shown
on /sandbox/). The shopper still has to accept them: POST /api/v1/notifications/grants/ with the
template ids below (`demo-wechat-order_paid`, ...), as the mini program does after
wx.requestSubscribeMessage / my.requestSubscribeMessage.

Rows are found by their natural key (platform, template id) and written only when something
differs. A template is made active only when created and when no other template of its event is
active: a marketer's own template keeps its place.
"""

from platforms.models import NoticeTemplate
from storefront.demo.upsert import upsert

ORDER_PAGE = "pages/order/detail?number={order_number}"
# event, title, page, WeChat keywords (type by name), Alipay keywords with their declared types.
# The order events are sent by the kit today (payments: order_paid and order_refunded;
# logistics: order_shipped, order_delivered); the others are ready for the campaign work that
# sends them, with the context each expects in its placeholders.
TEMPLATES = [
    (
        "order_paid",
        "订单支付成功通知",
        ORDER_PAGE,
        {
            "character_string1": "{order_number}",
            "amount2": "{total}",
            "time3": "{paid_at}",
            "thing4": "青山茶舍已收到您的订单，将尽快为您发货",
        },
        [("{order_number}", "character_string"), ("{total}", "amount"), ("{paid_at}", "time")],
    ),
    (
        "order_shipped",
        "订单发货通知",
        ORDER_PAGE,
        {
            "character_string1": "{order_number}",
            "thing2": "{carrier}",
            "character_string3": "{tracking_number}",
            "time4": "{shipped_at}",
            "thing5": "{items}",
        },
        [
            ("{order_number}", "character_string"),
            ("{carrier}", "thing"),
            ("{tracking_number}", "character_string"),
            ("{shipped_at}", "time"),
        ],
    ),
    (
        "order_delivered",
        "订单签收通知",
        ORDER_PAGE,
        {
            "character_string1": "{order_number}",
            "thing2": "{items}",
            "time3": "{delivered_at}",
            "thing4": "包裹已签收，期待您的评价",
        },
        [("{order_number}", "character_string"), ("{items}", "thing"), ("{delivered_at}", "time")],
    ),
    (
        "order_refunded",
        "退款成功通知",
        ORDER_PAGE,
        {
            "character_string1": "{order_number}",
            "amount2": "{refund_amount}",
            "time3": "{refunded_at}",
            "phrase4": "退款成功",
        },
        [("{order_number}", "character_string"), ("{refund_amount}", "amount"), ("{refunded_at}", "time")],
    ),
    (
        "prize_won",
        "中奖结果通知",
        "pages/giveaway/index?id={giveaway_id}",
        {"thing1": "{giveaway}", "thing2": "{prize}", "phrase3": "已中奖", "time4": "{drawn_at}"},
        [("{giveaway}", "thing"), ("{prize}", "thing"), ("{drawn_at}", "time")],
    ),
    (
        "coupon_expiring",
        "优惠券到期提醒",
        "pages/index/index",
        {"thing1": "{coupon}", "date2": "{expires_at}", "thing3": "优惠券即将到期，请尽快使用"},
        [("{coupon}", "thing"), ("{expires_at}", "date")],
    ),
    (
        "ugc_approved",
        "内容审核结果通知",
        "pages/campaign/index?id={campaign_id}",
        {"thing1": "{campaign}", "phrase2": "审核通过", "time3": "{approved_at}"},
        [("{campaign}", "thing"), ("{approved_at}", "time")],
    ),
    (
        "ugc_rejected",
        "内容审核结果通知",
        "pages/campaign/index?id={campaign_id}",
        {"thing1": "{campaign}", "phrase2": "未通过", "thing3": "{reason}", "time4": "{rejected_at}"},
        [("{campaign}", "thing"), ("{reason}", "thing"), ("{rejected_at}", "time")],
    ),
]


def template_id(platform: str, event: str) -> str:
    return f"demo-{platform}-{event}"


def load_demo() -> str:
    count = 0
    for event, title, page, wechat_fields, alipay_fields in TEMPLATES:
        alipay_map = {f"keyword{n}": text for n, (text, _kind) in enumerate(alipay_fields, start=1)}
        alipay_types = {f"keyword{n}": kind for n, (_text, kind) in enumerate(alipay_fields, start=1)}
        for platform, field_map, field_types in (
            ("wechat", wechat_fields, {}),
            ("alipay", alipay_map, alipay_types),
        ):
            taken = NoticeTemplate.objects.filter(platform=platform, event=event, is_active=True).exclude(
                template_id=template_id(platform, event)
            )
            upsert(
                NoticeTemplate,
                lookup={"platform": platform, "template_id": template_id(platform, event)},
                values={
                    "event": event,
                    "title": title,
                    "field_map": field_map,
                    "field_types": field_types,
                    "page": page,
                },
                initial={"is_active": not taken.exists()},
            )
            count += 1
    return f"notices: {count} subscribe-message templates (WeChat and Alipay)"
