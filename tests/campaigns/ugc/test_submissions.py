"""Shoppers send entries to a UGC campaign through the API; the sandbox's content checks judge
them: one passes into the gallery, one is held for a moderator, one is rejected with the words
the check judged risky. Bad input is refused with a stable code and leaves nothing behind."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaigns.ugc import selectors
from campaigns.ugc.models import ImageCheck, Submission, SubmissionImage
from loyalty.models import BonusRule, Entry
from platforms.sandbox.models import ContentCheck
from tests.campaigns.ugc.conftest import gps_exif, jpeg_bytes, jpeg_upload, ugc_campaign

pytestmark = pytest.mark.django_db


def media_files(settings) -> list[str]:
    found = []
    for folder, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found += [os.path.join(folder, name) for name in files]
    return found


def test_an_entry_that_passes_both_checks_goes_straight_to_the_gallery_with_its_bonus(shopper, committed):
    BonusRule.objects.create(kind=BonusRule.Kind.UGC_APPROVED, points=20)
    campaign = ugc_campaign(publish_on_pass=True)
    alice = shopper()

    with committed():  # the sandbox pushes the image verdict once the call is answered
        response = alice.submit(campaign, text="明前龙井，豆香十足", images=[jpeg_upload()])

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] in ("pending", "approved")  # the answer may precede the push
    submission = Submission.objects.get(pk=body["id"])
    assert (submission.status, submission.verdict) == ("approved", "pass")
    assert submission.consent_text == campaign.consent_text and submission.consented_at
    gallery = alice.client.get(f"/api/v1/campaigns/ugc/{campaign.pk}/gallery/").json()
    assert [entry["id"] for entry in gallery["results"]] == [submission.pk]
    assert Entry.objects.filter(account__member=alice.member, kind="bonus", delta=20).count() == 1
    check = ContentCheck.objects.get(kind="text")
    assert (check.openid, check.content) == (alice.openid, "明前龙井，豆香十足")


def test_an_entry_the_text_check_wants_a_person_to_see_waits_in_the_moderation_queue(shopper, committed):
    campaign = ugc_campaign(publish_on_pass=True)
    bob = shopper()

    with committed():
        response = bob.submit(campaign, text="喜欢的话加微信聊聊", images=[jpeg_upload()])

    assert response.status_code == 201
    submission = Submission.objects.get(pk=response.json()["id"])
    assert (submission.status, submission.verdict, submission.text_verdict) == ("pending", "review", "review")
    assert list(selectors.moderation_queue()) == [submission]
    assert bob.client.get(f"/api/v1/campaigns/ugc/{campaign.pk}/gallery/").json()["results"] == []


def test_an_entry_with_risky_words_is_rejected_with_the_words_the_check_named(shopper):
    campaign = ugc_campaign(submissions_per_member=1)
    carol = shopper()

    response = carol.submit(campaign, text="本店可以代开发票", images=[jpeg_upload()])

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["check"], body["risky_words"]) == ("rejected", "risky", ["代开发票"])
    assert "代开发票" in body["reason"]
    assert body["images"] == [] and SubmissionImage.objects.count() == 0
    # A rejected entry does not use up the member's one entry.
    again = carol.submit(campaign, text="明前龙井，豆香十足")
    assert again.status_code == 201 and again.json()["status"] in ("pending", "approved")


def test_a_campaign_that_moderates_everything_holds_an_entry_that_passed(shopper, committed):
    campaign = ugc_campaign(publish_on_pass=False)
    dave = shopper()

    with committed():
        response = dave.submit(campaign, text="周末泡一壶红茶", images=[jpeg_upload()])

    submission = Submission.objects.get(pk=response.json()["id"])
    assert (submission.status, submission.verdict) == ("pending", "pass")


def test_an_image_the_platform_judges_risky_rejects_the_entry(shopper, committed, monkeypatch):
    from platforms.sandbox import wechat_views

    monkeypatch.setattr(wechat_views, "RISKY_IMAGE_MARKER", "/ugc/")  # every UGC image is judged risky
    campaign = ugc_campaign()
    erin = shopper()

    with committed():
        response = erin.submit(campaign, text="好茶", images=[jpeg_upload()])

    submission = Submission.objects.get(pk=response.json()["id"])
    assert (submission.status, submission.verdict) == ("rejected", "risky")
    assert submission.reason == "内容未通过平台安全检测"
    assert ImageCheck.objects.get().suggest == "risky"


def test_images_are_re_encoded_without_their_exif_under_random_names_with_thumbnails(shopper, committed, settings):
    settings.UGC_IMAGE_SIZE, settings.UGC_THUMBNAIL_SIZE = 800, 200
    campaign = ugc_campaign()
    frank = shopper()
    photo = SimpleUploadedFile(
        "IMG_0001 home.jpg", jpeg_bytes(size=(1600, 1200), exif=gps_exif()), content_type="image/jpeg"
    )

    with committed():
        response = frank.submit(campaign, text="", images=[photo])

    assert response.status_code == 201
    image = SubmissionImage.objects.get()
    assert "IMG_0001" not in image.image.name and image.image.name.endswith(".jpg")
    with Image.open(image.image.path) as stored:
        assert stored.format == "JPEG" and max(stored.size) == 800
        assert not stored.getexif() and "exif" not in stored.info
    with Image.open(image.thumbnail.path) as thumbnail:
        assert max(thumbnail.size) == 200
    listed = response.json()["images"][0]
    assert listed["thumbnail"].startswith("http") and listed["url"].startswith("http")


def png_bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # a few kilobytes, 400 million pixels
    return out.getvalue()


def noisy_jpeg() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3)).save(out, "JPEG", quality=95)
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    "upload, code",
    [
        (lambda: SimpleUploadedFile("a.jpg", b"not an image at all", content_type="image/jpeg"), "invalid_image"),
        (lambda: SimpleUploadedFile("a.jpg", jpeg_bytes()[:40], content_type="image/jpeg"), "invalid_image"),
        (lambda: SimpleUploadedFile("a.jpg", gif_bytes(), content_type="image/jpeg"), "invalid_image"),
        (
            lambda: SimpleUploadedFile(
                "a.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', content_type="image/jpeg"
            ),
            "invalid_image",
        ),
        (lambda: SimpleUploadedFile("a.png", png_bomb(), content_type="image/png"), "image_too_large"),
        (lambda: SimpleUploadedFile("a.jpg", noisy_jpeg(), content_type="image/jpeg"), "image_too_large"),
    ],
    ids=["not_an_image", "truncated_jpeg", "gif_named_jpg", "svg_named_jpg", "decompression_bomb", "oversized"],
)
def test_a_bad_upload_is_refused_and_nothing_is_written(shopper, settings, upload, code):
    settings.UGC_IMAGE_MAX_BYTES = 20_000  # the noisy photo is larger than this
    campaign = ugc_campaign()
    gina = shopper()

    response = gina.submit(campaign, text="好茶", images=[upload()])

    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == code
    assert Submission.objects.count() == 0 and media_files(settings) == []
    assert ContentCheck.objects.count() == 0  # refused before the platform was asked


def test_entries_outside_the_rules_are_refused_with_their_codes(shopper):
    import datetime as dt

    from django.utils import timezone

    past = timezone.now() - dt.timedelta(days=30)
    ended = ugc_campaign(starts_at=past, ends_at=past + dt.timedelta(days=7))
    one_each = ugc_campaign(submissions_per_member=1, max_images=1)
    henry = shopper()

    after_deadline = henry.submit(ended, text="好茶")
    without_consent = henry.submit(one_each, text="好茶", consent=False)
    too_many_images = henry.submit(one_each, text="好茶", images=[jpeg_upload(), jpeg_upload()])
    empty = henry.submit(one_each, text="")
    first = henry.submit(one_each, text="好茶")
    beyond_limit = henry.submit(one_each, text="又一篇")
    unknown = henry.client.post(
        "/api/v1/campaigns/ugc/999999/submissions/", {"text": "x", "consent": "true"}, format="multipart"
    )

    answers = [after_deadline, without_consent, too_many_images, empty, beyond_limit, unknown]
    assert [(r.status_code, r.json()["error"]["code"]) for r in answers] == [
        (409, "submissions_closed"),
        (400, "consent_required"),
        (400, "too_many_images"),
        (400, "empty_submission"),
        (409, "submission_limit_reached"),
        (404, "ugc_campaign_not_found"),
    ]
    assert first.status_code == 201
    assert Submission.objects.filter(member=henry.member).count() == 1


def test_a_shopper_must_be_logged_in_to_send_an_entry(api):
    campaign = ugc_campaign()
    response = api.post(
        f"/api/v1/campaigns/ugc/{campaign.pk}/submissions/", {"text": "x", "consent": "true"}, format="multipart"
    )
    assert response.status_code == 401


def test_an_alipay_shoppers_entry_goes_through_alipays_text_check_and_its_images_wait_for_a_person():
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from tests.campaigns.ugc.conftest import Shopper
    from tests.steps import alipay_login

    client, user_id, login = alipay_login(APIClient())
    ivy = Shopper(client, get_user_model().objects.get(pk=login["member"]["id"]), user_id)
    campaign = ugc_campaign(publish_on_pass=True)

    risky = ivy.submit(campaign, text="可以代开发票吗")
    held = ivy.submit(campaign, text="支付宝上也能投稿", images=[jpeg_upload()])

    assert (risky.json()["status"], risky.json()["risky_words"]) == ("rejected", ["代开发票"])
    submission = Submission.objects.get(pk=held.json()["id"])
    assert (submission.platform, submission.status, submission.verdict) == ("alipay", "pending", "review")
    assert SubmissionImage.objects.get().verdict == "review"  # Alipay has no image check
