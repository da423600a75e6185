"""Shoppers answer polls and surveys through the API: once each, within the dates and the
quota, every answer fitting its question, written answers through the platform's text check;
afterwards they see the results."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.polls.models import Answer, Poll, Response
from loyalty.models import BonusRule, Entry
from tests.campaigns.polls.conftest import survey
from tests.conftest import client_for
from tests.factories import MemberFactory
from tests.steps import wechat_login

pytestmark = pytest.mark.django_db


def respond(client, poll, answers):
    return client.post(f"/api/v1/campaigns/polls/{poll.pk}/responses/", {"answers": answers}, format="json")


@pytest.fixture
def shopper():
    """A shopper logged in through the sandbox, so its text check knows them."""
    client, _openid, login = wechat_login(APIClient())
    return client, get_user_model().objects.get(pk=login["member"]["id"])


def test_a_shopper_answers_a_survey_once_sees_the_results_and_gets_the_bonus(
    shopper, django_capture_on_commit_callbacks
):
    BonusRule.objects.create(kind=BonusRule.Kind.POLL_ANSWERED, points=10)
    s = survey()
    client, member = shopper

    with django_capture_on_commit_callbacks(execute=True):
        first = respond(client, s.poll, s.answers(when=("早上", "晚上"), comment="希望有小包装"))
    second = respond(client, s.poll, s.answers())

    assert first.status_code == 201, first.json()
    assert (second.status_code, second.json()["error"]["code"]) == (409, "already_answered")
    assert Response.objects.filter(poll=s.poll).count() == 1
    assert Answer.objects.filter(response__member=member).count() == 5  # 1 + 2 choices + rating + text
    s.poll.refresh_from_db()
    assert s.poll.responses_count == 1
    assert Entry.objects.filter(account__member=member, kind="bonus", delta=10).count() == 1
    detail = client.get(f"/api/v1/campaigns/polls/{s.poll.pk}/").json()
    assert detail["answered"] is True
    favourite = next(q for q in detail["results"] if q["id"] == s.favourite.pk)
    assert {c["text"]: c["share"] for c in favourite["choices"]} == {"明前龙井": 1.0, "祁门红茶": 0.0, "白毫银针": 0.0}


def test_the_results_stay_hidden_until_the_shopper_has_answered(api):
    s = survey()
    detail = client_for(MemberFactory()).get(f"/api/v1/campaigns/polls/{s.poll.pk}/").json()
    assert detail["results"] is None and len(detail["questions"]) == 4
    assert [p["id"] for p in api.get("/api/v1/campaigns/polls/").json()["results"]] == [s.poll.pk]


def test_a_risky_written_answer_is_refused_and_nothing_is_written(shopper):
    s = survey()
    client, _member = shopper

    response = respond(client, s.poll, s.answers(comment="可以代开发票吗"))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "content_risky"
    assert response.json()["error"]["risky_words"] == ["代开发票"]
    assert Response.objects.count() == 0 and Answer.objects.count() == 0
    assert Poll.objects.get().responses_count == 0


def test_answers_that_do_not_fit_their_questions_are_refused_with_the_question_named():
    s = survey()
    other = survey(title="另一份")
    client = client_for(MemberFactory())
    answers = s.answers()
    answers[0]["choices"] = [s.choice(s.favourite, "明前龙井"), s.choice(s.favourite, "祁门红茶")]  # single choice
    answers[1]["choices"] = [other.choice(other.when, "早上")]  # a choice of another poll
    answers[2]["rating"] = 9  # out of 1..5

    response = respond(client, s.poll, answers)

    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_answers"
    assert set(response.json()["error"]["fields"]) == {
        f"answers.{s.favourite.pk}",
        f"answers.{s.when.pk}",
        f"answers.{s.rating.pk}",
    }
    missing = respond(client, s.poll, [{"question": s.comment.pk, "text": "只写了这个"}])
    assert missing.json()["error"]["fields"][f"answers.{s.favourite.pk}"] == "required"
    assert Response.objects.count() == 0


def test_a_closed_or_full_poll_takes_no_answers():
    past = timezone.now() - dt.timedelta(days=30)
    ended = survey(starts_at=past, ends_at=past + dt.timedelta(days=3))
    full = survey(quota=1)
    respond(client_for(MemberFactory()), full.poll, full.answers())
    client = client_for(MemberFactory())

    answers = [respond(client, ended.poll, ended.answers()), respond(client, full.poll, full.answers())]
    unknown = client.post("/api/v1/campaigns/polls/999999/responses/", {"answers": []}, format="json")

    assert [(r.status_code, r.json()["error"]["code"]) for r in answers] == [(409, "poll_closed"), (409, "poll_full")]
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "poll_not_found")
    assert Response.objects.filter(poll=ended.poll).count() == 0
    assert Response.objects.filter(poll=full.poll).count() == 1
