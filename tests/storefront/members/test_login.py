"""Login with the code of wx.login / my.getAuthCode, through the platform sandbox.

The last section uses the in-memory fake for what the sandbox cannot produce: a second
WeChat app of the brand (unionid) and counting the calls that reach the platform."""

import pytest
from django.core.cache import cache

from platforms.sandbox import faults
from storefront.members.models import Identity, MemberSource, User
from storefront.throttles import LoginIPThrottle
from tests.storefront.members.conftest import login

pytestmark = pytest.mark.django_db


def test_new_wechat_shopper_gets_a_member_and_a_token(api, sandbox):
    issued = sandbox.wechat_code()

    response = login(api, "wechat", issued["code"])

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"token", "expires_at", "is_new", "member"}
    assert body["is_new"] is True
    assert set(body["member"]) >= {"id", "nickname", "phone_bound"}
    assert body["member"]["phone_bound"] is False
    identity = Identity.objects.get(openid=issued["openid"])
    assert identity.member_id == body["member"]["id"]
    assert identity.platform == "wechat" and identity.app_id


def test_returning_wechat_shopper_gets_the_same_member(api, sandbox):
    issued = sandbox.wechat_code()
    first = login(api, "wechat", issued["code"]).json()

    again = login(api, "wechat", sandbox.wechat_code(openid=issued["openid"])["code"]).json()

    assert again["is_new"] is False
    assert again["member"]["id"] == first["member"]["id"]
    assert again["token"] != first["token"]


def test_new_and_returning_alipay_shopper(api, sandbox):
    issued = sandbox.alipay_code()

    first = login(api, "alipay", issued["code"]).json()
    again = login(api, "alipay", sandbox.alipay_code(user_id=issued["user_id"])["code"]).json()

    assert first["is_new"] is True and again["is_new"] is False
    assert first["member"]["id"] == again["member"]["id"]
    assert Identity.objects.get(member_id=first["member"]["id"]).openid == issued["user_id"]


def test_token_from_login_opens_the_profile(shopper_login):
    client, body = shopper_login()

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["id"] == body["member"]["id"]
    assert response.json()["platforms"] == ["wechat"]


def test_wechat_unionid_is_kept_on_the_identity(shopper_login):
    _, body = shopper_login(unionid="u-brand-7")
    assert Identity.objects.get(member_id=body["member"]["id"]).unionid == "u-brand-7"


def test_new_member_remembers_scene_and_ref_for_attribution(shopper_login):
    _, body = shopper_login(scene="1047", ref="poster-spring")
    source = MemberSource.objects.get(member_id=body["member"]["id"])
    assert (source.platform, source.scene, source.ref) == ("wechat", "1047", "poster-spring")


def test_returning_member_keeps_their_first_attribution(shopper_login):
    _, first = shopper_login(platform="alipay", ref="first-poster")
    shopper_login(platform="alipay", account=first["account"], ref="second-poster")
    assert MemberSource.objects.get(member_id=first["member"]["id"]).ref == "first-poster"


@pytest.mark.parametrize("platform", ["wechat", "alipay"])
def test_the_same_code_used_twice_is_refused(api, sandbox, platform):
    code = (sandbox.wechat_code if platform == "wechat" else sandbox.alipay_code)()["code"]
    assert login(api, platform, code).status_code == 200

    response = login(api, platform, code)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_login_code"


@pytest.mark.parametrize("platform", ["wechat", "alipay"])
def test_the_platform_itself_refuses_a_consumed_code(api, sandbox, platform):
    """Our seen-code guard forgotten (a cache flush): the platform says the code is used."""
    code = (sandbox.wechat_code if platform == "wechat" else sandbox.alipay_code)()["code"]
    login(api, platform, code)
    cache.clear()

    response = login(api, platform, code)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_login_code"


@pytest.mark.parametrize("platform", ["wechat", "alipay"])
def test_forged_code_is_refused(api, sandbox, platform):
    response = login(api, platform, "0" * 32)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_login_code"


@pytest.mark.parametrize("platform", ["wechat", "alipay"])
def test_platform_outage_answers_503_and_the_code_can_be_retried(api, sandbox, platform):
    code = (sandbox.wechat_code if platform == "wechat" else sandbox.alipay_code)()["code"]
    faults.set_fault(platform, "busy", times=None)

    response = login(api, platform, code)

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "platform_unavailable"
    faults.clear_faults()
    assert login(api, platform, code).status_code == 200


def test_missing_code_is_invalid_input(api):
    response = api.post("/api/v1/auth/wechat/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert "code" in response.json()["error"]["fields"]


def test_login_ignores_a_stale_bearer_header(api, sandbox):
    api.credentials(HTTP_AUTHORIZATION="Bearer " + "x" * 64)
    assert login(api, "wechat", sandbox.wechat_code()["code"]).status_code == 200


def test_deactivated_member_cannot_log_in(api, sandbox, shopper_login):
    _, body = shopper_login()
    User.objects.filter(pk=body["member"]["id"]).update(is_active=False)

    response = login(api, "wechat", sandbox.wechat_code(openid=body["account"])["code"])

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "account_closed"


def test_logins_from_one_ip_are_rate_limited(api, sandbox, monkeypatch):
    monkeypatch.setattr(LoginIPThrottle, "rate", "3/min", raising=False)

    statuses = [login(api, "wechat", sandbox.wechat_code()["code"]).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert login(api, "wechat", "x").json()["error"]["code"] == "rate_limited"


def test_one_code_hammered_from_many_ips_is_rate_limited(db):
    from rest_framework.test import APIClient

    statuses = []
    for n in range(5):
        client = APIClient(REMOTE_ADDR=f"10.0.0.{n + 1}")
        response = client.post("/api/v1/auth/wechat/", {"code": "same-code"}, format="json")
        statuses.append(response.status_code)
    assert statuses == [400, 400, 400, 429, 429]
    assert response.json()["error"]["code"] == "rate_limited"


# --- what only the fake platform can show ------------------------------------------------------
def test_unionid_links_two_wechat_apps_of_the_brand_to_one_member(fake_login):
    _, store_app = fake_login(openid="o-store", unionid="u-brand-1")
    _, club_app = fake_login(openid="o-club", unionid="u-brand-1", app_id="wxclubapp000001")

    assert club_app["is_new"] is False
    assert club_app["member"]["id"] == store_app["member"]["id"]
    assert set(Identity.objects.filter(member_id=store_app["member"]["id"]).values_list("app_id", flat=True)) == {
        "wxfake000000001",
        "wxclubapp000001",
    }


def test_different_unionids_stay_different_members(fake_login):
    _, one = fake_login(unionid="u-a")
    _, two = fake_login(unionid="u-b", app_id="wxclubapp000001")
    assert one["member"]["id"] != two["member"]["id"]


def test_a_replayed_code_is_refused_without_asking_the_platform(api, fake_platforms):
    code, _ = fake_platforms["wechat"].issue_login_code()
    assert login(api, "wechat", code).status_code == 200

    response = login(api, "wechat", code)

    assert response.json()["error"]["code"] == "invalid_login_code"
    assert fake_platforms["wechat"].login_calls == 1
