"""Token refresh, logout and what a client sees with an expired or revoked token."""

from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken

from tests.storefront.members.conftest import client_with_token

pytestmark = pytest.mark.django_db


def test_refresh_gives_a_new_token_and_revokes_the_old_one(shopper_login):
    client, body = shopper_login()

    response = client.post("/api/v1/auth/refresh/")

    assert response.status_code == 200
    new_token = response.json()["token"]
    assert new_token != body["token"]
    assert response.json()["expires_at"]
    assert client_with_token(new_token).get("/api/v1/me/").status_code == 200
    old = client.get("/api/v1/me/")
    assert old.status_code == 401
    assert old.json()["error"]["code"] == "token_invalid"


def test_logout_revokes_the_token(shopper_login):
    client, _ = shopper_login()

    assert client.post("/api/v1/auth/logout/").status_code == 204

    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"


def test_logout_leaves_the_members_other_devices_logged_in(shopper_login):
    phone_a, body = shopper_login()
    phone_b, _ = shopper_login(account=body["account"])

    phone_a.post("/api/v1/auth/logout/")

    assert phone_b.get("/api/v1/me/").status_code == 200


def test_expired_token_answers_token_expired(shopper_login):
    client, body = shopper_login()
    AuthToken.objects.filter(user_id=body["member"]["id"]).update(expiry=timezone.now() - timedelta(seconds=1))

    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


def test_expired_token_cannot_be_refreshed(shopper_login):
    client, body = shopper_login()
    AuthToken.objects.filter(user_id=body["member"]["id"]).update(expiry=timezone.now() - timedelta(seconds=1))

    response = client.post("/api/v1/auth/refresh/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


def test_refresh_without_a_token_is_not_authenticated(api):
    response = api.post("/api/v1/auth/refresh/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
