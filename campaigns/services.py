"""Everything entry points, visits, shares and attribution write.

A visit is recorded as the client reports the launch; the same launch reported twice (same
`visitor` and `launch`) is one row, by a unique constraint. Visits made before login carry
only the client's `visitor` key; they are joined to the member when the member joins (the
mini program sends the key as the login's `ref`, kept in MemberSource) and when a logged-in
client reports a visit with the same key.

A member's attribution (first touch, last touch, the bound touch, the join credit) is
recomputed from the member's visits under the row lock of their `Attribution`, so two
joins of the same visits at once count the member once.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile
from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns import errors, tasks
from campaigns.models import (
    Attribution,
    AttributionRules,
    EntryPoint,
    OrderAttribution,
    SearchPage,
    Share,
    Visit,
    scene_problem,
)
from platforms import base as platforms

logger = logging.getLogger(__name__)

CRAWLER_SCENE = 1129  # WeChat's crawler (UA mpcrawler) opening pages for search
MAX_LINK_DAYS = 30


# --- entry points ------------------------------------------------------------------------------
def resolve_scene(*, scene: str, now: dt.datetime | None = None) -> EntryPoint:
    """The entry point a scanned scene opens; refuses what WeChat would never have put in a code."""
    problem = scene_problem(scene)
    if problem == "too_long":
        raise errors.SceneTooLong()
    if problem:
        raise errors.SceneInvalid()
    entry = EntryPoint.objects.filter(scene=scene).first()
    if entry is None or not entry.is_active:
        raise errors.SceneNotFound()
    now = now or timezone.now()
    if (entry.ends_at and entry.ends_at <= now) or (entry.starts_at and entry.starts_at > now):
        raise errors.SceneExpired()
    return entry


def wechat_code(*, entry_point: EntryPoint) -> bytes:
    """The unlimited mini program code (PNG): the scene in the code, the page without query.
    `check_path` and `env_version` follow settings.WECHAT_ENV_VERSION in the adapter."""
    return platforms.get_miniprogram("wechat").unlimited_code(scene=entry_point.scene, page=entry_point.page)


def alipay_code(*, entry_point: EntryPoint) -> bytes:
    """The Alipay mini program QR code (alipay.open.app.qrcode.create): page and `scene=` query."""
    return platforms.get_miniprogram("alipay").unlimited_code(scene=entry_point.scene, page=entry_point.page)


def code_file_name(entry_point: EntryPoint, platform: str) -> str:
    label = entry_point.staff.nickname if entry_point.staff_id and entry_point.staff.nickname else entry_point.name
    safe = "".join(c for c in label if c.isalnum() or c in "-_ ") or entry_point.scene
    return f"{safe}-{entry_point.scene}-{platform}.png"


def codes_zip(*, entry_points) -> bytes:
    """A zip of the WeChat and Alipay codes of the entry points (a batch of staff codes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entry_points:
            archive.writestr(code_file_name(entry, "wechat"), wechat_code(entry_point=entry))
            archive.writestr(code_file_name(entry, "alipay"), alipay_code(entry_point=entry))
    return buffer.getvalue()


def make_url_link(*, entry_point: EntryPoint, days: int, now: dt.datetime | None = None) -> EntryPoint:
    """A WeChat URL Link (for SMS and articles) opening the entry point's page with its scene."""
    if not 1 <= days <= MAX_LINK_DAYS:
        raise errors.LinkTooLong()
    link = platforms.get_miniprogram("wechat").url_link(
        path=entry_point.page, query=f"scene={entry_point.scene}", expire_days=days
    )
    now = now or timezone.now()
    EntryPoint.objects.filter(pk=entry_point.pk).update(link=link, link_expires_at=now + dt.timedelta(days=days))
    entry_point.refresh_from_db()
    return entry_point


# --- visits ------------------------------------------------------------------------------------
def _scene_of_query(query: dict) -> str:
    """A code's scene arrives URL-encoded in the launch query as `scene`."""
    value = query.get("scene") if isinstance(query, dict) else None
    return unquote(value) if isinstance(value, str) else ""


def record_visit(
    *,
    member=None,
    visitor: str,
    launch: str = "",
    platform: str = "",
    scene_value: int | None = None,
    path: str = "",
    query: dict | None = None,
    share_ref: str = "",
) -> Visit:
    """Records one launch. Never refuses what passed the serializer: an unknown scene or share
    reference is recorded without an entry point or sharer."""
    query = query or {}
    if launch:
        existing = Visit.objects.filter(visitor=visitor, launch=launch).first()
        if existing is not None:
            return existing
    scene = _scene_of_query(query)
    entry = EntryPoint.objects.filter(scene=scene).only("pk").first() if scene and not scene_problem(scene) else None
    share = Share.objects.filter(ref=share_ref).only("pk", "sharer_id", "entry_point_id").first() if share_ref else None
    sharer_id = share.sharer_id if share and (member is None or share.sharer_id != member.pk) else None
    if entry is None and share is not None and share.entry_point_id:
        entry_id = share.entry_point_id
    else:
        entry_id = entry.pk if entry else None
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                visitor=visitor,
                launch=launch,
                member=member,
                platform=platform,
                scene_value=scene_value,
                path=path,
                query=query,
                entry_point_id=entry_id,
                share=share if sharer_id else None,
                sharer_id=sharer_id,
                is_crawler=scene_value == CRAWLER_SCENE,
            )
    except IntegrityError:
        # The same launch reported at the same moment by a retry: the first one stands.
        return Visit.objects.get(visitor=visitor, launch=launch)
    if member is not None and not visit.is_crawler:
        join_visits(member_id=member.pk, visitor=visitor)
    return visit


