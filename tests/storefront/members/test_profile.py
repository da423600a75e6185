"""The member's profile: nickname checked by the platform, birthday, gender, consents."""

import pytest
from django.utils import timezone

from platforms.sandbox import faults
from platforms.sandbox.models import ContentCheck
from platforms.sandbox.wechat_views import risky_words
from storefront.members.models import Consent, User
from tests.factories import IdentityFactory

pytestmark = pytest.mark.django_db


def test_profile_says_whether_the_current_privacy_policy_was_accepted(shopper_login, settings):
    settings.PRIVACY_POLICY_VERSION = "2026-01"
    client, _ = shopper_login()

    profile = client.get("/api/v1/me/").json()

    assert profile["privacy_accepted"] is False
    assert profile["consents"]["current_privacy_version"] == "2026-01"
    assert profile["consents"]["privacy_version"] == ""
    assert profile["consents"]["marketing"] is False


def test_accepting_the_privacy_policy_and_marketing(shopper_login, settings):
    settings.PRIVACY_POLICY_VERSION = "2026-01"
    client, _ = shopper_login()

    response = client.post("/api/v1/me/consents/", {"privacy_version": "2026-01", "marketing": True}, format="json")

    assert response.status_code == 200
    consents = response.json()["consents"]
    assert response.json()["privacy_accepted"] is True
    assert consents["privacy_version"] == "2026-01"
    assert consents["privacy_accepted_at"]
    assert consents["marketing"] is True


def test_a_new_policy_version_asks_the_member_again(shopper_login, settings):
    settings.PRIVACY_POLICY_VERSION = "2026-01"
    client, _ = shopper_login()
    client.post("/api/v1/me/consents/", {"privacy_version": "2026-01"}, format="json")

    settings.PRIVACY_POLICY_VERSION = "2026-07"
    profile = client.get("/api/v1/me/").json()

    assert profile["privacy_accepted"] is False
    assert profile["consents"]["privacy_version"] == "2026-01"


def test_withdrawing_marketing_consent_keeps_the_history(shopper_login):
    client, body = shopper_login()
    client.post("/api/v1/me/consents/", {"marketing": True}, format="json")

    response = client.post("/api/v1/me/consents/", {"marketing": False}, format="json")

    assert response.json()["consents"]["marketing"] is False
    assert Consent.objects.filter(member_id=body["member"]["id"], kind="marketing").count() == 2


def test_accepting_an_outdated_policy_version_is_refused(shopper_login, settings):
    settings.PRIVACY_POLICY_VERSION = "2026-07"
    client, _ = shopper_login()
    response = client.post("/api/v1/me/consents/", {"privacy_version": "2026-01"}, format="json")
    assert response.status_code == 400
    assert "privacy_version" in response.json()["error"]["fields"]


def test_empty_consent_request_is_invalid(shopper_login):
    client, _ = shopper_login()
    assert client.post("/api/v1/me/consents/", {}, format="json").status_code == 400


def test_nickname_that_passes_the_wechat_check_is_saved(shopper_login):
    client, body = shopper_login()

    response = client.patch("/api/v1/me/", {"nickname": "爱喝茶的猫"}, format="json")

    assert response.status_code == 200
    assert response.json()["nickname"] == "爱喝茶的猫"
    check = ContentCheck.objects.get()
    assert (check.content, check.openid, check.suggest) == ("爱喝茶的猫", body["account"], "pass")


def test_the_check_uses_the_account_in_this_mini_program_not_the_brands_other_app(shopper_login):
    client, body = shopper_login()
    member = User.objects.get(pk=body["member"]["id"])
    # The member's account in the brand's club app (same unionid), used more recently.
    IdentityFactory(member=member, openid="o-club", app_id="wxclubapp000001", last_login_at=timezone.now())

    response = client.patch("/api/v1/me/", {"nickname": "爱喝茶的猫"}, format="json")

    assert response.status_code == 200
    assert ContentCheck.objects.get().openid == body["account"]


