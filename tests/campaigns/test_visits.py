"""The mini program reports each launch; anonymous visits become the member's when they log in.
A visit never fails a launch: a bad body is a 400 the client may ignore, a repeat is one visit,
an unknown scene or share reference is recorded without a source."""

import pytest
from rest_framework.test import APIClient

from campaigns.models import Attribution, Visit
from tests.conftest import client_for
from tests.factories import EntryPointFactory, MemberFactory, login_code, staff_code

pytestmark = pytest.mark.django_db

VISITOR = "visitor-0001-abcdef"


def report(client, **body):
    return client.post("/api/v1/visits/", body, format="json")


def login(ref, committed):
    code, _openid = login_code()
    with committed():
        answer = APIClient().post("/api/v1/auth/wechat/", {"code": code, "ref": ref}, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_an_anonymous_scan_of_a_staff_code_is_recorded_with_its_entry_point():
    entry = staff_code()

    answer = report(APIClient(), scene=1047, query={"scene": entry.scene}, path="pages/index/index", visitor=VISITOR)

    assert answer.status_code == 202
    assert answer.json()["entry_point"] is True and answer.json()["visitor"] == VISITOR
    visit = Visit.objects.get()
    assert (visit.entry_point, visit.member, visit.scene_value) == (entry, None, 1047)


def test_a_launch_without_a_visitor_key_is_given_one():
    answer = report(APIClient(), scene=1001)
    assert answer.status_code == 202
    assert len(answer.json()["visitor"]) >= 16
    assert Visit.objects.get().visitor == answer.json()["visitor"]


def test_the_same_launch_reported_twice_is_one_visit():
    entry = EntryPointFactory()
    for _ in range(2):
        answer = report(APIClient(), scene=1047, query={"scene": entry.scene}, visitor=VISITOR, launch="L1")
        assert answer.status_code == 202
    assert Visit.objects.count() == 1


def test_an_unknown_scene_is_still_a_visit_without_an_entry_point():
    answer = report(APIClient(), scene=1047, query={"scene": "gone1234"}, visitor=VISITOR)
    assert answer.status_code == 202 and answer.json()["entry_point"] is False
    assert Visit.objects.get().entry_point is None


@pytest.mark.parametrize(
    "body",
    [
        {"scene": "scan"},
        {"scene": 99},
        {"scene": 1047, "query": "scene=abc"},
        {"scene": 1047, "query": {"deep": {"nested": 1}}},
        {"scene": 1047, "visitor": "short"},
        {"scene": 1047, "platform": "douyin"},
        {"scene": 1047, "share_ref": "x" * 40},
    ],
)
def test_a_bad_body_is_a_400_and_records_nothing(body):
    answer = report(APIClient(), **body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_input"
    assert not Visit.objects.exists()


def test_visits_are_rate_limited_per_client(monkeypatch):
    from campaigns.api import VisitThrottle

    monkeypatch.setattr(VisitThrottle, "THROTTLE_RATES", {"visits": "3/min"})
    statuses = [report(APIClient(), scene=1001, visitor=VISITOR).status_code for _ in range(4)]
    other = report(APIClient(REMOTE_ADDR="10.0.0.9"), scene=1001, visitor=VISITOR).status_code

    assert statuses == [202, 202, 202, 429]
    assert other == 202  # another client is counted apart


def test_the_visits_before_the_first_login_become_the_new_members_and_credit_the_staff_member(committed):
    entry = staff_code(nickname="店员 小美")
    report(APIClient(), scene=1047, query={"scene": entry.scene}, visitor=VISITOR)
    report(APIClient(), scene=1001, visitor=VISITOR)

    answer = login(VISITOR, committed)

    member_id = answer["member"]["id"]
    assert answer["is_new"] is True
    assert Visit.objects.filter(member_id=member_id).count() == 2
    attribution = Attribution.objects.get(member_id=member_id)
    assert attribution.joined_entry_point == entry
    assert attribution.credited_staff == entry.staff
    assert attribution.credited_store == entry.store
    assert attribution.first_entry_point == attribution.last_entry_point == entry


def test_a_logged_in_visit_claims_the_anonymous_visits_of_the_same_client():
    member = MemberFactory()
    entry = EntryPointFactory()
    report(APIClient(), scene=1047, query={"scene": entry.scene}, visitor=VISITOR)

    answer = report(client_for(member), scene=1001, visitor=VISITOR)

    assert answer.status_code == 202
    assert Visit.objects.filter(member=member).count() == 2
    attribution = Attribution.objects.get(member=member)
    assert attribution.last_entry_point == entry
    assert attribution.joined_at is None  # a returning member: not counted as new


def test_a_returning_member_logging_in_again_claims_the_visits_made_while_logged_out(committed):
    _code, openid = login_code()
    first = login_as(openid, "", committed)
    entry = EntryPointFactory()
    report(APIClient(), scene=1047, query={"scene": entry.scene}, visitor=VISITOR)  # logged out, a new phone

    again = login_as(openid, VISITOR, committed)

    assert again["is_new"] is False and again["member"]["id"] == first["member"]["id"]
    assert Visit.objects.get().member_id == first["member"]["id"]
    attribution = Attribution.objects.get(member_id=first["member"]["id"])
    assert attribution.last_entry_point == entry
    assert attribution.joined_entry_point is None  # joined before this touch: not credited to it


def login_as(openid, ref, committed):
    code, _ = login_code(openid=openid)
    with committed():
        answer = APIClient().post("/api/v1/auth/wechat/", {"code": code, "ref": ref}, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_the_crawler_is_recorded_but_never_a_touch():
    member = MemberFactory()
    entry = EntryPointFactory()
    report(client_for(member), scene=1129, query={"scene": entry.scene}, visitor=VISITOR)
    visit = Visit.objects.get()
    assert visit.is_crawler
    assert not Attribution.objects.filter(member=member, first_entry_point__isnull=False).exists()


def test_recording_a_visit_takes_the_same_queries_however_many_visits_came_before(django_assert_max_num_queries):
    member = MemberFactory()
    entry = EntryPointFactory()
    client = client_for(member)
    for count in (2, 12):
        for index in range(count):
            report(APIClient(), scene=1047, query={"scene": entry.scene}, visitor=VISITOR, launch=f"{count}-{index}")
        # Authentication, the visit, claiming the anonymous ones and the member's attribution.
        with django_assert_max_num_queries(20):
            assert report(client, scene=1047, query={"scene": entry.scene}, visitor=VISITOR).status_code == 202
    assert Visit.objects.filter(member=member).count() == 16
    with django_assert_max_num_queries(6):
        assert (
            report(APIClient(), scene=1047, query={"scene": entry.scene}, visitor="another-client-01").status_code
            == 202
        )
