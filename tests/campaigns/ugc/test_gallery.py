"""The gallery shows approved entries only, newest (featured first) or most voted, with the
caller's own votes marked; `me/submissions` shows the caller's entries and nobody else's; a page
costs the same queries whatever its size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.ugc import services
from campaigns.ugc.models import Submission
from tests.campaigns.ugc.conftest import approved_entry, ugc_campaign
from tests.conftest import client_for
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_gallery_shows_approved_entries_newest_with_featured_first_or_most_voted(api):
    campaign = ugc_campaign()
    old = approved_entry(campaign, text="旧的", votes=8)
    featured = approved_entry(campaign, text="精选", votes=1)
    new = approved_entry(campaign, text="新的", votes=3)
    services.feature(submissions=[featured])
    hidden = approved_entry(campaign, text="待审核")
    Submission.objects.filter(pk=hidden.pk).update(status="pending")

    newest = api.get(f"/api/v1/campaigns/ugc/{campaign.pk}/gallery/").json()["results"]
    voted = api.get(f"/api/v1/campaigns/ugc/{campaign.pk}/gallery/?ordering=most_voted").json()["results"]

    assert [e["text"] for e in newest] == ["精选", "新的", "旧的"]
    assert [e["id"] for e in voted] == [old.pk, new.pk, featured.pk]
    assert "phone" not in newest[0] and newest[0]["author"]


def test_the_gallery_marks_the_entries_the_caller_voted_for():
    campaign = ugc_campaign()
    liked, other = approved_entry(campaign), approved_entry(campaign)
    member = MemberFactory()
    services.cast_vote(member=member, submission_id=liked.pk)

    results = client_for(member).get(f"/api/v1/campaigns/ugc/{campaign.pk}/gallery/").json()["results"]

    assert {e["id"]: e["voted"] for e in results} == {liked.pk: True, other.pk: False}


def test_a_campaign_shows_its_leaderboard_and_how_many_entries_the_caller_has_left():
    campaign = ugc_campaign(submissions_per_member=2)
    member = MemberFactory()
    approved_entry(campaign, member, votes=2)
    leader = approved_entry(campaign, votes=7)

    body = client_for(member).get(f"/api/v1/campaigns/ugc/{campaign.pk}/").json()

    assert body["entries_left"] == 1
    assert [row["id"] for row in body["leaderboard"]][0] == leader.pk
    assert body["voting"]["open"] is True and body["is_open"] is True


def test_my_submissions_shows_only_mine_with_the_reason_of_a_rejection():
    campaign = ugc_campaign()
    me, someone = MemberFactory(), MemberFactory()
    mine = approved_entry(campaign, me)
    rejected = approved_entry(campaign, me, text="第二篇")
    services.reject(submissions=[rejected], staff=None, reason="图片与主题无关")
    approved_entry(campaign, someone, text="别人的")

    results = client_for(me).get("/api/v1/campaigns/me/submissions/").json()["results"]

    assert {(e["id"], e["status"], e["reason"]) for e in results} == {
        (mine.pk, "approved", ""),
        (rejected.pk, "rejected", "图片与主题无关"),
    }


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["ugc/{campaign}/gallery/", "me/submissions/", "ugc/"])
def test_a_page_costs_the_same_queries_whatever_its_size(path):
    member = MemberFactory()
    campaign = ugc_campaign()
    for _ in range(2):
        approved_entry(campaign, member, images=2)
        ugc_campaign()
    client = client_for(member)
    url = "/api/v1/campaigns/" + path.format(campaign=campaign.pk)
    small = queries_of(client, url + "?page_size=2")

    campaign.submissions_per_member = 20
    campaign.save()
    for _ in range(8):
        approved_entry(campaign, member, images=2)
        ugc_campaign()
    services.cast_vote(member=MemberFactory(), submission_id=Submission.objects.first().pk)
    large = queries_of(client, url + "?page_size=10")

    assert large == small
