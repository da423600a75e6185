"""WeChat's image check answers with a trace id and pushes its verdict later, and the push can
arrive before the call's answer is stored. Either way round the entry gets its verdict, once.

These run with real commits (transaction=True): the sandbox pushes when its own write commits,
so with no transaction around the call the push arrives while the call is still answering.
"""

import pytest

from campaigns.ugc import services
from campaigns.ugc.models import ImageCheck, Submission, SubmissionImage
from platforms.sandbox import delivery, faults
from tests.campaigns.ugc.conftest import jpeg_upload, ugc_campaign

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def traces(monkeypatch):
    """Whether the verdict was already in when the call's trace id was recorded, per call."""
    seen = []
    record = services.record_image_trace

    def spy(*, image_id, trace_id):
        seen.append(ImageCheck.objects.filter(trace_id=trace_id).exclude(suggest="").exists())
        return record(image_id=image_id, trace_id=trace_id)

    monkeypatch.setattr(services, "record_image_trace", spy)
    return seen


def test_a_push_that_arrives_before_the_trace_id_is_stored_still_approves_the_entry(shopper, traces):
    campaign = ugc_campaign(publish_on_pass=True)
    alice = shopper()

    response = alice.submit(campaign, text="明前龙井", images=[jpeg_upload()])

    assert traces == [True]  # the verdict was in first
    assert response.status_code == 201 and response.json()["status"] == "approved"
    image = SubmissionImage.objects.get()
    check = ImageCheck.objects.get()
    assert (check.image_id, check.suggest, image.trace_id, image.verdict) == (image.pk, "pass", check.trace_id, "pass")


def test_a_push_that_arrives_after_the_entry_is_stored_approves_it_then(shopper, traces):
    campaign = ugc_campaign(publish_on_pass=True)
    bob = shopper()
    faults.set_fault("wechat", "delayed_notification")

    response = bob.submit(campaign, text="祁门红茶", images=[jpeg_upload()])

    assert traces == [False]
    assert response.json()["status"] == "pending" and response.json()["check"] == "checking"
    assert delivery.flush() == 1  # WeChat's push comes now
    submission = Submission.objects.get(pk=response.json()["id"])
    assert (submission.status, submission.verdict) == ("approved", "pass")


def test_a_push_sent_twice_is_recorded_once(shopper):
    campaign = ugc_campaign(publish_on_pass=True)
    carol = shopper()
    faults.set_fault("wechat", "duplicate_notification")

    response = carol.submit(campaign, text="白毫银针", images=[jpeg_upload()])

    assert response.json()["status"] == "approved"
    assert ImageCheck.objects.count() == 1
    assert services.record_image_verdict(trace_id=ImageCheck.objects.get().trace_id, suggest="risky") is False
    assert Submission.objects.get().status == "approved"


def test_an_entry_with_two_images_waits_for_both_verdicts(shopper):
    campaign = ugc_campaign(publish_on_pass=True)
    dave = shopper()
    faults.set_fault("wechat", "delayed_notification", times=2)

    response = dave.submit(campaign, text="两张照片", images=[jpeg_upload(), jpeg_upload()])

    first, second = ImageCheck.objects.order_by("pk")
    services.record_image_verdict(trace_id=first.trace_id, suggest="pass")
    assert Submission.objects.get().verdict == "checking"
    services.record_image_verdict(trace_id=second.trace_id, suggest="pass")
    assert Submission.objects.get(pk=response.json()["id"]).status == "approved"
