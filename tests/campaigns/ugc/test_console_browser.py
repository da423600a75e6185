"""A moderator in a real browser (Debian's Chromium driven by Playwright): the queue shows an
entry held for review with its photo; she approves it and it reaches the gallery; she rejects
another with a reason, which the shopper then reads. A marketer opens a poll's results and
sees its chart, drawn on the server as inline SVG (no script, nothing from the network). The
browser comes from tests/browser.py (skipped where Chromium is missing, failed under CI)."""

import pytest
from rest_framework.test import APIClient

from campaigns.polls import services as poll_services
from campaigns.ugc.models import Submission
from storefront.demo.roles import MARKETING, sync_role_group
from tests.campaigns.polls.conftest import survey
from tests.campaigns.ugc.conftest import approved_entry, ugc_campaign
from tests.conftest import client_for
from tests.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)


def held_for_review(campaign, member, text):
    entry = approved_entry(campaign, member, text=text, images=1)
    Submission.objects.filter(pk=entry.pk).update(status="pending", approved_at=None, verdict="review")
    return entry


def log_in(page, live_server):
    moderator = StaffFactory(username="xiaolin", nickname="市场部 小林", password="pass-123456")
    moderator.groups.add(sync_role_group(MARKETING))
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "xiaolin")
    page.fill("#id_password", "pass-123456")
    page.click("[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return moderator


def run_action(page, entry, action):
    row = page.locator("#result_list tr").filter(has_text=f"#{entry.pk} ")
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def test_a_moderator_approves_one_entry_and_rejects_another_with_a_reason(live_server, browser_page):
    page = browser_page
    campaign = ugc_campaign(publish_on_pass=False)
    shopper = MemberFactory()
    good = held_for_review(campaign, shopper, "明前龙井，豆香十足")
    off_topic = held_for_review(campaign, shopper, "和茶无关的照片")
    log_in(page, live_server)

    page.goto(f"{live_server.url}/admin/ugc/submission/?status__exact=pending")
    queue = page.inner_text("#result_list")
    assert "明前龙井，豆香十足" in queue and "需人工复核" in queue
    thumbnail = page.locator("#result_list img").first
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")  # the photo really loads

    run_action(page, good, "approve_selected")
    page.wait_for_selector("text=已通过 1 篇投稿")
    run_action(page, off_topic, "reject_selected")
    page.wait_for_selector("#reject-form")
    page.fill("#id_reason", "照片与活动主题无关")
    page.click("#reject-form [type=submit]")
    page.wait_for_selector("text=已驳回 1 篇投稿")

    assert dict(Submission.objects.values_list("pk", "status")) == {good.pk: "approved", off_topic.pk: "rejected"}
    gallery = APIClient().get(f"/api/v1/campaigns/ugc/{campaign.pk}/gallery/").json()["results"]
    assert [e["id"] for e in gallery] == [good.pk]
    mine = client_for(shopper).get("/api/v1/campaigns/me/submissions/").json()["results"]
    assert {e["id"]: e["reason"] for e in mine}[off_topic.pk] == "照片与活动主题无关"
    assert page.outside_requests == [] and page.csp_violations == []
    page.screenshot(path="/tmp/ugc-console-moderation.png", full_page=True)


def test_a_marketer_sees_a_polls_results_as_a_chart(live_server, browser_page, monkeypatch):
    from platforms.base import TextVerdict

    monkeypatch.setattr("campaigns.ugc.content.check_text", lambda *, member, text: ("wechat", TextVerdict("pass")))
    page = browser_page
    s = survey()
    for favourite in ("明前龙井", "明前龙井", "祁门红茶"):
        poll_services.respond(member=MemberFactory(), poll_id=s.poll.pk, answers=s.answers(favourite=favourite))
    log_in(page, live_server)

    page.goto(f"{live_server.url}/admin/polls/poll/")
    page.click("text=查看结果")
    page.wait_for_selector("svg.poll-chart")

    assert page.inner_text("#poll-responses") == "3"
    bars = page.locator(f"#question-{s.favourite.pk} rect.poll-bar")
    assert bars.count() == 3
    widths = [float(bars.nth(i).get_attribute("width")) for i in range(3)]
    assert widths[0] == 2 * widths[1] > 0 and widths[2] == 0  # 2 votes, 1 vote, none
    assert page.locator(f"#question-{s.favourite.pk} svg").bounding_box()["height"] > 0
    assert page.outside_requests == [] and page.csp_violations == []
    page.screenshot(path="/tmp/polls-console-results.png", full_page=True)
