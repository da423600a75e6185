"""Subscribe-message notices: grants recorded from what the shopper accepted, one send per
grant, sends queued as tasks with retries, and a log of all of it."""

import pytest
from django.db import connection
from django.utils import timezone

from platforms.models import NoticeGrant, NoticeLog
from platforms.sandbox import faults
from platforms.sandbox.models import SubscribeMessage
from platforms.services import consume_grant, openid_of, send_notice
from tests.concurrency import run_concurrently
from tests.factories import IdentityFactory, MemberFactory, NoticeGrantFactory, NoticeTemplateFactory, wechat_identity

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications/grants/"
QUERIES_TO_RECORD_GRANTS = 7
# What the order_shipped event gives the factory's template ({order_number}, {carrier}).
SHIPPED = {"order_number": "T001", "carrier": "顺丰"}


def test_a_shopper_records_the_templates_they_accepted(member, member_api):
    shipped, paid = NoticeTemplateFactory(), NoticeTemplateFactory()
    response = member_api.post(URL, {"accepted": [shipped.template_id], "rejected": [paid.template_id]}, format="json")
    assert response.status_code == 200
    assert sorted((g["template_id"], g["remaining"]) for g in response.json()["grants"]) == sorted(
        [(shipped.template_id, 1), (paid.template_id, 0)]
    )
    member_api.post(URL, {"accepted": [shipped.template_id]}, format="json")
    grant = NoticeGrant.objects.get(member=member, template_id=shipped.template_id)
    assert (grant.remaining, grant.accepted_total) == (2, 2)


def test_an_unknown_template_id_is_refused_and_nothing_recorded(member_api):
    template = NoticeTemplateFactory()
    response = member_api.post(URL, {"accepted": [template.template_id, "tpl_unknown"]}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_input"
    assert NoticeGrant.objects.count() == 0


def test_grants_need_a_logged_in_shopper(api):
    assert api.post(URL, {"accepted": ["x"]}, format="json").status_code == 401


def test_grants_are_recorded_for_the_caller_only(member_api):
    template = NoticeTemplateFactory()
    other = MemberFactory()
    member_api.post(URL, {"accepted": [template.template_id]}, format="json")
    assert not NoticeGrant.objects.filter(member=other).exists()


@pytest.mark.parametrize("count", [1, 10])
def test_recording_grants_takes_the_same_queries_for_one_or_ten_templates(member_api, django_assert_num_queries, count):
    templates = [NoticeTemplateFactory() for _ in range(count)]
    # token lookup 1, template check 1, savepoint 2, insert 1, update 1, read 1
    with django_assert_num_queries(QUERIES_TO_RECORD_GRANTS):
        response = member_api.post(URL, {"accepted": [t.template_id for t in templates]}, format="json")
    assert len(response.json()["grants"]) == count


def test_a_notice_is_sent_with_the_fields_mapped_and_uses_up_the_grant(member, django_capture_on_commit_callbacks):
    template = NoticeTemplateFactory(event="order_shipped")
    openid = wechat_identity(member).openid
    NoticeGrantFactory(member=member, template_id=template.template_id, remaining=1)
    with django_capture_on_commit_callbacks(execute=True):
        [log] = send_notice(member=member, event="order_shipped", context={"order_number": "T001", "carrier": "顺丰"})
    log.refresh_from_db()
    assert log.status == NoticeLog.Status.SENT and log.attempts == 1
    message = SubscribeMessage.objects.get()
    assert message.touser == openid and message.page == "pages/order/detail?number=T001"
    assert message.data == {"character_string1": {"value": "T001"}, "thing2": {"value": "顺丰"}}
    assert NoticeGrant.objects.get().remaining == 0


def test_without_a_grant_nothing_is_sent_and_the_log_says_so(member, django_capture_on_commit_callbacks):
    NoticeTemplateFactory(event="order_shipped")
    wechat_identity(member)
    with django_capture_on_commit_callbacks(execute=True):
        [log] = send_notice(member=member, event="order_shipped", context=SHIPPED)
    assert log.status == NoticeLog.Status.NO_GRANT
    assert SubscribeMessage.objects.count() == 0


def test_a_member_who_never_logged_in_on_wechat_gets_no_notice(member):
    template = NoticeTemplateFactory(event="order_shipped")
    NoticeGrantFactory(member=member, template_id=template.template_id)
    [log] = send_notice(member=member, event="order_shipped", context={})
    assert log.status == NoticeLog.Status.NO_OPENID
    assert NoticeGrant.objects.get().remaining == 1


def test_an_event_without_a_template_sends_nothing(member):
    assert send_notice(member=member, event="nobody_configured_this", context={}) == []


def test_a_platform_outage_is_retried_until_the_notice_goes_out(
    member, django_capture_on_commit_callbacks, monkeypatch
):
    from config.celery import app

    # Eager tasks only run their retries when errors are not propagated (as in a worker).
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)
    template = NoticeTemplateFactory(event="order_shipped")
    wechat_identity(member)
    NoticeGrantFactory(member=member, template_id=template.template_id)
    faults.set_fault("wechat", "busy", times=2)
    with django_capture_on_commit_callbacks(execute=True):
        [log] = send_notice(member=member, event="order_shipped", context=SHIPPED)
    log.refresh_from_db()
    assert log.status == NoticeLog.Status.SENT and log.attempts == 3
    assert SubscribeMessage.objects.count() == 1


