"""Subscribe-message notices as a service for the other apps, and the grants behind them.

    from platforms.services import send_notice
    send_notice(member=order.user, event="order_shipped", context={"order_number": ..., "carrier": ...})

A send looks up the active template of the event on each platform the member has an
account on, consumes one of the member's grants for it in a single conditional UPDATE (two
concurrent sends can never spend one grant twice), writes a NoticeLog row and queues the
delivery task after commit. Without a grant nothing is sent and the log says "no_grant".

Each value is formatted for its keyword's type (platforms.notice_fields): an amount from a
Decimal ("¥12.50"), a time from an aware datetime in Beijing time, a thing cut within 20
characters... A template the event cannot fill (a {placeholder} the context lacks, a value its
type cannot take) is refused before a grant is spent: the log says "failed" with the reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import string
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from platforms import notice_fields
from platforms.base import PLATFORMS, Platform, get_miniprogram
from platforms.models import NoticeGrant, NoticeLog, NoticeTemplate
from storefront.members.models import Identity

logger = logging.getLogger(__name__)


def openid_of(member, platform: str) -> str:
    """The member's account id on `platform` (WeChat openid, Alipay user id), or "".

    The one place that knows where identities live (storefront's Identity model), so a change
    there is a change here only. Only the account in this kit's own mini program counts (a
    member's account in another of the brand's apps is refused by the platform); of those the
    most recently used wins.
    """
    app_id = get_miniprogram(platform).app_id
    identity = (
        Identity.objects.filter(member=member, platform=platform, app_id=app_id)
        .order_by(F("last_login_at").desc(nulls_last=True), "-id")
        .values_list("openid", flat=True)
        .first()
    )
    return identity or ""


UNFILLABLE = "notice_unfillable"  # NoticeLog.error_code of a template the event cannot fill


class NoticeUnfillable(Exception):
    """The template cannot be filled from the event's context; nothing is sent, no grant spent."""


class _NoticeFormatter(string.Formatter):
    """str.format that refuses a missing placeholder and writes dates and money the kit's way."""

    def __init__(self, context: dict, event: str):
        self.context, self.event = context, event

    def get_value(self, key, args, kwargs):
        if isinstance(key, int) or key not in self.context or self.context[key] is None:
            raise NoticeUnfillable(f"the {self.event} event gives no {{{key}}}")
        return self.context[key]

    def format_field(self, value, format_spec):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(notice_fields.SHANGHAI)
            return value.strftime(format_spec or "%Y-%m-%d %H:%M")
        if isinstance(value, Decimal) and not format_spec:
            return f"{value:.2f}"
        return super().format_field(value, format_spec)

    def fill(self, text: str):
        """The text filled in; a text that is one bare placeholder gives the context's value itself,
        so a Decimal or a datetime reaches the keyword type's formatting untouched."""
        try:
            parsed = list(self.parse(text))
            if len(parsed) == 1 and parsed[0][0] == "" and parsed[0][1] and not parsed[0][2] and not parsed[0][3]:
                return self.get_field(parsed[0][1], (), {})[0]
            return self.vformat(text, (), {})
        except NoticeUnfillable:
            raise
        except (ValueError, KeyError, AttributeError, IndexError, TypeError) as exc:
            raise NoticeUnfillable(f"{text!r} does not fill: {exc}") from None


def render_fields(template: NoticeTemplate, context: dict) -> tuple[dict, str]:
    """The template's data fields and page filled from the event's context, each value formatted
    for its keyword's type. Raises NoticeUnfillable (with the keyword and the reason) when a
    placeholder is missing or a value cannot take its keyword's type."""
    formatter = _NoticeFormatter(context, template.event)
    data = {}
    for keyword, text in template.field_map.items():
        kind = template.keyword_type(keyword)
        try:
            value = formatter.fill(str(text))
            if template.platform == Platform.WECHAT:
                data[keyword] = notice_fields.wechat_value(keyword, value, kind)
            else:
                data[keyword] = notice_fields.alipay_value(keyword, value, kind)
        except NoticeUnfillable as exc:
            raise NoticeUnfillable(f"{keyword}: {exc}") from None
        except notice_fields.FieldValueError as exc:
            raise NoticeUnfillable(str(exc)) from None
    try:
        page = str(formatter.fill(template.page)) if template.page else ""
    except NoticeUnfillable as exc:
        raise NoticeUnfillable(f"page: {exc}") from None
    return data, page


