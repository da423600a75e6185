"""Everything that reads UGC for the API and the admin, with the queries tuned: a page of the
gallery or of a member's entries costs the same few queries whatever its size (images are
prefetched, the member's own votes are one query per page)."""

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from campaigns.ugc.models import Submission, SubmissionImage, UgcCampaign, Verdict, Vote

ORDERINGS = {
    "newest": ("-is_featured", "-approved_at", "-pk"),
    "most_voted": ("-vote_count", "-approved_at", "-pk"),
}


def _images():
    return Prefetch("images", queryset=SubmissionImage.objects.order_by("position", "pk"))


def campaigns(*, now=None):
    """Campaigns shoppers see: active, started, newest first (finished ones stay for their gallery)."""
    now = now or timezone.now()
    return (
        UgcCampaign.objects.filter(is_active=True, starts_at__lte=now)
        .annotate(entries=Count("submissions", filter=Q(submissions__status=Submission.Status.APPROVED)))
        .order_by("-starts_at", "-pk")
    )


def campaign(campaign_id: int) -> UgcCampaign | None:
    return campaigns().filter(pk=campaign_id).first()


def gallery(campaign, *, ordering: str = "newest"):
    return (
        Submission.objects.filter(campaign=campaign, status=Submission.Status.APPROVED)
        .select_related("member")
        .prefetch_related(_images())
        .order_by(*ORDERINGS.get(ordering, ORDERINGS["newest"]))
    )


def leaderboard(campaign, *, size: int = 10) -> list[Submission]:
    return list(
        Submission.objects.filter(campaign=campaign, status=Submission.Status.APPROVED)
        .select_related("member")
        .order_by("-vote_count", "approved_at", "pk")[:size]
    )


def entries_of(member):
    """The member's own entries, in every state, newest first."""
    return (
        Submission.objects.filter(member=member)
        .select_related("campaign")
        .prefetch_related(_images())
        .order_by("-created_at", "-pk")
    )


def voted_ids(member, submission_ids) -> set[int]:
    """Which of these entries the member voted for (one query for a page)."""
    if member is None or not member.is_authenticated or not submission_ids:
        return set()
    return set(
        Vote.objects.filter(voter=member, submission_id__in=list(submission_ids)).values_list(
            "submission_id", flat=True
        )
    )


def entries_left(campaign, member) -> int:
    if member is None or not member.is_authenticated:
        return campaign.submissions_per_member
    live = (
        Submission.objects.filter(campaign=campaign, member=member).exclude(status=Submission.Status.REJECTED).count()
    )
    return max(0, campaign.submissions_per_member - live)


def moderation_queue():
    """Entries waiting for a moderator: the platform passed them or asked for a person."""
    return Submission.objects.filter(
        status=Submission.Status.PENDING, verdict__in=[Verdict.PASS, Verdict.REVIEW]
    ).order_by("created_at", "pk")


def export_entries(member) -> dict:
    """The member's entries and votes for their personal data export."""
    return {
        "ugc_submissions": [
            {
                "campaign": s.campaign.title,
                "text": s.text,
                "images": [image.image.name for image in s.images.all()],
                "status": s.status,
                "reason": s.reason,
                "consent_text": s.consent_text,
                "consented_at": s.consented_at.isoformat(),
                "created_at": s.created_at.isoformat(),
            }
            for s in entries_of(member).order_by("pk")
        ],
        "ugc_votes": [
            {"submission": v.submission_id, "day": v.day.isoformat(), "created_at": v.created_at.isoformat()}
            for v in Vote.objects.filter(voter=member).order_by("pk")
        ],
    }
