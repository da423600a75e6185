"""Reading giveaways for the API, the admin and the draw. Nothing here writes."""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaigns.giveaways import draw
from campaigns.giveaways.models import SHANGHAI, Entry, Giveaway, Prize, Win
from offers import selectors as offers_selectors

VISIBLE = (Giveaway.Status.PUBLISHED, Giveaway.Status.CLOSED, Giveaway.Status.DRAWN)
ACTIVE, FINISHED = "active", "finished"


def shanghai_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, SHANGHAI).date()


def visible_giveaways(*, status=None, now=None):
    """Published giveaways shoppers can see, with their prizes (in the marketer's order) and
    what is left. `status`: active (not yet ended) or finished."""
    now = now or timezone.now()
    giveaways = (
        Giveaway.objects.filter(status__in=VISIBLE)
        .exclude(mode=Giveaway.Mode.AWARDED)
        .select_related("min_tier")
        .prefetch_related(Prefetch("prizes", queryset=Prize.objects.order_by("position", "pk")))
        .annotate(prizes_left=Sum("prizes__remaining"))
        .order_by("-starts_at", "-pk")
    )
    if status == ACTIVE:
        giveaways = giveaways.filter(ends_at__gt=now, status=Giveaway.Status.PUBLISHED)
    elif status == FINISHED:
        giveaways = giveaways.filter(Q(ends_at__lte=now) | ~Q(status=Giveaway.Status.PUBLISHED))
    return giveaways


def visible_giveaway(giveaway_id):
    return visible_giveaways().filter(pk=giveaway_id).first()


def entries_of_member(member, giveaway) -> tuple[int, int]:
    """(entries in total, entries today) of the member in the giveaway."""
    today = shanghai_day(timezone.now())
    counts = Entry.objects.filter(giveaway=giveaway, member=member).aggregate(
        total=Count("pk"), today=Count("pk", filter=Q(day=today))
    )
    return counts["total"], counts["today"]


def ineligibility(giveaway: Giveaway, member) -> str | None:
    """Why the member may not enter (phone_required, tier, new_members_only), or None."""
    if giveaway.phone_required and not member.phone:
        return "phone_required"
    if giveaway.min_tier_id is not None:
        threshold = offers_selectors.tier_threshold_of(member)
        if threshold is None or threshold < giveaway.min_tier.threshold:
            return "tier"
    if giveaway.new_members_only and not offers_selectors.is_new_member(member):
        return "new_members_only"
    return None


def my_standing(giveaway: Giveaway, member, now=None) -> dict:
    """What the detail page says to this member: may they enter, and why not."""
    now = now or timezone.now()
    if member is None or not member.is_authenticated:
        return {"can_enter": False, "reason": "not_authenticated", "entries": 0, "entries_left": None}
    total, today = entries_of_member(member, giveaway)
    reason = ineligibility(giveaway, member)
    if reason is None:
        if giveaway.status != Giveaway.Status.PUBLISHED or now >= giveaway.ends_at:
            reason = "ended"
        elif now < giveaway.starts_at:
            reason = "not_started"
        elif total >= giveaway.entries_per_member or (giveaway.entries_per_day and today >= giveaway.entries_per_day):
            reason = "limit_reached"
    left = giveaway.entries_per_member - total
    if giveaway.entries_per_day:
        left = min(left, giveaway.entries_per_day - today)
    return {"can_enter": reason is None, "reason": reason, "entries": total, "entries_left": max(left, 0)}


def member_reference(giveaway: Giveaway, member_id: int) -> str:
    """A pseudonymous reference of a member in one giveaway: the same for all of their entries
    there, different in every giveaway, and not reversible without the server's secret."""
    key = hashlib.sha256(f"giveaway-members:{settings.SECRET_KEY}:{giveaway.pk}".encode()).digest()
    return hmac.new(key, str(member_id).encode(), hashlib.sha256).hexdigest()[:16]