def join_visits(*, member_id: int, visitor: str = "", joined: bool = False) -> Attribution:
    """Gives the member the anonymous visits of `visitor` and recomputes their attribution.
    With `joined` (the member's first login), the member is credited once to the touch they
    are bound to: its entry point, and that entry point's staff member and store."""
    with transaction.atomic():
        attribution = _locked_attribution(member_id)
        if visitor:
            Visit.objects.filter(visitor=visitor, member__isnull=True).update(member_id=member_id)
        _recompute(attribution)
        if joined and attribution.joined_at is None:
            member = get_user_model().objects.only("date_joined").get(pk=member_id)
            attribution.joined_at = member.date_joined
            entry = attribution.bound_entry_point
            if entry is not None:
                attribution.joined_entry_point = entry
                attribution.credited_staff_id = entry.staff_id
                attribution.credited_store_id = entry.store_id
        attribution.save()
    return attribution


def join_visits_of_new_member(*, member_id: int) -> Attribution:
    """member_joined: the visits made before the first login, found by the visitor key the
    mini program sent as the login's `ref`."""
    from storefront.members.models import MemberSource

    source = MemberSource.objects.filter(member_id=member_id).only("ref").first()
    return join_visits(member_id=member_id, visitor=source.ref if source else "", joined=True)


def _locked_attribution(member_id: int) -> Attribution:
    try:
        with transaction.atomic():
            Attribution.objects.get_or_create(member_id=member_id)
    except IntegrityError:
        pass  # created by a concurrent join: lock that row
    return (
        Attribution.objects.select_for_update(of=("self",)).select_related("bound_entry_point").get(member_id=member_id)
    )


def _recompute(attribution: Attribution) -> None:
    """First, last and bound touch from the member's sourced visits, oldest first."""
    rules = AttributionRules.current()
    window = dt.timedelta(days=rules.days)
    visits = list(
        Visit.objects.filter(member_id=attribution.member_id, is_crawler=False)
        .exclude(entry_point__isnull=True, sharer__isnull=True)
        .select_related("entry_point")
        .order_by("created_at", "id")
    )
    if not visits:
        return
    first, last = visits[0], visits[-1]
    bound = first
    for visit in visits[1:]:
        if rules.window == AttributionRules.Window.LAST_TOUCH:
            bound = visit
        elif rules.window == AttributionRules.Window.DAYS and visit.created_at > bound.created_at + window:
            bound = visit
    attribution.first_visit, attribution.first_at = first, first.created_at
    attribution.first_entry_point_id, attribution.first_sharer_id = first.entry_point_id, first.sharer_id
    attribution.last_visit, attribution.last_at = last, last.created_at
    attribution.last_entry_point_id, attribution.last_sharer_id = last.entry_point_id, last.sharer_id
    attribution.bound_entry_point = bound.entry_point
    attribution.bound_sharer_id, attribution.bound_at = bound.sharer_id, bound.created_at


