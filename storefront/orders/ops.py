"""What the operations console shows of an order, in Chinese and in Shanghai time: the
coloured status label, the problem badges, who did each change (a name, never "staff 3"),
one status history, and the rows of a packing list.

Only reads: every action of the console goes through the order, payment and logistics
services. The logistics, points and coupon rows are read through the order's relations or
the app registry, never imported, since the storefront does not depend on the apps above it.
"""

import re

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from oscar.apps.order.models import Line

from platforms.base import SHANGHAI
from storefront.catalog.selectors import image_prefetches
from storefront.catalog.serializers import product_image_url
from storefront.members.selectors import mask_phone
from storefront.orders.models import AfterSalesRequest
from storefront.orders.status import LABELS

# Colours of the status labels (text on a light background, readable in both themes).
STATUS_COLOURS = {
    "pending_payment": ("#8a5a00", "#fff4d6"),
    "paid": ("#0b5cad", "#e3efff"),
    "partially_shipped": ("#5b3fa8", "#efe9ff"),
    "shipped": ("#1d6b3a", "#e2f5e8"),
    "delivered": ("#1d6b3a", "#e2f5e8"),
    "completed": ("#4b5563", "#eceff3"),
    "cancelled": ("#6b7280", "#f1f2f4"),
    "refunding": ("#b42318", "#fde8e6"),
    "refunded": ("#6b7280", "#f1f2f4"),
}

PROVIDERS = {"wechat": "微信支付", "alipay": "支付宝"}

SYSTEM_ACTORS = {
    "system:unpaid-timeout": "系统（超时未付款自动取消）",
    "system:auto-complete": "系统（送达后自动完成）",
    "system:payments": "系统（支付）",
    "system:tracking": "系统（物流跟踪）",
    "system:logistics": "系统（物流）",
    "wechatpay:notification": "微信支付通知",
    "alipay:notification": "支付宝通知",
}

_STATUS_NOTE = re.compile(r"^Status (\w+) → (\w+): (.*)$", re.S)

# The timeline notes and status reasons the services write, said in Chinese for the console.
_REASONS = [
    (re.compile(r"^parcel (\S+) (\S+)$"), "包裹 {0} {1}"),
    (re.compile(r"^payment (\S+) received$"), "收到付款 {0}"),
    (re.compile(r"^picked up at (.+)$"), "在 {0} 凭提货码核销"),
    (re.compile(r"^not paid before (.+)$"), "{0} 前未付款，自动取消"),
    (re.compile(r"^delivered more than (\d+) days ago$"), "送达超过 {0} 天，自动完成"),
    (re.compile(r"^refund (\S+): (.*)$"), "退款 {0}：{1}"),
    (re.compile(r"^prize (\S+): nothing to pay$"), "奖品 {0}，无需付款"),
]
_PLAIN_REASONS = {
    "all payments refunded": "全部款项已退回",
    "cancelled by operations": "运营取消",
    "cancelled by the shopper": "顾客取消",
    "every parcel delivered (tracking)": "所有包裹已签收（物流跟踪）",
    "late or duplicate payment": "迟到或重复的付款",
    "receipt confirmed by the shopper": "顾客确认收货",
    "refund finished, part of the payment kept": "部分退款完成",
    "refunded by operations": "运营退款",
    "the lines not yet shipped were refunded": "未发货的商品已退款",
}
_KINDS = {"refund_only": "仅退款", "return_and_refund": "退货退款"}
_NOTES = [
    (
        re.compile(r"^Placed: total (\S+) (\S+), (\S+?)(?:, (\d+) points \(-(\S+)\))?$"),
        lambda m: (
            f"下单：合计 ¥{m[1]}，{'门店自提' if m[3] == 'pickup' else '快递配送'}"
            + (f"，使用 {m[4]} 积分抵扣 ¥{m[5]}" if m[4] else "")
        ),
    ),
    (
        re.compile(r"^After-sales requested \((\w+), (\S+)\): (.*)$", re.S),
        lambda m: f"顾客申请售后（{_KINDS.get(m[1], m[1])}，¥{m[2]}）：{m[3]}",
    ),
    (
        re.compile(r"^After-sales request \d+ approved: refund (\d+(?:\.\d+)?)(, goods back on sale)?\.\s*(.*)$", re.S),
        lambda m: f"同意售后申请：退款 ¥{m[1]}{'，商品重新上架' if m[2] else ''}" + (f"。{m[3]}" if m[3] else ""),
    ),
    (
        re.compile(r"^After-sales request \d+ rejected\.\s*(.*)$", re.S),
        lambda m: "拒绝售后申请" + (f"：{m[1]}" if m[1] else ""),
    ),
]


