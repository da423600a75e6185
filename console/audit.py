"""The audit log (django-auditlog): who changed a price, a stock figure, an offer, a coupon
batch, a flash sale, a campaign, a prize or a loyalty rule, when, and from what to what.

All the models are registered here, in one place, from the console's AppConfig.ready; a model
of an app that is not installed (giveaways, UGC and polls are optional) is skipped. What is
logged is what staff change in the console (/admin/): the middleware below turns the log on
for those requests and names the signed-in staff member. Nothing else writes to it: a sale
taking stock, a claim taking a coupon, the shopper API and the platforms' callbacks keep
their own records (orders, ledger entries, claims), and cost no extra query. Code that changes
these models for a person outside the console (a command run by staff) can wrap its work in
`recording(actor)`.

Points: a manual adjustment is already a ledger entry naming the staff member and the reason
(loyalty.Entry, kind "adjust"); a member's points account shows those entries in its history
beside the audit log's.

docs/console.md describes the history page."""

import contextlib
from contextvars import ContextVar

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from config.console import CONSOLE_PREFIX

# Model label -> fields left out: counters the kit moves itself (stock held for orders,
# coupons left), timestamps, and search helpers.
AUDITED = {
    "catalogue.Product": ["date_created", "date_updated", "rating"],
    "partner.StockRecord": ["num_allocated", "date_created", "date_updated"],
    "offer.ConditionalOffer": ["total_discount", "num_applications", "num_orders", "date_created", "date_updated"],
    "offer.Benefit": [],
    "offer.Condition": [],
    "offer.Range": ["date_created", "date_updated", "cached_slug"],
    "offers.CouponBatch": ["remaining", "created_at"],
    "flashsales.FlashSale": ["created_at"],
    "flashsales.FlashSaleItem": ["remaining"],
    "campaigns.EntryPoint": ["created_at", "qr_code", "link", "link_expires_at"],
    "giveaways.Giveaway": ["created_at", "updated_at"],
    "giveaways.Prize": ["remaining", "awarded"],
    "ugc.UgcCampaign": ["created_at"],
    "polls.Poll": ["created_at", "updated_at"],
    "loyalty.Rules": ["updated_at"],
    "loyalty.Tier": [],
    "loyalty.BonusRule": [],
    "loyalty.Promotion": [],
    "loyalty.CheckInReward": [],
}

HISTORY_ROWS = 200


def audited_models() -> list:
    """The models of AUDITED whose app is installed."""
    found = []
    for label in AUDITED:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    return found


# Set while a console request (or a `recording` block) runs: only then is anything logged.
_recording = ContextVar("console_audit_recording", default=False)


@contextlib.contextmanager
def recording(actor=None):
    """Log the changes made inside the block, as made by `actor` (a staff user, or None)."""
    from auditlog.context import set_actor

    token = _recording.set(True)
    try:
        with set_actor(actor):
            yield
    finally:
        _recording.reset(token)


def _only_while_recording(receiver):
    def logged_in_the_console(*args, **kwargs):
        if _recording.get():
            receiver(*args, **kwargs)

    return logged_in_the_console


def register_models():
    from auditlog.receivers import log_create, log_delete, log_update
    from auditlog.registry import auditlog
    from django.db.models.signals import post_delete, post_save, pre_save

    # django-auditlog connects its registry's receivers (its `_signals`) to each registered
    # model; ours call them only while recording.
    auditlog._signals = {
        post_save: _only_while_recording(log_create),
        pre_save: _only_while_recording(log_update),
        post_delete: _only_while_recording(log_delete),
    }
    for model in audited_models():
        if auditlog.contains(model):
            continue
        names = {field.name for field in model._meta.concrete_fields}
        exclude = [name for name in AUDITED[model._meta.label] if name in names]
        auditlog.register(model, exclude_fields=exclude)


def attach_history():
    """Each audited model's admin shows the audit log on its history page. The kit's own
    admins get it from config/console.py's ModelAdmin; Oscar's (stock records, offers,
    ranges...) are registered again here as the same admin in the console's theme."""
    from django.contrib import admin

    from config import console

    for model in audited_models():
        model_admin = admin.site._registry.get(model)
        if model_admin is None or isinstance(model_admin, console.HistoryWithAuditLog):
            continue
        themed = type(type(model_admin).__name__, (console.ModelAdmin, type(model_admin)), {})
        admin.site.unregister(model)
        admin.site.register(model, themed)


class AuditMiddleware:
    """On the console's pages, changes are logged as made by the signed-in staff member.
    Elsewhere (the shopper API, callbacks) nothing is logged."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(CONSOLE_PREFIX):
            return self.get_response(request)
        user = getattr(request, "user", None)
        with recording(user if user is not None and user.is_authenticated else None):
            return self.get_response(request)


ACTIONS = {0: "新建", 1: "修改", 2: "删除", 3: "查看"}


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a field removed since the change was logged
        return name


def _show(value) -> str:
    if value in (None, "None", ""):
        return "（空）"
    return str(value)


def entries_for(model, object_id) -> list[dict]:
    """The audit log of one object for its history page, newest first: when (Asia/Shanghai),
    who, what was done and each changed field as label, before, after. Two queries."""
    from auditlog.models import LogEntry

    rows = []
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
    entries = (
        LogEntry.objects.filter(content_type=content_type, object_pk=str(object_id))
        .select_related("actor")
        .order_by("-timestamp")[:HISTORY_ROWS]
    )
    for entry in entries:
        changes = entry.changes_dict or {}
        rows.append(
            {
                "when": timezone.localtime(entry.timestamp),
                "who": _person(entry.actor),
                "action": ACTIONS.get(entry.action, str(entry.action)),
                "changes": [
                    {"field": _field_label(model, name), "before": _show(values[0]), "after": _show(values[1])}
                    for name, values in changes.items()
                    if isinstance(values, (list, tuple)) and len(values) == 2
                ],
            }
        )
    rows.extend(_points_adjustments(model, object_id))
    rows.sort(key=lambda row: row["when"], reverse=True)
    return rows


def _person(user) -> str:
    if user is None:
        return "系统"
    return getattr(user, "nickname", "") or user.get_full_name() or user.get_username()


def _points_adjustments(model, object_id) -> list[dict]:
    """A points account's manual adjustments (ledger entries of kind "adjust"). One query."""
    if model._meta.label not in ("loyalty.Account", "loyalty.PointsLiability"):
        return []
    Entry = apps.get_model("loyalty", "Entry")
    adjustments = (
        Entry.objects.filter(account_id=object_id, kind="adjust")
        .select_related("staff")
        .order_by("-created_at")[:HISTORY_ROWS]
    )
    return [
        {
            "when": timezone.localtime(entry.created_at),
            "who": _person(entry.staff),
            "action": "人工调整积分",
            "changes": [{"field": "可用积分", "before": "", "after": f"{entry.delta:+d}（{entry.reason}）"}],
        }
        for entry in adjustments
    ]
