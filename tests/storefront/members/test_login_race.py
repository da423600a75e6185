"""Concurrent first logins of one identity create one member (PostgreSQL, real transactions).

Through the sandbox where it can: the fake platform is used where a test needs the same
LoginResult in every thread or counts the calls that reach the platform."""

import pytest

from platforms.base import LoginResult
from storefront.members import services as member_services
from storefront.members.models import Identity, User
from tests.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_first_logins_with_one_identity_create_one_member(fake_platforms):
    wechat = fake_platforms["wechat"]
    codes = [wechat.issue_login_code(openid="o-racer")[0] for _ in range(8)]

    results = run_concurrently(lambda i: member_services.login_with_platform(platform="wechat", code=codes[i]), times=8)

    assert results.errors == []
    assert len({outcome.member.pk for outcome in results.values}) == 1
    assert sum(outcome.is_new for outcome in results.values) == 1
    assert Identity.objects.filter(openid="o-racer").count() == 1
    assert User.objects.filter(is_staff=False).count() == 1


def test_one_code_sent_by_many_threads_logs_in_once(fake_platforms):
    code, _ = fake_platforms["wechat"].issue_login_code(openid="o-double-tap")

    results = run_concurrently(lambda i: member_services.login_with_platform(platform="wechat", code=code), times=6)

    assert results.count_ok == 1
    assert len(results.errors_of(member_services.InvalidLoginCode)) == 5
    assert fake_platforms["wechat"].login_calls == 1
    assert User.objects.filter(is_staff=False).count() == 1


def test_concurrent_finds_of_one_identity_through_the_service_retry(fake_platforms):
    result = LoginResult(platform="alipay", app_id="2021fake0001", openid="2088-race")

    results = run_concurrently(lambda i: member_services.find_or_create_member(result=result), times=8)

    assert results.errors == []
    assert len({member.pk for member, _ in results.values}) == 1


def test_concurrent_first_logins_through_the_sandbox_create_one_member(sandbox):
    openid = sandbox.wechat_code()["openid"]
    codes = [sandbox.wechat_code(openid=openid)["code"] for _ in range(6)]

    results = run_concurrently(lambda i: member_services.login_with_platform(platform="wechat", code=codes[i]), times=6)

    assert results.errors == []
    assert len({outcome.member.pk for outcome in results.values}) == 1
    assert Identity.objects.filter(openid=openid).count() == 1