def reason_text(reason: str) -> str:
    reason = (reason or "").strip()
    if reason in _PLAIN_REASONS:
        return _PLAIN_REASONS[reason]
    for pattern, text in _REASONS:
        found = pattern.match(reason)
        if found:
            return text.format(*(_PLAIN_REASONS.get(g, g) for g in found.groups()))
    return reason


def note_text(text: str) -> str:
    for pattern, say in _NOTES:
        found = pattern.match(text)
        if found:
            return say(found)
    return text


def local(value, fmt="%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(value, SHANGHAI).strftime(fmt) if value else "—"


def yuan(amount) -> str:
    return f"¥{amount:,.2f}" if amount is not None else "—"


def status_label(status):
    colour, background = STATUS_COLOURS.get(status, ("#374151", "#eceff3"))
    return format_html(
        '<span class="kit-status kit-status-{}" style="color:{};background:{};padding:2px 8px;'
        'border-radius:10px;white-space:nowrap;font-weight:600">{}</span>',
        status,
        colour,
        background,
        LABELS.get(status, "未知状态"),
    )


def person(user) -> str:
    """A staff member's or shopper's name as people know them."""
    if user is None:
        return "—"
    name = getattr(user, "nickname", "") or user.get_full_name()
    if user.is_staff:
        return name or user.get_username()
    # A shopper's username is generated (m_5c00e3dc…): never shown.
    return f"顾客 {name or masked(getattr(user, 'phone', '')) or '（未设置昵称）'}"


def actor_name(note) -> str:
    if note.user_id:
        return person(note.user)
    _, _, label = note.message.rpartition(" — ")
    label = label.strip()
    if label in SYSTEM_ACTORS:
        return SYSTEM_ACTORS[label]
    if label.startswith("system:"):
        return "系统"
    return label or "系统"


def recipient(order):
    address = order.shipping_address
    if address is None:
        return "", ""
    return address.first_name or address.name, str(address.phone_number or "")


def info_of(order):
    try:
        return order.info
    except ObjectDoesNotExist:
        return None


# --- the list -----------------------------------------------------------------------------------
def pending_refunds_exist():
    refund = apps.get_model("storefront", "Refund")
    return Exists(refund.objects.filter(order=OuterRef("pk"), status__in=["pending", "processing"]))


def pending_after_sales_exist():
    return Exists(AfterSalesRequest.objects.filter(order=OuterRef("pk"), status=AfterSalesRequest.Status.PENDING))


def open_payment_problems_exist():
    problem = apps.get_model("storefront", "PaymentProblem")
    return Exists(problem.objects.filter(order=OuterRef("pk"), resolved_at__isnull=True))


def failed_uploads_exist():
    """WeChat shipping uploads given up or retrying after an error (logistics' rows)."""
    upload = apps.get_model("logistics", "WechatShippingUpload")
    return Exists(
        upload.objects.filter(order=OuterRef("pk")).filter(Q(state="failed") | (Q(state="pending") & ~Q(error_code="")))
    )


def with_badges(queryset):
    return queryset.annotate(
        has_pending_refund=pending_refunds_exist(),
        has_pending_after_sales=pending_after_sales_exist(),
        has_payment_problem=open_payment_problems_exist(),
        has_failed_upload=failed_uploads_exist(),
    )


def lines_prefetch():
    return [
        Prefetch("lines", queryset=Line.objects.select_related("product", "product__parent").order_by("pk")),
        *image_prefetches("lines__product"),
    ]


def badges(order):
    found = []
    if getattr(order, "has_pending_after_sales", False):
        found.append(("售后待处理", "#b42318"))
    if getattr(order, "has_pending_refund", False) or order.status == "refunding":
        found.append(("退款中", "#b42318"))
    if getattr(order, "has_payment_problem", False):
        found.append(("支付问题", "#8a5a00"))
    if getattr(order, "has_failed_upload", False):
        found.append(("微信发货信息上传失败", "#8a5a00"))
    return found


def badges_html(order):
    found = badges(order)
    if not found:
        return "—"
    return format_html_join(
        " ",
        '<span class="kit-badge" style="color:#fff;background:{};padding:1px 6px;border-radius:8px;'
        'white-space:nowrap;font-size:11px">{}</span>',
        ((colour, text) for text, colour in found),
    )


def items_html(order, *, limit=3):
    lines = list(order.lines.all())
    rows = []
    for line in lines[:limit]:
        url = product_image_url(line.product) if line.product_id else None
        rows.append((thumbnail(url), line.title, line.quantity))
    html = format_html_join(
        "",
        '<div class="kit-item" style="display:flex;align-items:center;gap:6px;white-space:nowrap">'
        "{}<span>{} × {}</span></div>",
        rows,
    )
    if len(lines) > limit:
        html = format_html("{}<div>等 {} 种商品</div>", html, len(lines))
    return html


# --- the order page -----------------------------------------------------------------------------
def history(order) -> list[dict]:
    """One status history: each change once, in Shanghai time, with who made it. The
    timeline notes say who; a status change without its note (written by hand in the
    database) is still listed, by nobody known."""
    notes = list(order.notes.select_related("user").order_by("date_created", "pk"))
    changes = list(order.status_changes.order_by("date_created", "pk"))
    rows = []
    matched = set()
    for note in notes:
        text, _, _ = note.message.rpartition(" — ")
        text = text or note.message
        found = _STATUS_NOTE.match(text)
        if found:
            old, new, reason = found.groups()
            for change in changes:
                if change.pk not in matched and (change.old_status, change.new_status) == (old, new):
                    matched.add(change.pk)
                    break
            said = reason_text(reason)
            text = f"{LABELS.get(old, old)} → {LABELS.get(new, new)}" + (f"（{said}）" if said else "")
            kind = "status"
        else:
            text = note_text(text)
            kind = "note"
        rows.append({"at": note.date_created, "text": text, "who": actor_name(note), "kind": kind})
    for change in changes:
        if change.pk not in matched:
            rows.append(
                {
                    "at": change.date_created,
                    "text": f"{LABELS.get(change.old_status, change.old_status or '—')} → "
                    f"{LABELS.get(change.new_status, change.new_status)}",
                    "who": "—",
                    "kind": "status",
                }
            )
    rows.sort(key=lambda row: row["at"])
    for row in rows:
        row["when"] = local(row["at"], "%Y-%m-%d %H:%M:%S")
    return rows


def coupon_used(order):
    try:
        coupon = apps.get_model("offers", "MemberCoupon")
    except LookupError:
        return None
    return coupon.objects.filter(order=order).select_related("batch").first()


def points_of(order):
    try:
        return order.loyalty_points
    except (AttributeError, ObjectDoesNotExist):
        return None


def parcels(order):
    shipments = getattr(order, "shipments", None)
    if shipments is None:
        return []
    return list(
        shipments.select_related("carrier").prefetch_related("events", "lines__line").order_by("shipped_at", "pk")
    )


def pending_after_sales(order):
    return list(order.after_sales_requests.filter(status=AfterSalesRequest.Status.PENDING).order_by("pk"))


def needs_care_to_ship(order) -> list[str]:
    """Why shipping this order needs a second look: money is on its way back, or the shopper
    asked for it."""
    reasons = []
    if order.after_sales_requests.filter(status=AfterSalesRequest.Status.PENDING).exists():
        reasons.append("顾客有待处理的售后申请")
    refund = apps.get_model("storefront", "Refund")
    if order.status == "refunding" or refund.objects.filter(order=order, status__in=["pending", "processing"]).exists():
        reasons.append("订单有进行中的退款")
    return reasons


def national(phone) -> str:
    """A mainland number without its +86, as people read it."""
    phone = str(phone or "")
    return phone[3:] if phone.startswith("+86") else phone


def masked(phone) -> str:
    return mask_phone(national(phone))


def thumbnail(url, size=32):
    if not url:
        return format_html(
            '<span class="kit-thumb" style="display:inline-block;width:{0}px;height:{0}px;border-radius:4px;'
            'background:#e5e7eb"></span>',
            size,
        )
    return format_html(
        '<img class="kit-thumb" src="{1}" alt="" width="{0}" height="{0}" loading="lazy" '
        'style="object-fit:cover;border-radius:4px;background:#eee">',
        size,
        url,
    )
