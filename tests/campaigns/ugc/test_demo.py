"""The demo: an active UGC campaign with voting on and approved entries in its gallery, and an
active survey whose results have something to chart; loading twice changes nothing."""

import pytest
from rest_framework.test import APIClient

from campaigns.polls import demo as polls_demo
from campaigns.polls import selectors as poll_selectors
from campaigns.polls.models import Response
from campaigns.ugc import demo as ugc_demo
from campaigns.ugc.models import Submission, SubmissionImage

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_campaign_open_for_entries_and_votes_and_a_poll_with_results():
    ugc_demo.load_demo()
    polls_demo.load_demo()
    ugc_demo.load_demo()
    polls_demo.load_demo()

    api = APIClient()
    campaign = api.get("/api/v1/campaigns/ugc/").json()["results"][0]
    assert campaign["is_open"] and campaign["voting"]["open"] and campaign["entries"] == 3
    gallery = api.get(f"/api/v1/campaigns/ugc/{campaign['id']}/gallery/?ordering=most_voted").json()["results"]
    assert len(gallery) == 3 and all(entry["images"] for entry in gallery)
    assert Submission.objects.count() == 3 and SubmissionImage.objects.count() == 3

    poll = api.get("/api/v1/campaigns/polls/").json()["results"][0]
    assert poll["is_open"] and poll["responses_count"] == Response.objects.count() == 12
    results = poll_selectors.results(Response.objects.first().poll)
    assert sum(c.count for c in results.questions[0].choices) == 12
