"""Everything that writes UGC: entries and their platform checks, moderation, votes, winners.

An entry goes through, in this order (docs/ugc.md):
1. its input: the campaign open, consent given, the text's length, the number of images;
2. its images hardened (config/images.py) and its text checked by the platform, both before
   anything is written: a refusal leaves nothing behind;
3. one transaction: the entry under the next free number of the member's live entries (the
   per-member limit is the unique constraint, not a count) and its images;
4. each image sent to WeChat's asynchronous image check, outside any transaction; the trace
   id is recorded against an `ImageCheck` row that the push may already have written (it can
   arrive before the call answers); whichever comes second completes the pair;
5. once every verdict is in, `settle`: risky is rejected with the reason the shopper sees,
   review goes to the moderation queue, pass goes to the queue or straight to the gallery as
   the campaign says.

Votes are race-safe without counting first: the vote row is inserted under the unique
(entry, member) constraint and, with a daily allowance, under the unique (campaign, member,
day, slot) constraint trying slots 1..allowance; the entry's `vote_count` moves by an F()
update in the same transaction.
"""

import io
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image

from campaigns.ugc import content, tasks
from campaigns.ugc.errors import (
    AlreadyVoted,
    CampaignNotFound,
    CannotVoteOwn,
    ConsentRequired,
    DailyVotesUsed,
    EmptySubmission,
    EntryNotApproved,
    SubmissionLimitReached,
    SubmissionNotFound,
    SubmissionsClosed,
    TextTooLong,
    TooManyImages,
    VotingClosed,
)
from campaigns.ugc.models import ImageCheck, Submission, SubmissionImage, UgcCampaign, Verdict, Vote
from config.images import clean_image
from platforms.services import send_notice

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
RANK = {Verdict.PASS: 0, Verdict.CHECKING: 1, Verdict.REVIEW: 2, Verdict.RISKY: 3}


