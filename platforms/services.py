"""Subscribe-message notices as a service for the other apps, and the grants behind them.

    from platforms.services import send_notice
    send_notice(member=order.user, event="order_shipped", context={"order_number": ..., "carrier": ...})

A send looks up the active template of the event on each platform the member has an
account on, consumes one of the member's grants for it in a single conditional UPDATE (two
concurrent sends can never spend one grant twice), writes a NoticeLog row and queues the
delivery task after commit. Without a grant nothing is sent and the log says "no_grant".
"""

from __future__ import annotations

import string

from django.db import transaction
from django.db.models import F

from platforms.base import PLATFORMS
from platforms.models import NoticeGrant, NoticeLog, NoticeTemplate
from storefront.members.models import Identity


def openid_of(member, platform: str) -> str:
    """The member's account id on `platform` (WeChat openid, Alipay user id), or "".

    The one place that knows where identities live (storefront's Identity model), so a change
    there is a change here only. The most recently used account of the platform wins.
    """
    identity = (
        Identity.objects.filter(member=member, platform=platform)
        .order_by(F("last_login_at").desc(nulls_last=True), "-id")
        .values_list("openid", flat=True)
        .first()
    )
    return identity or ""


class _Blank(dict):
    def __missing__(self, key):
        return ""


def render_fields(template: NoticeTemplate, context: dict) -> tuple[dict, str]:
    """The template's data fields and page filled from the event's context (unknown names blank)."""
    values = _Blank({key: "" if value is None else value for key, value in context.items()})
    formatter = string.Formatter()
    data = {field: formatter.vformat(str(text), (), values) for field, text in template.field_map.items()}
    return data, formatter.vformat(template.page, (), values)


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
            data, page = render_fields(template, context)
            log = NoticeLog(
                member=member,
                platform=platform,
                event=event,
                template_id=template.template_id,
                openid=openid,
                page=page,
                data=data,
            )
            if not openid:
                log.status = NoticeLog.Status.NO_OPENID
            elif not consume_grant(member=member, platform=platform, template_id=template.template_id):
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
