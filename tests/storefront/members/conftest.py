"""Fixtures of the member tests.

Shoppers log in through the platform sandbox (`shopper_login`, `sandbox`): the real
adapters speak the platforms' protocols to the emulated WeChat and Alipay. The in-memory
fake (`fake_platforms`, `fake_login`) is kept only for what the sandbox cannot produce:
several WeChat apps of one brand (unionid), exact platform call counts, a "review" verdict
on demand, and threads racing inside one test process."""

import pytest
from rest_framework.test import APIClient

from platforms import base as platforms
from platforms.sandbox import faults
from tests.storefront.members.fakes import FakeMiniProgram


def login(api, platform, code, **extra):
    return api.post(f"/api/v1/auth/{platform}/", {"code": code, **extra}, format="json")


def client_with_token(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- the sandbox ------------------------------------------------------------------------------
class Sandbox:
    """The shopper's phone, as the sandbox's control endpoints stand in for it."""

    def __init__(self):
        self.client = APIClient()

    def _post(self, path, data):
        response = self.client.post(path, data, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    def wechat_code(self, **user):
        """{"code", "openid"}: a wx.login code (a new WeChat user without openid)."""
        return self._post("/sandbox/wechat/login-code/", user)

    def alipay_code(self, **user):
        """{"code", "user_id", "open_id"}: a my.getAuthCode code (a new Alipay user without user_id)."""
        return self._post("/sandbox/alipay/login-code/", user)

    def wechat_phone_code(self, openid, phone):
        return self._post("/sandbox/wechat/phone-code/", {"openid": openid, "phone": phone})["code"]

    def alipay_phone_response(self, user_id, phone=""):
        return self._post("/sandbox/alipay/phone-response/", {"user_id": user_id, "phone": phone})["response"]

    def phone_body(self, platform, account, phone):
        """The body of POST me/phone/ for that platform account."""
        if platform == "wechat":
            return {"code": self.wechat_phone_code(account, phone)}
        return {"response": self.alipay_phone_response(account, phone)}


@pytest.fixture
def sandbox(db):
    platforms.reset_platform_clients()
    yield Sandbox()
    faults.clear_faults()
    platforms.reset_platform_clients()


@pytest.fixture
def shopper_login(api, sandbox):
    """Logs a shopper in through the sandbox and the API; returns (client, body) where body is
    the login answer plus "account": the WeChat openid or Alipay user id."""

    def do(platform="wechat", account=None, unionid="", **extra):
        if platform == "wechat":
            issued = sandbox.wechat_code(**{k: v for k, v in (("openid", account), ("unionid", unionid)) if v})
            code, account = issued["code"], issued["openid"]
        else:
            issued = sandbox.alipay_code(**({"user_id": account} if account else {}))
            code, account = issued["code"], issued["user_id"]
        response = login(api, platform, code, **extra)
        assert response.status_code == 200, response.json()
        return client_with_token(response.json()["token"]), {**response.json(), "account": account}

    return do


# --- the fake -----------------------------------------------------------------------------------
@pytest.fixture
def fake_platforms(monkeypatch):
    """Replaces both mini program platforms with in-memory fakes."""
    fakes = {
        "wechat": FakeMiniProgram("wechat", "wxfake000000001"),
        "alipay": FakeMiniProgram("alipay", "2021fake0001"),
    }
    for name, fake in fakes.items():
        monkeypatch.setitem(platforms._instances, ("miniprogram", name), fake)
    return fakes


@pytest.fixture
def fake_login(api, fake_platforms):
    """Logs a shopper in through the API with a fake code; returns (client, login answer)."""

    def do(platform="wechat", openid=None, unionid="", app_id=None, **extra):
        code, _ = fake_platforms[platform].issue_login_code(openid=openid, unionid=unionid, app_id=app_id)
        response = login(api, platform, code, **extra)
        assert response.status_code == 200, response.json()
        return client_with_token(response.json()["token"]), response.json()

    return do