# --- entries -------------------------------------------------------------------------------------
def harden_image(upload):
    """(image, thumbnail, width, height) as new JPEG files under random names."""
    image = clean_image(
        upload,
        field="images",
        max_bytes=settings.UGC_IMAGE_MAX_BYTES,
        max_pixels=settings.UGC_IMAGE_MAX_PIXELS,
        max_side=settings.UGC_IMAGE_SIZE,
    )
    with Image.open(io.BytesIO(image.read())) as decoded:
        width, height = decoded.size
        decoded.thumbnail((settings.UGC_THUMBNAIL_SIZE, settings.UGC_THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        decoded.save(out, "JPEG", quality=80, optimize=True)
    image.seek(0)
    thumbnail = ContentFile(out.getvalue(), name=image.name.replace(".jpg", "-t.jpg"))
    return image, thumbnail, width, height


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else f"{settings.SITE_URL}{url}"


def submit_entry(*, member, campaign_id: int, text: str = "", images=(), consent: bool = False, now=None):
    """The member's entry to a campaign; returns the submission as it stands after its checks
    (pending, approved, or rejected with `reason`).

    Refusals, with nothing written: 404 `ugc_campaign_not_found`, 409 `submissions_closed`,
    400 `consent_required`, `empty_submission`, `text_too_long`, `too_many_images`,
    `invalid_image`, `image_too_large`, 409 `submission_limit_reached`."""
    now = now or timezone.now()
    campaign = UgcCampaign.objects.filter(pk=campaign_id, is_active=True).first()
    if campaign is None:
        raise CampaignNotFound()
    if not campaign.is_open(now):
        raise SubmissionsClosed(
            extra={"starts_at": campaign.starts_at.isoformat(), "ends_at": campaign.ends_at.isoformat()}
        )
    if not consent:
        raise ConsentRequired(fields={"consent": "required"})
    text = (text or "").strip()
    images = list(images)
    if not text and not images:
        raise EmptySubmission()
    if len(text) > campaign.max_text_length:
        raise TextTooLong(fields={"text": f"at most {campaign.max_text_length} characters"})
    if len(images) > campaign.max_images:
        raise TooManyImages(fields={"images": f"at most {campaign.max_images}"})
    live = Submission.objects.filter(campaign=campaign, member=member).exclude(status=Submission.Status.REJECTED)
    if live.count() >= campaign.submissions_per_member:  # a cheap early answer; the constraint decides
        raise SubmissionLimitReached()
    hardened = [harden_image(upload) for upload in images]
    # Outside any transaction: no row is locked while the platform answers.
    platform, verdict = content.check_text(member=member, text=text)
    text_verdict = _as_verdict(verdict.suggest)  # an unknown answer is for a person to judge
    with transaction.atomic():
        submission = _insert_entry(
            campaign,
            member,
            text=text,
            platform=platform,
            text_verdict=text_verdict,
            words=list(verdict.words),
            now=now,
        )
        if text_verdict == Verdict.RISKY:
            _reject_by_platform(submission, words=list(verdict.words), now=now)
            return submission
        for position, (image, thumbnail, width, height) in enumerate(hardened):
            row = SubmissionImage(submission=submission, position=position, width=width, height=height)
            row.image.save(image.name, image, save=False)
            row.thumbnail.save(thumbnail.name, thumbnail, save=False)
            row.save()
    _start_image_checks(submission, member)
    settle(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


def _insert_entry(campaign, member, *, text, platform, text_verdict, words, now):
    for number in range(1, campaign.submissions_per_member + 1):
        try:
            with transaction.atomic():
                return Submission.objects.create(
                    campaign=campaign,
                    member=member,
                    number=number,
                    text=text,
                    consent_text=campaign.consent_text,
                    consented_at=now,
                    platform=platform,
                    text_verdict=text_verdict,
                    risky_words=words if text_verdict == Verdict.RISKY else [],
                )
        except IntegrityError:
            continue
    raise SubmissionLimitReached()


def _start_image_checks(submission, member):
    platform, openid = content.platform_and_openid(member)
    for image in submission.images.all():
        trace_id = content.start_image_check(
            platform=submission.platform or platform, openid=openid, media_url=_absolute(image.image.url)
        )
        if trace_id:
            record_image_trace(image_id=image.pk, trace_id=trace_id)
        else:
            # No verdict will come (Alipay has no image check, or the call failed): a person looks.
            SubmissionImage.objects.filter(pk=image.pk).update(verdict=Verdict.REVIEW)


def _check_row(trace_id: str) -> ImageCheck:
    """The trace id's row, locked; created by whichever of the call and the push comes first."""
    try:
        with transaction.atomic():
            ImageCheck.objects.get_or_create(trace_id=trace_id)
    except IntegrityError:
        pass  # the other side created it at the same moment
    return ImageCheck.objects.select_for_update().get(trace_id=trace_id)


def _as_verdict(suggest: str) -> str:
    return suggest if suggest in (Verdict.PASS, Verdict.REVIEW, Verdict.RISKY) else Verdict.REVIEW


def record_image_trace(*, image_id: int, trace_id: str) -> None:
    """The call answered with `trace_id`: the image is tied to it, and gets the verdict at once
    if the push came first."""
    with transaction.atomic():
        check = _check_row(trace_id)
        check.image_id = image_id
        check.save(update_fields=["image"])
        verdict = _as_verdict(check.suggest) if check.suggest else Verdict.CHECKING
        SubmissionImage.objects.filter(pk=image_id).update(trace_id=trace_id, verdict=verdict)


def record_image_verdict(*, trace_id: str, suggest: str, label: str = "", now=None) -> bool:
    """WeChat's `wxa_media_check` push. A push repeated is recorded once. Returns whether it
    was new."""
    if not trace_id:
        return False
    with transaction.atomic():
        check = _check_row(trace_id)
        if check.suggest:
            return False
        check.suggest, check.label, check.pushed_at = suggest or "review", str(label)[:32], now or timezone.now()
        check.save(update_fields=["suggest", "label", "pushed_at"])
        image_id = check.image_id
        if image_id:
            SubmissionImage.objects.filter(pk=image_id).update(verdict=_as_verdict(check.suggest))
    if image_id:
        submission_id = SubmissionImage.objects.filter(pk=image_id).values_list("submission_id", flat=True).first()
        if submission_id:
            settle(submission_id=submission_id)
    return True


def settle(*, submission_id: int, now=None) -> Submission | None:
    """Once the text's and every image's verdict are in, the platform's verdict is the worst
    of them and decides: risky is rejected, review waits for a moderator, pass waits too or is
    approved when the campaign publishes what passes. Runs once per entry."""
    now = now or timezone.now()
    with transaction.atomic():
        submission = Submission.objects.select_for_update().filter(pk=submission_id).first()
        if submission is None or submission.verdict != Verdict.CHECKING:
            return submission
        verdicts = [submission.text_verdict, *submission.images.values_list("verdict", flat=True)]
        if Verdict.RISKY in verdicts:
            _reject_by_platform(submission, words=submission.risky_words, now=now)
            return submission
        if Verdict.CHECKING in verdicts:
            return submission
        worst = max(verdicts, key=lambda v: RANK[v])
        submission.verdict = worst
        submission.save(update_fields=["verdict"])
        campaign = submission.campaign
        if worst == Verdict.PASS and campaign.publish_on_pass:
            _approve(submission, staff=None, now=now)
    return submission


def _reject_by_platform(submission, *, words, now):
    submission.verdict = Verdict.RISKY
    submission.status = Submission.Status.REJECTED
    submission.risky_words = list(words)
    submission.reason = (f"内容未通过平台安全检测：{'、'.join(words)}" if words else "内容未通过平台安全检测")[:200]
    submission.moderated_at = now
    submission.save(update_fields=["verdict", "status", "risky_words", "reason", "moderated_at"])


# --- moderation ----------------------------------------------------------------------------------
def _approve(submission, *, staff, now):
    submission.status = Submission.Status.APPROVED
    submission.reason = ""
    submission.moderated_by = staff
    submission.moderated_at = now
    submission.approved_at = now
    submission.save(update_fields=["status", "reason", "moderated_by", "moderated_at", "approved_at"])
    transaction.on_commit(lambda pk=submission.pk: tasks.after_approval.delay(pk))


def approve(*, submissions, staff, now=None) -> int:
    """Moderators approve entries (pending or rejected by a moderator, never rejected by the
    platform's check); each is approved once, with its notice and the loyalty bonus after
    commit. Returns how many changed."""
    now = now or timezone.now()
    changed = 0
    for pk in [s.pk for s in submissions]:
        with transaction.atomic():
            submission = Submission.objects.select_for_update().filter(pk=pk).first()
            if submission is None or submission.status == Submission.Status.APPROVED:
                continue
            if submission.verdict in (Verdict.RISKY, Verdict.CHECKING):
                continue
            _approve(submission, staff=staff, now=now)
            changed += 1
    return changed


def reject(*, submissions, staff, reason: str, now=None) -> int:
    """Moderators reject entries with a reason the shopper sees; a rejected entry leaves the
    gallery, loses its prize rank, and frees the member's number for another entry."""
    now = now or timezone.now()
    reason = (reason or "").strip()[:200] or "不符合活动要求"
    changed = 0
    for pk in [s.pk for s in submissions]:
        with transaction.atomic():
            submission = Submission.objects.select_for_update().filter(pk=pk).first()
            if submission is None or submission.status == Submission.Status.REJECTED:
                continue
            Submission.objects.filter(pk=pk).update(
                status=Submission.Status.REJECTED,
                reason=reason,
                moderated_by=staff,
                moderated_at=now,
                is_featured=False,
                won_at=None,
                rank=None,
            )
            transaction.on_commit(lambda pk=pk: tasks.notify_rejection.delay(pk))
            changed += 1
    return changed


def feature(*, submissions, featured: bool = True) -> int:
    """Approved entries marked (or unmarked) as featured: shown first in the gallery."""
    ids = [s.pk for s in submissions]
    return Submission.objects.filter(pk__in=ids, status=Submission.Status.APPROVED).update(is_featured=featured)


def after_approval(*, submission_id: int) -> None:
    """The submitter's notice and the loyalty bonus (once per member and campaign)."""
    from loyalty.services import award_bonus

    submission = Submission.objects.select_related("campaign", "member").filter(pk=submission_id).first()
    if submission is None or submission.status != Submission.Status.APPROVED:
        return
    award_bonus(member=submission.member, kind="ugc_approved", reference=f"ugc:{submission.campaign_id}")
    send_notice(
        member=submission.member,
        event="ugc_approved",
        context={
            "campaign": submission.campaign.title,
            "campaign_id": submission.campaign_id,
            "approved_at": submission.approved_at,
            "result": "审核通过",
        },
    )


def notify_rejection(*, submission_id: int) -> None:
    submission = Submission.objects.select_related("campaign", "member").filter(pk=submission_id).first()
    if submission is None or submission.status != Submission.Status.REJECTED:
        return
    send_notice(
        member=submission.member,
        event="ugc_rejected",
        context={
            "campaign": submission.campaign.title,
            "campaign_id": submission.campaign_id,
            "rejected_at": submission.moderated_at,
            "result": "未通过",
            "reason": submission.reason,
        },
    )


# --- votes ---------------------------------------------------------------------------------------
def cast_vote(*, member, submission_id: int, now=None) -> Vote:
    """One vote of the member for an approved entry. Refusals: 404 `submission_not_found`,
    409 `entry_not_approved`, 409 `voting_closed`, 403 `cannot_vote_own`, 409 `already_voted`,
    429 `daily_votes_used`."""
    now = now or timezone.now()
    submission = Submission.objects.select_related("campaign").filter(pk=submission_id).first()
    if submission is None or not submission.campaign.is_active:
        raise SubmissionNotFound()
    if submission.status != Submission.Status.APPROVED:
        raise EntryNotApproved()
    campaign = submission.campaign
    if not campaign.voting_open(now):
        raise VotingClosed()
    if submission.member_id == member.pk:
        raise CannotVoteOwn()
    day = timezone.localtime(now, SHANGHAI).date()
    slots = range(1, campaign.daily_votes + 1) if campaign.daily_votes else [None]
    for slot in slots:
        try:
            with transaction.atomic():
                vote = Vote.objects.create(campaign=campaign, submission=submission, voter=member, day=day, slot=slot)
                # A vote counts only while the entry is approved: a rejection at the same moment wins.
                if not Submission.objects.filter(pk=submission.pk, status=Submission.Status.APPROVED).update(
                    vote_count=F("vote_count") + 1
                ):
                    raise EntryNotApproved()
                return vote
        except IntegrityError:
            if Vote.objects.filter(submission=submission, voter=member).exists():
                raise AlreadyVoted() from None
            continue  # that slot of today is taken: try the next
    raise DailyVotesUsed(extra={"daily_votes": campaign.daily_votes})


# --- winners -------------------------------------------------------------------------------------
def choose_winners(campaign, submissions, *, by: str, now=None) -> list[Submission]:
    """The winners of a campaign, in rank order: recorded on each entry (`won_at`, `rank`,
    `won_by`). Called by marketers (the admin action, `by="marketers"`, ranks after the ones
    already chosen) and at the end of voting (`by="votes"`, the top N). Only approved entries
    win, each once. Returns the new winners.

    With a prize set on the campaign (`prize_award`), each new winner gets one unit of it
    through the giveaways' prize service (`award_prize`, once per entry: the reference is the
    entry), and then claims it as any giveaway winner does. A winner chosen after the prize
    ran out is still a winner, without a prize (`prize_win` empty)."""
    now = now or timezone.now()
    ids = [s.pk for s in submissions]
    won = []
    with transaction.atomic():
        UgcCampaign.objects.select_for_update().get(pk=campaign.pk)  # one choice at a time per campaign
        taken = Submission.objects.filter(campaign=campaign, rank__isnull=False).order_by("-rank").first()
        rank = taken.rank if taken else 0
        rows = Submission.objects.select_for_update().filter(
            pk__in=ids, campaign=campaign, status=Submission.Status.APPROVED, won_at__isnull=True
        )
        order = {pk: i for i, pk in enumerate(ids)}
        for submission in sorted(rows, key=lambda s: order[s.pk]):
            rank += 1
            submission.won_at, submission.rank, submission.won_by = now, rank, by
            submission.save(update_fields=["won_at", "rank", "won_by"])
            if campaign.prize_award_id:
                submission.prize_win = _award(campaign, submission)
                submission.save(update_fields=["prize_win"])
            won.append(submission)
        if by == UgcCampaign.Winners.VOTES:
            UgcCampaign.objects.filter(pk=campaign.pk).update(winners_chosen_at=now)
    return won


def _award(campaign, submission):
    from campaigns.giveaways.errors import PrizeSoldOut
    from campaigns.giveaways.services import award_prize

    try:
        return award_prize(
            prize=campaign.prize_award, member=submission.member, source="ugc", reference=f"submission:{submission.pk}"
        )
    except PrizeSoldOut:
        logger.warning("UGC campaign %s: no unit of its prize left for winning entry %s", campaign.pk, submission.pk)
        return None


def top_by_votes(campaign) -> list[Submission]:
    """The top N approved entries by votes; a tie goes to the entry approved first."""
    return list(
        Submission.objects.filter(campaign=campaign, status=Submission.Status.APPROVED).order_by(
            "-vote_count", "approved_at", "pk"
        )[: campaign.winners_count]
    )


def choose_vote_winners(*, now=None) -> int:
    """Periodic: campaigns chosen by votes whose voting has ended get their top N, once."""
    now = now or timezone.now()
    due = UgcCampaign.objects.filter(
        is_active=True,
        voting_enabled=True,
        winners_by=UgcCampaign.Winners.VOTES,
        voting_ends_at__lte=now,
        winners_chosen_at__isnull=True,
    )
    chosen = 0
    for campaign in due.order_by("pk"):
        chosen += len(choose_winners(campaign, top_by_votes(campaign), by=UgcCampaign.Winners.VOTES, now=now))
    return chosen


def move_entries_of_merged_member(*, source_id: int, target_id: int) -> None:
    """Two members became one: the absorbed member's entries and votes follow the survivor. A
    vote for the same entry, or for the survivor's own entry, is dropped with its count."""
    with transaction.atomic():
        for vote in Vote.objects.select_for_update().filter(voter_id=source_id).select_related("submission"):
            duplicate = Vote.objects.filter(submission_id=vote.submission_id, voter_id=target_id).exists()
            if duplicate or vote.submission.member_id == target_id:
                Submission.objects.filter(pk=vote.submission_id).update(vote_count=F("vote_count") - 1)
                vote.delete()
            else:
                Vote.objects.filter(pk=vote.pk).update(voter_id=target_id, slot=None)
        for submission in Submission.objects.select_for_update().filter(member_id=source_id).order_by("pk"):
            top = (
                Submission.objects.filter(campaign_id=submission.campaign_id, member_id=target_id)
                .order_by("-number")
                .values_list("number", flat=True)
                .first()
                or 0
            )
            Submission.objects.filter(pk=submission.pk).update(member_id=target_id, number=top + 1)


def erase_entries_of_member(*, member_id: int) -> int:
    """A member erased their personal data: their entries (text, photos, consent) and votes go,
    the votes' counts with them; the image files are deleted after the commit."""
    with transaction.atomic():
        for vote in Vote.objects.select_for_update().filter(voter_id=member_id):
            Submission.objects.filter(pk=vote.submission_id).update(vote_count=F("vote_count") - 1)
            vote.delete()
        images = list(SubmissionImage.objects.filter(submission__member_id=member_id))
        names = [(i.image.storage, i.image.name) for i in images] + [
            (i.thumbnail.storage, i.thumbnail.name) for i in images
        ]
        erased, _ = Submission.objects.filter(member_id=member_id).delete()

        def delete_files():
            for storage, name in names:
                if name:
                    storage.delete(name)

        transaction.on_commit(delete_files)
    return erased