def test_risky_nickname_is_refused_and_not_saved(shopper_login):
    client, _ = shopper_login()
    risky = f"买{risky_words()[0]}"

    response = client.patch("/api/v1/me/", {"nickname": risky}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "content_risky"
    assert client.get("/api/v1/me/").json()["nickname"] != risky


def test_alipay_member_nickname_goes_to_alipays_check(shopper_login):
    client, _ = shopper_login(platform="alipay")

    accepted = client.patch("/api/v1/me/", {"nickname": "支付宝茶友"}, format="json")
    refused = client.patch("/api/v1/me/", {"nickname": f"卖{risky_words()[0]}"}, format="json")

    assert accepted.status_code == 200
    assert refused.json()["error"]["code"] == "content_risky"
    assert not ContentCheck.objects.exists()  # nothing went to WeChat


def test_a_member_who_never_logged_in_to_this_mini_program_is_told_to_log_in_first(api):
    from knox.models import AuthToken

    from tests.factories import MemberFactory

    # One member created by staff, with no platform account; one known only from the brand's
    # club app (another appid, same unionid): WeChat has no openid of this app to check against.
    staff_made = MemberFactory(nickname="老顾客")
    club_only = MemberFactory(nickname="俱乐部会员")
    IdentityFactory(member=club_only, openid="o-club-only", app_id="wxclubapp000001")
    for member in (staff_made, club_only):
        _instance, token = AuthToken.objects.create(user=member)
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

        response = api.patch("/api/v1/me/", {"nickname": "爱喝茶的猫"}, format="json")

        assert response.status_code == 409, response.content
        assert response.json()["error"]["code"] == "app_login_required"
        member.refresh_from_db()
        assert member.nickname != "爱喝茶的猫"
        # Birthday and gender need no content check and still change.
        changed = api.patch("/api/v1/me/", {"gender": "female"}, format="json")
        assert changed.status_code == 200 and changed.json()["gender"] == "female"
    assert not ContentCheck.objects.exists()  # nothing was sent to WeChat


def test_content_check_outage_answers_503(shopper_login):
    client, _ = shopper_login()
    faults.set_fault("wechat", "busy", times=None)
    response = client.patch("/api/v1/me/", {"nickname": "anything"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "platform_unavailable"


def test_birthday_and_gender_change_without_a_content_check(shopper_login):
    client, _ = shopper_login()

    response = client.patch("/api/v1/me/", {"birthday": "1990-05-01", "gender": "female"}, format="json")

    assert response.status_code == 200
    assert response.json()["birthday"] == "1990-05-01"
    assert response.json()["gender"] == "female"
    assert not ContentCheck.objects.exists()


def test_nickname_under_review_is_refused_too(fake_login, fake_platforms):
    """Fake platform: the sandbox answers only pass or risky."""
    client, _ = fake_login()
    fake_platforms["wechat"].verdict = "review"
    response = client.patch("/api/v1/me/", {"nickname": "maybe"}, format="json")
    assert response.json()["error"]["code"] == "content_risky"


@pytest.mark.parametrize(
    "change",
    [{"birthday": "2999-01-01"}, {"gender": "robot"}, {"nickname": "   "}, {"nickname": "x" * 65}],
)
def test_bad_profile_values_are_refused(shopper_login, change):
    client, _ = shopper_login()
    response = client.patch("/api/v1/me/", change, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert set(response.json()["error"]["fields"]) == set(change)


def test_profile_needs_a_token(api):
    assert api.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("consents", [0, 10])
def test_profile_query_count_does_not_grow_with_consent_history(
    member, member_api, consents, django_assert_num_queries
):
    for n in range(consents):
        Consent.objects.create(member=member, kind="marketing" if n % 2 else "privacy", version="2026-01", granted=True)
    # token + user, latest privacy consent, latest marketing consent, platforms
    with django_assert_num_queries(4):
        assert member_api.get("/api/v1/me/").status_code == 200
