"""The operations dashboard's figures: what operations must do now, each with the filtered
list it links to, and the orders shipped per day drawn as an SVG bar chart on the server (no
script: the console's content security policy allows none inline).

A fixed number of queries, however many orders there are."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from platforms.base import SHANGHAI
from storefront.orders.models import AfterSalesRequest
from storefront.payments.models import PaymentProblem

from . import selectors
from .models import AlipayOrderSync, OrderToShip, Shipment, WechatShippingUpload, WechatTradeEvent

CHART_DAYS = 14


@dataclass
class Tile:
    key: str
    label: str
    count: int
    url: str
    help: str
    urgent: bool = False


def _url(name, query=""):
    try:
        return reverse(name) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return ""


def tiles(now=None) -> list[Tile]:
    now = now or timezone.now()
    to_ship = selectors.orders_to_ship(OrderToShip.objects.all()).exclude(info__fulfilment="pickup")
    deadline = selectors.promise_deadline(now)
    shipping = to_ship.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(paid_time__lt=deadline)))
    attention = selectors.parcels_needing_attention(Shipment.objects.all(), now=now).count()
    after_sales = AfterSalesRequest.objects.filter(status=AfterSalesRequest.Status.PENDING).count()
    problems = PaymentProblem.objects.filter(resolved_at__isnull=True).count()
    uploads = WechatShippingUpload.objects.filter(
        Q(state=WechatShippingUpload.State.FAILED) | (Q(state=WechatShippingUpload.State.PENDING) & ~Q(error_code=""))
    ).count()
    alipay_failed = AlipayOrderSync.objects.filter(state=AlipayOrderSync.State.FAILED).count()
    reminders = WechatTradeEvent.objects.filter(
        resolved_at__isnull=True,
        event__in=[WechatTradeEvent.Event.REMIND_SHIPPING, WechatTradeEvent.Event.REMIND_ACCESS_API],
    ).count()
    return [
        Tile(
            "to_ship",
            "待发货订单",
            shipping["total"],
            _url("admin:logistics_ordertoship_changelist"),
            "已付款、还没发完的快递订单",
        ),
        Tile(
            "overdue",
            "超时未发货",
            shipping["overdue"],
            _url("admin:logistics_ordertoship_changelist", "overdue=yes"),
            "付款后超过承诺的发货时间",
            urgent=True,
        ),
        Tile(
            "parcels",
            "异常包裹",
            attention,
            _url("admin:logistics_parcelneedingattention_changelist"),
            "物流异常或长时间没有更新",
            urgent=True,
        ),
        Tile(
            "after_sales",
            "待处理售后",
            after_sales,
            _url("admin:storefront_operationsorder_changelist", "problem=after_sales"),
            "顾客的退款、退货申请",
            urgent=True,
        ),
        Tile(
            "payment_problems",
            "支付问题",
            problems,
            _url("admin:storefront_paymentproblem_changelist", "state=open"),
            "金额不符、退款失败、对账差异等",
            urgent=True,
        ),
        Tile(
            "failed_uploads",
            "平台上传失败",
            uploads + alipay_failed,
            _url("admin:logistics_failedwechatshippingupload_changelist"),
            f"微信发货信息 {uploads} 条，支付宝订单中心 {alipay_failed} 条",
            urgent=True,
        ),
        Tile(
            "reminders",
            "平台提醒",
            reminders,
            _url("admin:logistics_tradereminder_changelist", "open=yes"),
            "微信的发货提醒和接入提醒",
            urgent=True,
        ),
    ]


def shipped_per_day(now=None, days=CHART_DAYS) -> list[tuple[dt.date, int]]:
    """[(Shanghai day, orders with a parcel sent that day)], oldest first, every day listed."""
    now = now or timezone.now()
    today = timezone.localtime(now, SHANGHAI).date()
    first = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI)
    rows = (
        Shipment.objects.filter(shipped_at__gte=since)
        .annotate(day=TruncDate("shipped_at", tzinfo=SHANGHAI))
        .values("day")
        .annotate(orders=Count("order", distinct=True))
    )
    counts = {row["day"]: row["orders"] for row in rows}
    return [(first + dt.timedelta(days=n), counts.get(first + dt.timedelta(days=n), 0)) for n in range(days)]


def bar_chart_svg(points, *, width=720, height=220):
    """A bar chart as inline SVG: one bar per day with its count above and the date below."""
    top, bottom, left = 24, 36, 8
    plot_height = height - top - bottom
    most = max((count for _, count in points), default=0) or 1
    step = (width - left * 2) / max(len(points), 1)
    bar = max(step * 0.6, 4)
    shapes = []
    for index, (day, count) in enumerate(points):
        x = left + index * step + (step - bar) / 2
        h = plot_height * count / most
        y = top + plot_height - h
        centre = x + bar / 2
        shapes.append(
            (
                f"{x:.1f}",
                f"{y:.1f}",
                f"{bar:.1f}",
                f"{h:.1f}",
                f"{day:%m-%d} 发货 {count} 单",
                f"{centre:.1f}",
                f"{y - 4:.1f}",
                count,
                f"{centre:.1f}",
                f"{height - bottom + 16:.1f}",
                f"{day:%m-%d}",
            )
        )
    body = format_html_join(
        "",
        '<g class="kit-bar"><rect x="{}" y="{}" width="{}" height="{}" rx="2" fill="#2f6fdf"><title>{}</title></rect>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="currentColor">{}</text>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="10" fill="currentColor">{}</text></g>',
        shapes,
    )
    return format_html(
        '<svg id="kit-shipped-chart" role="img" aria-label="每日发货订单数" viewBox="0 0 {} {}" width="100%" '
        'height="{}" xmlns="http://www.w3.org/2000/svg"><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>{}</svg>',
        width,
        height,
        height,
        left,
        top + plot_height,
        width - left,
        top + plot_height,
        body,
    )
