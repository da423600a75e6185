"""The client's address behind proxies, for every rate limit and every log of an address.

Found probing from outside: DRF keyed the login limit on the whole X-Forwarded-For header,
so a client varying it was never limited, and the data-export log recorded the proxy."""

import pytest
from rest_framework.test import APIClient

from storefront.members.models import PersonalDataRequest
from storefront.throttles import LoginIPThrottle
from tests.factories import MemberFactory
from tests.storefront.members.conftest import login

pytestmark = pytest.mark.django_db


def shopper_via(remote_addr, forwarded=None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient(**headers)


@pytest.fixture
def three_logins_a_minute(monkeypatch):
    monkeypatch.setattr(LoginIPThrottle, "rate", "3/min", raising=False)


def test_without_proxies_a_made_up_forwarded_header_does_not_escape_the_login_limit(
    sandbox, settings, three_logins_a_minute
):
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = [
        login(shopper_via("203.0.113.9", f"198.51.100.{n}"), "wechat", sandbox.wechat_code()["code"]).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_wrote(sandbox, settings, three_logins_a_minute):
    settings.TRUSTED_PROXY_COUNT = 1
    # nginx appends the address it saw; what the client put to its left is ignored.
    statuses = [
        login(shopper_via("10.0.0.2", f"1.2.3.{n}, 203.0.113.9"), "wechat", sandbox.wechat_code()["code"]).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_behind_a_proxy_shoppers_at_different_addresses_do_not_share_one_budget(
    sandbox, settings, three_logins_a_minute
):
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = [
        login(shopper_via("10.0.0.2", f"203.0.113.{n}"), "wechat", sandbox.wechat_code()["code"]).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 6


def test_one_member_logging_in_again_and_again_is_limited_whatever_the_address(sandbox, settings):
    settings.MEMBER_LOGINS_PER_MINUTE = 3
    openid = sandbox.wechat_code()["openid"]
    statuses = [
        login(shopper_via(f"203.0.113.{n}"), "wechat", sandbox.wechat_code(openid=openid)["code"]).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    # Another shopper is not affected.
    assert login(shopper_via("203.0.113.1"), "wechat", sandbox.wechat_code()["code"]).status_code == 200


def test_the_export_log_records_the_shoppers_address_not_the_proxys(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    member = MemberFactory()
    client = shopper_via("10.0.0.2", "6.6.6.6, 203.0.113.77")
    client.force_authenticate(member)

    assert client.get("/api/v1/me/export/").status_code == 200

    assert PersonalDataRequest.objects.get(member=member, kind="export").ip == "203.0.113.77"
