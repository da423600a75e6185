"""A member's entries, votes and poll answers are in their personal data export, and go when
they erase their data (the photos' files too); their choices stay in a poll's results."""

import os

import pytest

from campaigns.polls import services as poll_services
from campaigns.polls.models import Answer, Response
from campaigns.ugc import services
from campaigns.ugc.models import Submission, Vote
from storefront.members import privacy
from tests.campaigns.polls.conftest import survey
from tests.campaigns.ugc.conftest import approved_entry, ugc_campaign
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_with_campaign_data(monkeypatch):
    from platforms.base import TextVerdict

    monkeypatch.setattr("campaigns.ugc.content.check_text", lambda *, member, text: ("wechat", TextVerdict("pass")))
    campaign = ugc_campaign()
    member = MemberFactory()
    entry = approved_entry(campaign, member, text="我的春茶", images=1)
    liked = approved_entry(campaign)
    services.cast_vote(member=member, submission_id=liked.pk)
    s = survey()
    poll_services.respond(member=member, poll_id=s.poll.pk, answers=s.answers(comment="希望有小包装"))
    return member, entry, liked


def test_the_export_holds_the_members_entries_votes_and_answers(member_with_campaign_data):
    member, entry, liked = member_with_campaign_data

    data = privacy.export_personal_data(member=member)

    assert [s["text"] for s in data["ugc_submissions"]] == ["我的春茶"]
    assert data["ugc_submissions"][0]["consent_text"] == entry.consent_text
    assert [v["submission"] for v in data["ugc_votes"]] == [liked.pk]
    texts = [a["text"] for a in data["poll_responses"][0]["answers"] if a["text"]]
    assert texts == ["希望有小包装"]


def test_erasing_removes_entries_photos_votes_and_written_answers(
    member_with_campaign_data, django_capture_on_commit_callbacks
):
    member, entry, liked = member_with_campaign_data
    photo = entry.images.get().image.path
    assert os.path.exists(photo)

    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_member(member=member, confirm=True)

    assert not Submission.objects.filter(pk=entry.pk).exists() and not os.path.exists(photo)
    assert Vote.objects.count() == 0 and Submission.objects.get(pk=liked.pk).vote_count == 0
    assert Response.objects.filter(member=member).count() == 1  # still counted in the results
    assert not Answer.objects.filter(response__member=member).exclude(text="").exists()
