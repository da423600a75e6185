"""A marketer's screens of giveaways: the list with live counts, the page with its chart and
winners, the frozen rules of a published giveaway, the draw behind a confirmation and its
permission, and the entries export."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from campaigns.giveaways import services
from campaigns.giveaways.models import Giveaway, Prize, Win
from storefront.demo.roles import MARKETING, sync_role_group
from tests.factories import MemberFactory, StaffFactory, giveaway

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer():
    user = StaffFactory(nickname="市场部 小林")
    user.groups.add(sync_role_group(MARKETING))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def ended_draw(entrants=6):
    gw = giveaway(mode="draw", prizes=[(Prize.Kind.POINTS, 2)])
    for member in MemberFactory.create_batch(entrants):
        services.enter(member=member, giveaway_id=gw.pk)
    past = gw.starts_at + dt.timedelta(minutes=30)
    Giveaway.objects.filter(pk=gw.pk).update(ends_at=past, draw_at=past)
    gw.refresh_from_db()
    return gw


def test_the_list_shows_entries_prizes_left_and_winners(marketer, django_assert_max_num_queries):
    gw = giveaway(mode="first_come", title="新会员见面礼", prizes=[(Prize.Kind.POINTS, 20)])
    for member in MemberFactory.create_batch(3):
        services.enter(member=member, giveaway_id=gw.pk)

    page = marketer.get("/admin/giveaways/giveaway/").content.decode()

    assert "新会员见面礼" in page and "先到先得" in page
    row = page[page.index("新会员见面礼") :]
    assert ">3<" in row and ">17<" in row


def test_the_page_of_a_giveaway_shows_its_chart_and_winners(marketer):
    gw = ended_draw()
    services.run_draw(giveaway=gw)
    page = marketer.get(f"/admin/giveaways/giveaway/{gw.pk}/change/").content.decode()
    assert "<svg" in page and "每日参与次数" in page
    assert "中奖名单" in page and page.count("开奖</td>") == 2
    assert gw.commitment in page
    assert "参与次数" in page and ">6<" in page.replace(" ", "").replace("\n", "")


def test_the_rules_of_a_published_giveaway_are_read_only_but_the_wording_is_not(marketer):
    gw = giveaway(mode="first_come", entries_per_member=1)
    page = marketer.get(f"/admin/giveaways/giveaway/{gw.pk}/change/").content.decode()
    assert 'name="rules_text"' in page
    assert 'name="entries_per_member"' not in page and 'name="starts_at_0"' not in page


def test_the_draw_asks_for_confirmation_then_draws_once_and_is_in_the_history(marketer):
    gw = ended_draw()
    url = f"/admin/giveaways/giveaway/{gw.pk}/draw/"

    confirm = marketer.get(url)
    assert "确认开奖" in confirm.content.decode()
    assert not Win.objects.filter(giveaway=gw).exists()

    marketer.post(url)

    gw.refresh_from_db()
    assert gw.status == Giveaway.Status.DRAWN and gw.drawn_by == marketer.user
    assert Win.objects.filter(giveaway=gw).count() == 2
    assert LogEntry.objects.filter(object_id=str(gw.pk), change_message__contains="开奖").exists()


def test_the_draw_needs_its_permission():
    staff = StaffFactory()
    client = Client()
    client.force_login(staff)
    gw = ended_draw()
    assert client.get(f"/admin/giveaways/giveaway/{gw.pk}/draw/").status_code == 403
    assert client.post(f"/admin/giveaways/giveaway/{gw.pk}/draw/").status_code == 403
    assert not Win.objects.filter(giveaway=gw).exists()


def test_the_entries_export_lists_every_entry(marketer):
    gw = ended_draw(entrants=4)
    answer = marketer.post("/admin/giveaways/giveaway/", {"action": "export_entries", "_selected_action": [gw.pk]})
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["活动", "参与编号", "会员"] and len(rows) == 5


def test_a_marketer_adds_a_giveaway_and_publishes_it(marketer):
    answer = marketer.post(
        "/admin/giveaways/giveaway/add/",
        {
            "title": "周年庆抽奖",
            "slug": "anniversary",
            "rules_text": "每人一次",
            "mode": "draw",
            "starts_at_0": "2026-01-01",
            "starts_at_1": "00:00",
            "ends_at_0": "2036-01-01",
            "ends_at_1": "00:00",
            "draw_at_0": "2036-01-02",
            "draw_at_1": "00:00",
            "risk_fallback": "refuse",
            "entry_cost_points": "0",
            "entries_per_member": "1",
            "win_chance": "10.00",
            "claim_days": "7",
            "unclaimed": "lapse",
            "prizes-TOTAL_FORMS": "1",
            "prizes-INITIAL_FORMS": "0",
            "prizes-MIN_NUM_FORMS": "0",
            "prizes-MAX_NUM_FORMS": "1000",
            "prizes-0-position": "1",
            "prizes-0-name": "500 积分",
            "prizes-0-kind": "points",
            "prizes-0-quantity": "3",
            "prizes-0-points": "500",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    gw = Giveaway.objects.get(slug="anniversary")
    assert gw.prizes.get().remaining == 3 and gw.status == "draft"

    marketer.post("/admin/giveaways/giveaway/", {"action": "publish_selected", "_selected_action": [gw.pk]})

    gw.refresh_from_db()
    assert gw.status == Giveaway.Status.PUBLISHED and len(gw.commitment) == 64