def move_visits_of_merged_member(*, source_id: int, target_id: int) -> None:
    """member_merged: the absorbed member's visits, shares and orders' credit go to the survivor."""
    with transaction.atomic():
        target = _locked_attribution(target_id)
        source = Attribution.objects.select_for_update().filter(member_id=source_id).first()
        Visit.objects.filter(member_id=source_id).update(member_id=target_id)
        Share.objects.filter(sharer_id=source_id).update(sharer_id=target_id)
        OrderAttribution.objects.filter(member_id=source_id).update(member_id=target_id)
        _recompute(target)
        if (
            source is not None
            and source.joined_at
            and (target.joined_at is None or source.joined_at < target.joined_at)
        ):
            target.joined_at, target.joined_entry_point_id = source.joined_at, source.joined_entry_point_id
            target.credited_staff_id, target.credited_store_id = source.credited_staff_id, source.credited_store_id
        if source is not None:
            source.delete()
        target.save()


# --- shares ------------------------------------------------------------------------------------
def share(*, member, product_id: int | None = None, campaign: str = "", order_number: str = "") -> Share:
    """The member's share reference for a product, a campaign (its entry point's scene) or one
    of their own orders; the same target gives the same reference."""
    from oscar.apps.catalogue.models import Product
    from oscar.apps.order.models import Order

    target = {"product": None, "entry_point": None, "order": None}
    if product_id is not None:
        kind = Share.Kind.PRODUCT
        target["product"] = Product.objects.filter(pk=product_id, is_public=True).first()
    elif campaign:
        kind = Share.Kind.CAMPAIGN
        target["entry_point"] = EntryPoint.objects.filter(
            scene=campaign, kind=EntryPoint.Kind.CAMPAIGN, is_active=True
        ).first()
    else:
        kind = Share.Kind.ORDER
        target["order"] = Order.objects.filter(number=order_number, user=member).first()
    if not any(target.values()):
        raise errors.ShareTargetNotFound()
    lookup = {"sharer": member, "kind": kind, **target}
    existing = Share.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Share.objects.create(**lookup)
    except IntegrityError:
        return Share.objects.get(**lookup)


# --- orders ------------------------------------------------------------------------------------
def attribute_order(*, order_id: int) -> OrderAttribution | None:
    """order_placed: the order is credited to the touch its member is bound to, if the window
    still holds at the time the order was placed."""
    from oscar.apps.order.models import Order

    order = Order.objects.only("pk", "user_id", "date_placed").get(pk=order_id)
    if order.user_id is None:
        return None
    existing = OrderAttribution.objects.filter(order_id=order_id).first()
    if existing is not None:
        return existing
    attribution = Attribution.objects.filter(member_id=order.user_id).first()
    entry_id = sharer_id = None
    if attribution is not None and attribution.bound_at is not None:
        rules = AttributionRules.current()
        in_window = rules.window != AttributionRules.Window.DAYS or (
            order.date_placed <= attribution.bound_at + dt.timedelta(days=rules.days)
        )
        if in_window:
            entry_id, sharer_id = attribution.bound_entry_point_id, attribution.bound_sharer_id
    values = {
        "member_id": order.user_id,
        "entry_point_id": entry_id,
        "sharer_id": sharer_id,
        "first_entry_point_id": attribution.first_entry_point_id if attribution else None,
        "last_entry_point_id": attribution.last_entry_point_id if attribution else None,
        "placed_at": order.date_placed,
    }
    try:
        with transaction.atomic():
            return OrderAttribution.objects.create(order_id=order_id, **values)
    except IntegrityError:
        return OrderAttribution.objects.get(order_id=order_id)


def record_paid_order(*, order_id: int, now: dt.datetime | None = None) -> OrderAttribution | None:
    """order_paid: the paid amount (Decimal yuan) counts toward the entry point's GMV."""
    from oscar.apps.order.models import Order

    attribution = attribute_order(order_id=order_id)
    if attribution is None:
        return None
    total = Order.objects.only("total_incl_tax").get(pk=order_id).total_incl_tax
    OrderAttribution.objects.filter(pk=attribution.pk, paid_at__isnull=True).update(
        paid_at=now or timezone.now(), paid_total=total
    )
    attribution.refresh_from_db()
    return attribution


