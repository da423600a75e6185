"""The issue's story end to end: a marketer launches a UGC campaign in the admin; shoppers send
entries through the API (one passes, one is held for review, one is rejected by the sandbox's
content check with the word it judged risky); a moderator approves in the admin; others vote;
the winners are chosen by votes when voting ends."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns.ugc import services
from campaigns.ugc.models import Submission, UgcCampaign
from storefront.demo.roles import MARKETING, sync_role_group
from tests.campaigns.ugc.conftest import jpeg_upload
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def when(value):
    local = timezone.localtime(value)
    return {"0": local.strftime("%Y-%m-%d"), "1": local.strftime("%H:%M:%S")}


def split(name, value):
    return {f"{name}_{part}": text for part, text in when(value).items()}


def test_a_campaign_from_launch_to_winners(shopper, committed):
    marketer = StaffFactory(nickname="市场部 小林")
    marketer.groups.add(sync_role_group(MARKETING))
    console = Client()
    console.force_login(marketer)
    now = timezone.now()
    form = {
        "title": "晒出你的春茶时光",
        "slug": "spring-moments",
        "description": "拍下你和春茶的一刻",
        "is_active": "on",
        **split("starts_at", now - dt.timedelta(minutes=5)),
        **split("ends_at", now + dt.timedelta(days=7)),
        "rules": "每人 2 篇",
        "consent_text": "我同意品牌展示我的投稿。",
        "submissions_per_member": "2",
        "max_images": "3",
        "max_text_length": "500",
        "voting_enabled": "on",
        **split("voting_starts_at", now - dt.timedelta(minutes=5)),
        **split("voting_ends_at", now + dt.timedelta(days=7)),
        "daily_votes": "3",
        "winners_by": "votes",
        "winners_count": "1",
        "prize": "明前龙井礼盒",
    }
    bad = console.post(
        reverse("admin:ugc_ugccampaign_add"), {**form, **split("voting_ends_at", now - dt.timedelta(days=1))}
    )
    assert bad.status_code == 200 and "投票截止时间须晚于投票开始时间" in bad.content.decode()
    created = console.post(reverse("admin:ugc_ugccampaign_add"), form)
    assert created.status_code == 302, created.content.decode()[:2000]
    campaign = UgcCampaign.objects.get(slug="spring-moments")

    alice, bob, carol, dave = shopper(), shopper(), shopper(), shopper()
    with committed():
        passes = alice.submit(campaign, text="明前龙井，豆香十足", images=[jpeg_upload()]).json()
        held = bob.submit(campaign, text="喜欢的话加微信聊聊").json()
    rejected = carol.submit(campaign, text="本店可以代开发票").json()
    stored = {s.pk: (s.status, s.verdict) for s in Submission.objects.all()}  # after the image's push
    assert [stored[e["id"]] for e in (passes, held, rejected)] == [
        ("pending", "pass"),
        ("pending", "review"),
        ("rejected", "risky"),
    ]
    assert rejected["risky_words"] == ["代开发票"]

    approve = console.post(
        reverse("admin:ugc_submission_changelist"),
        {"action": "approve_selected", "_selected_action": [passes["id"], held["id"]]},
    )
    assert approve.status_code == 302
    assert [v.status_code for v in (bob.vote(Submission(pk=passes["id"])), dave.vote(Submission(pk=passes["id"])))] == [
        201,
        201,
    ]
    assert carol.vote(Submission(pk=held["id"])).status_code == 201
    gallery = dave.client.get(f"/api/v1/campaigns/ugc/{campaign.pk}/gallery/?ordering=most_voted").json()["results"]
    assert [(e["id"], e["vote_count"]) for e in gallery] == [(passes["id"], 2), (held["id"], 1)]

    services.choose_vote_winners(now=now + dt.timedelta(days=8))
    mine = alice.client.get("/api/v1/campaigns/me/submissions/").json()["results"]
    assert (mine[0]["rank"], bool(mine[0]["won_at"])) == (1, True)