def proof_of(giveaway: Giveaway) -> dict:
    """The proof as GET giveaways/{id}/proof/ answers it. Before the close the entries are
    not listed (they still change); before the draw the seed and winners are empty."""
    prizes = [p.as_public() for p in giveaway.prizes.order_by("position", "pk")]
    entries, members, winners = [], {}, []
    if giveaway.entries_hash:
        rows = list(Entry.objects.filter(giveaway=giveaway).order_by("pk").values_list("pk", "member_id"))
        entries = [pk for pk, _ in rows]
        members = {str(pk): member_reference(giveaway, member_id) for pk, member_id in rows}
    if giveaway.status == Giveaway.Status.DRAWN:
        winners = list(
            Win.objects.filter(giveaway=giveaway, source=Win.Source.DRAW)
            .order_by("pk")
            .values_list("entry_id", flat=True)
        )
    return {
        "giveaway": giveaway.pk,
        "algorithm": draw.ALGORITHM,
        "commitment": giveaway.commitment,
        "seed": giveaway.seed if giveaway.status == Giveaway.Status.DRAWN else "",
        "entries": entries,
        "entry_members": members,
        "entries_hash": giveaway.entries_hash,
        "winners": winners,
        "prizes": prizes,
    }


def entries_of(member):
    """The member's entries, newest first, with their giveaway and any prize won."""
    return Entry.objects.filter(member=member).select_related("giveaway", "win__prize").order_by("-created_at", "-pk")


def wins_of(member):
    return Win.objects.filter(member=member).select_related("giveaway", "prize").order_by("-created_at", "-pk")


def win_of(member, win_id):
    """One of the member's wins, or None (also for another member's)."""
    return wins_of(member).filter(pk=win_id).first()


def entries_per_day(giveaway: Giveaway) -> list[tuple[dt.date, int]]:
    """For the admin's chart: entries per Shanghai day."""
    rows = (
        Entry.objects.filter(giveaway=giveaway)
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
        .values_list("day", "n")
    )
    return list(rows)


def entry_counts(giveaway_ids) -> dict[int, int]:
    return dict(
        Entry.objects.filter(giveaway_id__in=giveaway_ids)
        .order_by()
        .values("giveaway_id")
        .annotate(n=Count("pk"))
        .values_list("giveaway_id", "n")
    )


def win_counts(giveaway_ids) -> dict[int, int]:
    return dict(
        Win.objects.filter(giveaway_id__in=giveaway_ids)
        .order_by()
        .values("giveaway_id")
        .annotate(n=Count("pk"))
        .values_list("giveaway_id", "n")
    )


def wins_of_giveaway(giveaway):
    return Win.objects.filter(giveaway=giveaway).select_related("member", "prize").order_by("pk")


def _count_of(model):
    rows = (
        model.objects.filter(giveaway=OuterRef("pk")).order_by().values("giveaway").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def with_counts(giveaways):
    """For the admin: each giveaway with its live entry and win counts (`entry_total`, `win_total`)."""
    return giveaways.annotate(entry_total=_count_of(Entry), win_total=_count_of(Win))


def export_entries(member) -> dict:
    """The member's entries and wins for their personal data export."""
    return {
        "giveaway_entries": [
            {
                "giveaway": e.giveaway.title,
                "number": e.number,
                "day": e.day.isoformat(),
                "result": e.result,
                "points_spent": e.points_spent,
                "created_at": e.created_at.isoformat(),
            }
            for e in Entry.objects.filter(member=member).select_related("giveaway").order_by("pk")
        ],
        "giveaway_wins": [
            {
                "giveaway": w.giveaway.title,
                "prize": w.prize.name,
                "source": w.source,
                "claim_status": w.claim_status,
                "fulfilment": w.fulfilment,
                "created_at": w.created_at.isoformat(),
            }
            for w in wins_of(member).order_by("pk")
        ],
    }