# --- WeChat search ---------------------------------------------------------------------------------
def queue_search_page(*, path: str, query: str, data: dict) -> SearchPage:
    page, _ = SearchPage.objects.update_or_create(
        path=path, query=query, defaults={"data": data, "status": SearchPage.Status.PENDING}
    )
    tasks.submit_search_pages.apply_async(countdown=settings.CAMPAIGNS_SEARCH_DELAY_SECONDS)
    return page


def queue_product_for_search(*, product_id: int) -> SearchPage | None:
    from oscar.apps.catalogue.models import Product

    product = Product.objects.filter(pk=product_id, is_public=True, parent__isnull=True).first()
    if product is None:
        return None
    data = {
        "@type": settings.CAMPAIGNS_SEARCH_DATA_TYPE,
        "update": 1,
        "content_id": f"product-{product.pk}",
        "page_type": settings.CAMPAIGNS_SEARCH_PAGE_TYPES["product"],
        "title": product.title[:64],
    }
    return queue_search_page(path=settings.CAMPAIGNS_PRODUCT_PAGE, query=f"id={product.pk}", data=data)


def queue_entry_point_for_search(*, entry_point_id: int) -> SearchPage | None:
    entry = EntryPoint.objects.filter(pk=entry_point_id, is_active=True, submit_to_search=True).first()
    if entry is None:
        return None
    data = {
        "@type": settings.CAMPAIGNS_SEARCH_DATA_TYPE,
        "update": 1,
        "content_id": f"campaign-{entry.scene}",
        "page_type": settings.CAMPAIGNS_SEARCH_PAGE_TYPES["campaign"],
        "title": entry.name[:64],
    }
    return queue_search_page(path=entry.page, query=f"scene={entry.scene}", data=data)


class SearchQuotaUsed(Exception):
    """47006: today's quota of page submissions is used up."""


def submit_search_pages(*, now: dt.datetime | None = None) -> dict:
    """Sends the pending pages in batches of CAMPAIGNS_SEARCH_BATCH. 47004 (too many pages in one
    call): the batch is halved and sent again. 40066 (the sitemap refuses a page): the batch is
    sent one page at a time and the refused page is marked blocked. 47006 (daily quota): stop,
    the rest waits (the task retries the next day). Nothing is locked while WeChat is called."""
    now = now or timezone.now()
    miniprogram = platforms.get_miniprogram("wechat")
    size = settings.CAMPAIGNS_SEARCH_BATCH
    sent = blocked = 0
    while True:
        batch = list(SearchPage.objects.filter(status=SearchPage.Status.PENDING).order_by("queued_at", "id")[:size])
        if not batch:
            return {"sent": sent, "blocked": blocked, "quota": False}
        try:
            outcome = _send_batch(miniprogram, batch, now)
        except SearchQuotaUsed:
            return {"sent": sent, "blocked": blocked, "quota": True}
        if outcome == "too_many":
            if size == 1:
                _mark(batch, SearchPage.Status.FAILED, "47004")
                continue
            size = max(1, size // 2)
            continue
        sent, blocked = sent + outcome[0], blocked + outcome[1]


def _send_batch(miniprogram, batch, now):
    try:
        miniprogram.submit_pages([{"path": p.path, "query": p.query, "data_list": [p.data]} for p in batch])
    except platforms.PlatformError as error:
        code = str(error.code)
        if code == "47006":
            raise SearchQuotaUsed() from error
        if code == "47004":
            return "too_many"
        if code == "40066":
            if len(batch) == 1:
                _mark(batch, SearchPage.Status.BLOCKED, "40066")
                return (0, 1)
            sent = blocked = 0
            for page in batch:  # find the page the sitemap refuses
                one = _send_batch(miniprogram, [page], now)
                if one == "too_many":
                    _mark([page], SearchPage.Status.FAILED, "47004")
                    continue
                sent, blocked = sent + one[0], blocked + one[1]
            return (sent, blocked)
        raise  # unavailable or another refusal: the task retries later
    SearchPage.objects.filter(pk__in=[p.pk for p in batch]).update(
        status=SearchPage.Status.SENT, sent_at=now, last_error=""
    )
    for page in batch:
        SearchPage.objects.filter(pk=page.pk).update(attempts=page.attempts + 1)
    return (len(batch), 0)


def _mark(pages, status, error):
    SearchPage.objects.filter(pk__in=[p.pk for p in pages]).update(status=status, last_error=error)