def test_wechat_saying_no_grant_is_logged_and_not_retried(member, django_capture_on_commit_callbacks):
    template = NoticeTemplateFactory(event="order_shipped")
    wechat_identity(member, openid="o_nogrant_1")
    NoticeGrantFactory(member=member, template_id=template.template_id)
    with django_capture_on_commit_callbacks(execute=True):
        [log] = send_notice(member=member, event="order_shipped", context=SHIPPED)
    log.refresh_from_db()
    assert (log.status, log.error_code, log.attempts) == (NoticeLog.Status.NO_GRANT, "no_grant", 1)


def test_openid_of_is_the_most_recent_wechat_identity(member):
    assert openid_of(member, "wechat") == ""
    wechat_identity(member, openid="o_first")
    assert openid_of(member, "wechat") == "o_first"
    # An account in another of the brand's apps is never the one a notice goes to.
    IdentityFactory(member=member, openid="o_club", app_id="wxclubapp000001", last_login_at=timezone.now())
    assert openid_of(member, "wechat") == "o_first"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_never_use_one_grant_twice():
    assert connection.vendor == "postgresql"
    grant = NoticeGrantFactory(remaining=1)
    results = run_concurrently(
        lambda i: consume_grant(member=grant.member, platform="wechat", template_id=grant.template_id), times=8
    )
    assert results.errors == []
    assert sorted(results.values) == [False] * 7 + [True]
    grant.refresh_from_db()
    assert grant.remaining == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_send_notice_calls_queue_exactly_as_many_notices_as_grants():
    member = MemberFactory()
    template = NoticeTemplateFactory(event="order_shipped")
    wechat_identity(member)
    NoticeGrantFactory(member=member, template_id=template.template_id, remaining=2)
    run_concurrently(lambda i: send_notice(member=member, event="order_shipped", context=SHIPPED), times=6)
    statuses = sorted(NoticeLog.objects.values_list("status", flat=True))
    assert statuses.count(NoticeLog.Status.NO_GRANT) == 4
    assert len(statuses) - statuses.count(NoticeLog.Status.NO_GRANT) == 2
    assert NoticeGrant.objects.get().remaining == 0


def test_operations_see_templates_grants_and_the_notice_log_in_the_admin(admin_client, member):
    template = NoticeTemplateFactory(event="order_shipped")
    NoticeGrantFactory(member=member, template_id=template.template_id)
    send_notice(member=member, event="order_shipped", context=SHIPPED)
    for model in ("noticetemplate", "noticegrant", "noticelog"):
        assert admin_client.get(f"/admin/platforms/{model}/").status_code == 200
    log = NoticeLog.objects.get()
    assert admin_client.get(f"/admin/platforms/noticelog/{log.pk}/change/").status_code == 200


def test_sending_a_notice_takes_a_fixed_number_of_queries(member, django_assert_num_queries):
    template = NoticeTemplateFactory(event="order_shipped")
    wechat_identity(member)
    NoticeGrantFactory(member=member, template_id=template.template_id)
    # templates 1, savepoint 2, identity 1, grant update 1, log insert 1 (the task runs after commit)
    with django_assert_num_queries(6):
        send_notice(member=member, event="order_shipped", context=SHIPPED)
