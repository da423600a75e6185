"""A moderator's screens: the queue of entries with their images, approving (the submitter's
notice and loyalty bonus follow), rejecting with a reason the shopper sees, featuring, and
choosing winners; a marketer's poll results with a chart and a CSV of every response."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns.polls import services as poll_services
from campaigns.ugc.models import Submission
from loyalty.models import BonusRule, Entry
from platforms.models import NoticeLog, NoticeTemplate
from storefront.demo.roles import MARKETING, sync_role_group
from tests.campaigns.polls.conftest import survey
from tests.campaigns.ugc.conftest import approved_entry, ugc_campaign
from tests.factories import MemberFactory, StaffFactory
from tests.factories.platforms import NoticeGrantFactory, wechat_identity
from tests.steps import wechat_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer():
    user = StaffFactory(nickname="市场部 小林")
    user.groups.add(sync_role_group(MARKETING))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def logged_in_member():
    """A member who opened the mini program (the sandbox's text check knows them)."""
    _client, _openid, login = wechat_login(APIClient())
    return get_user_model().objects.get(pk=login["member"]["id"])


def pending_entry(campaign, **kwargs):
    entry = approved_entry(campaign, images=1, **kwargs)
    Submission.objects.filter(pk=entry.pk).update(status="pending", approved_at=None, verdict="review")
    entry.refresh_from_db()
    return entry


def act(client, action, entries, **extra):
    return client.post(
        reverse("admin:ugc_submission_changelist"),
        {"action": action, "_selected_action": [e.pk for e in entries], **extra},
    )


def test_the_moderation_queue_shows_each_entry_with_its_images_and_verdict(marketer):
    entry = pending_entry(ugc_campaign(), text="喜欢的话加微信聊聊")

    page = marketer.get(reverse("admin:ugc_submission_changelist") + "?status__exact=pending")

    html = page.content.decode()
    assert page.status_code == 200
    assert "喜欢的话加微信聊聊" in html and entry.images.get().thumbnail.url in html
    assert "需人工复核" in html and "待审核" in html


def test_approving_in_bulk_sends_the_notice_and_the_bonus_once(marketer, django_capture_on_commit_callbacks):
    BonusRule.objects.create(kind=BonusRule.Kind.UGC_APPROVED, points=20)
    NoticeTemplate.objects.create(
        platform="wechat", event="ugc_approved", template_id="tpl-ugc", field_map={"thing1": "{campaign}"}
    )
    campaign = ugc_campaign()
    author = MemberFactory()
    wechat_identity(author)
    NoticeGrantFactory(member=author, template_id="tpl-ugc", remaining=2)
    first, second = pending_entry(campaign, member=author), pending_entry(campaign, member=author)

    with django_capture_on_commit_callbacks(execute=True):
        answer = act(marketer, "approve_selected", [first, second])

    assert answer.status_code == 302
    assert set(Submission.objects.values_list("status", flat=True)) == {"approved"}
    assert Submission.objects.get(pk=first.pk).moderated_by == marketer.user
    assert Entry.objects.filter(account__member=author, kind="bonus").count() == 1  # once per campaign
    assert NoticeLog.objects.filter(member=author, event="ugc_approved").count() == 2


def test_rejecting_asks_for_a_reason_that_the_shopper_then_reads(marketer):
    entry = pending_entry(ugc_campaign())

    form = act(marketer, "reject_selected", [entry])
    assert form.status_code == 200 and "驳回原因" in form.content.decode()
    done = act(marketer, "reject_selected", [entry], apply="1", reason="图片与活动主题无关")

    assert done.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.reason, entry.moderated_by) == ("rejected", "图片与活动主题无关", marketer.user)


def test_a_rejected_submitter_gets_the_demos_notice_with_the_reason(marketer, django_capture_on_commit_callbacks):
    from platforms.demo import load_demo, template_id
    from platforms.sandbox.models import SubscribeMessage

    load_demo()
    author = MemberFactory()
    wechat_identity(author)
    NoticeGrantFactory(member=author, template_id=template_id("wechat", "ugc_rejected"), remaining=1)
    entry = pending_entry(ugc_campaign(), member=author)

    with django_capture_on_commit_callbacks(execute=True):
        act(
            marketer, "reject_selected", [entry], apply="1", reason="图片与活动主题无关，请换一张茶席或茶汤的照片再投稿"
        )

    statuses = dict(NoticeLog.objects.filter(member=author, event="ugc_rejected").values_list("platform", "status"))
    assert statuses["wechat"] == NoticeLog.Status.SENT, statuses
    data = SubscribeMessage.objects.get().data
    assert data["phrase2"] == {"value": "未通过"}
    # A thing keyword holds at most 20 characters: the reason is cut to fit, not refused.
    assert data["thing3"]["value"].startswith("图片与活动主题无关") and len(data["thing3"]["value"]) <= 20


def test_featuring_and_choosing_winners_from_the_list(marketer):
    campaign = ugc_campaign(winners_by="marketers")
    best, good = approved_entry(campaign, votes=3), approved_entry(campaign, votes=9)

    act(marketer, "feature_selected", [best])
    act(marketer, "choose_as_winners", [best, good])

    best.refresh_from_db(), good.refresh_from_db()
    assert best.is_featured
    assert (good.rank, best.rank) == (1, 2) and good.won_by == "marketers"


def test_a_marketer_reads_a_polls_results_as_a_chart_and_downloads_them(marketer):
    s = survey()
    for favourite, comment in (("明前龙井", "希望有小包装"), ("明前龙井", ""), ("祁门红茶", "")):
        answers = s.answers(favourite=favourite, comment=comment)
        poll_services.respond(member=logged_in_member(), poll_id=s.poll.pk, answers=answers)
    poll_services.respond(member=MemberFactory(), poll_id=s.poll.pk, answers=s.answers(comment="")[:3])

    page = marketer.get(reverse("admin:polls_poll_results", args=[s.poll.pk]))
    download = marketer.get(reverse("admin:polls_poll_results", args=[s.poll.pk]) + "?format=csv")

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="poll-bar"') == 3 + 3 + 5  # a bar per choice and per rating
    chart = html.split('id="content-main"')[1].split("</svg>")[0]
    assert "明前龙井：3" in chart and "祁门红茶：1" in chart and "<script" not in chart
    assert "希望有小包装" in html
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][2:] == ["你最喜欢哪款春茶？", "什么时候喝茶？", "打个分", "想说的话"]
    assert len(rows) == 1 + 4 and rows[1][2] == "明前龙井"
