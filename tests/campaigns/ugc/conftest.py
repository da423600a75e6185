"""Builders and fixtures of the UGC stories: a campaign, shoppers logged in through the
sandbox (so the sandbox's content checks know them), photos as a phone would send them, and
uploads in a temporary media folder."""

import datetime as dt
import io
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from campaigns.ugc.models import Submission, SubmissionImage, UgcCampaign, Verdict
from tests.factories import MemberFactory
from tests.steps import wechat_login

_slugs = itertools.count(1)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def ugc_campaign(**fields) -> UgcCampaign:
    now = timezone.now()
    values = {
        "title": "晒出你的春茶时光",
        "slug": f"spring-{next(_slugs)}",
        "consent_text": "我同意品牌展示我投稿的文字和照片。",
        "starts_at": now - dt.timedelta(days=1),
        "ends_at": now + dt.timedelta(days=7),
        "submissions_per_member": 2,
        "max_images": 3,
        "publish_on_pass": True,
        "voting_enabled": True,
        "voting_starts_at": now - dt.timedelta(days=1),
        "voting_ends_at": now + dt.timedelta(days=7),
        "daily_votes": 0,
        **fields,
    }
    return UgcCampaign.objects.create(**values)


def approved_entry(campaign, member=None, *, text="明前龙井，豆香十足", images=0, votes=0) -> Submission:
    """An entry already through its checks and moderation (a story's starting point)."""
    member = member or MemberFactory()
    number = Submission.objects.filter(campaign=campaign, member=member).count() + 1
    submission = Submission.objects.create(
        campaign=campaign,
        member=member,
        number=number,
        text=text,
        consent_text=campaign.consent_text,
        consented_at=timezone.now(),
        verdict=Verdict.PASS,
        text_verdict=Verdict.PASS,
        status=Submission.Status.APPROVED,
        approved_at=timezone.now(),
        vote_count=votes,
    )
    for position in range(images):
        photo = jpeg_upload()
        row = SubmissionImage(submission=submission, position=position, width=64, height=48, verdict=Verdict.PASS)
        row.image.save("a.jpg", photo, save=False)
        row.thumbnail.save("a-t.jpg", jpeg_upload(), save=False)
        row.save()
    return submission


def jpeg_bytes(size=(64, 48), color=(46, 125, 50), exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif is not None:
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def jpeg_upload(name="photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}  # GPS position
    return exif.tobytes()


class Shopper:
    """A shopper of the mini program: their API client and member row."""

    def __init__(self, client, member, openid):
        self.client, self.member, self.openid = client, member, openid

    def submit(self, campaign, *, text="", images=(), consent=True):
        body = {"text": text, "consent": "true" if consent else "false"}
        if images:
            body["images"] = list(images)
        return self.client.post(f"/api/v1/campaigns/ugc/{campaign.pk}/submissions/", body, format="multipart")

    def vote(self, submission):
        return self.client.post(f"/api/v1/campaigns/submissions/{submission.pk}/votes/")


@pytest.fixture
def shopper(db):
    """Logs a new shopper in through the sandbox's wx.login and the kit's auth endpoint."""

    def make():
        client, openid, login = wechat_login(APIClient())
        return Shopper(client, get_user_model().objects.get(pk=login["member"]["id"]), openid)

    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs the on-commit work scheduled inside, as a commit would
    (the sandbox's image push, the tasks after an approval)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