def record_grants(*, member, platform: str, accepted: list[str], rejected: list[str]) -> list[NoticeGrant]:
    """What the shopper chose in wx.requestSubscribeMessage: each accept is one more send.

    A fixed number of queries whatever the number of templates (one insert, two updates, one read)."""
    accepted, rejected = list(dict.fromkeys(accepted)), list(dict.fromkeys(rejected))
    named = list(dict.fromkeys([*accepted, *rejected]))
    with transaction.atomic():
        NoticeGrant.objects.bulk_create(
            [NoticeGrant(member=member, platform=platform, template_id=t) for t in named], ignore_conflicts=True
        )
        grants = NoticeGrant.objects.filter(member=member, platform=platform)
        if accepted:
            grants.filter(template_id__in=accepted).update(
                remaining=F("remaining") + 1, accepted_total=F("accepted_total") + 1
            )
        if rejected:
            grants.filter(template_id__in=rejected).update(rejected_total=F("rejected_total") + 1)
        return list(grants.filter(template_id__in=named).order_by("template_id"))


def consume_grant(*, member, platform: str, template_id: str) -> bool:
    """Take one grant; False when none is left. Atomic on its own (one UPDATE ... WHERE remaining > 0)."""
    return bool(
        NoticeGrant.objects.filter(member=member, platform=platform, template_id=template_id, remaining__gt=0).update(
            remaining=F("remaining") - 1
        )
    )


def give_back_grant(*, member_id, platform: str, template_id: str) -> None:
    """The platform refused a send outright (an unpublished page, a value it will not take):
    nothing reached the shopper, so the subscription the kit counted as spent is still theirs."""
    NoticeGrant.objects.filter(member_id=member_id, platform=platform, template_id=template_id).update(
        remaining=F("remaining") + 1
    )


def send_notice(*, member, event: str, context: dict) -> list[NoticeLog]:
    """Queue the event's notice to the member on each platform that has a template for it."""
    from platforms.tasks import deliver_notice

    templates = {t.platform: t for t in NoticeTemplate.objects.filter(event=event, is_active=True)}
    logs = []
    with transaction.atomic():
        for platform in PLATFORMS:
            template = templates.get(platform)
            if template is None:
                continue
            openid = openid_of(member, platform)
            log = NoticeLog(
                member=member, platform=platform, event=event, template_id=template.template_id, openid=openid
            )
            if not openid:
                log.status = NoticeLog.Status.NO_OPENID
            else:
                try:
                    log.data, log.page = render_fields(template, context)
                except NoticeUnfillable as exc:
                    # Refused before a grant is spent: the template needs fixing, not the shopper.
                    log.status, log.error_code, log.error = NoticeLog.Status.FAILED, UNFILLABLE, str(exc)[:1000]
                    logger.warning("notice %s on %s not sent: %s", event, platform, exc)
            if log.status == NoticeLog.Status.QUEUED and not consume_grant(
                member=member, platform=platform, template_id=template.template_id
            ):
                log.status = NoticeLog.Status.NO_GRANT
            log.save()
            logs.append(log)
            if log.status == NoticeLog.Status.QUEUED:
                transaction.on_commit(lambda log_id=log.pk: deliver_notice.delay(log_id))
    return logs


# --- members merged or erased (receivers in platforms/receivers.py) -----------------------------
@transaction.atomic
def move_notice_data(*, source_id, target_id):
    """Two members became one: the absorbed member's grants and notice log follow, so notices
    the shopper accepted on either account can still be sent."""
    for grant in NoticeGrant.objects.select_for_update().filter(member_id=source_id).order_by("pk"):
        kept = (
            NoticeGrant.objects.select_for_update()
            .filter(member_id=target_id, platform=grant.platform, template_id=grant.template_id)
            .first()
        )
        if kept is None:
            grant.member_id = target_id
            grant.save(update_fields=["member", "updated_at"])
            continue
        NoticeGrant.objects.filter(pk=kept.pk).update(
            remaining=F("remaining") + grant.remaining,
            accepted_total=F("accepted_total") + grant.accepted_total,
            rejected_total=F("rejected_total") + grant.rejected_total,
        )
        grant.delete()
    NoticeLog.objects.filter(member_id=source_id).update(member_id=target_id)


def erase_notice_data(*, member_id):
    """Account deletion: grants go, and the log keeps only what was sent when, without the
    shopper's openid or the message's personal content."""
    NoticeGrant.objects.filter(member_id=member_id).delete()
    NoticeLog.objects.filter(member_id=member_id).update(openid="", data={}, page="")


def export_notice_data(member):
    return {
        "notice_grants": list(
            NoticeGrant.objects.filter(member=member).values(
                "platform", "template_id", "remaining", "accepted_total", "rejected_total"
            )
        ),
        "notices_sent": list(
            NoticeLog.objects.filter(member=member)
            .order_by("created_at")
            .values("platform", "event", "status", "created_at", "sent_at")
        ),
    }
