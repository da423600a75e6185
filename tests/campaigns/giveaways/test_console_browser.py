"""A marketer in a real browser (Debian's Chromium driven by Playwright) creates a scheduled
draw in the admin with a prize, publishes it, shoppers enter through the API, and once it has
ended the marketer runs the draw behind its confirmation page; the page then lists the winners
and the proof checks out. The browser comes from tests/browser.py (skipped where Chromium is
missing, failed instead under CI)."""

import datetime as dt

import pytest

from campaigns.giveaways import draw
from campaigns.giveaways.models import Giveaway, Win
from storefront.demo.roles import MARKETING, sync_role_group
from tests.conftest import client_for
from tests.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_marketer_creates_publishes_and_draws_a_giveaway(live_server, browser_page):
    marketer = StaffFactory(username="xiaolin", nickname="市场部 小林", password="pass-123456")
    marketer.groups.add(sync_role_group(MARKETING))
    page = browser_page

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "xiaolin")
    page.fill("#id_password", "pass-123456")
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/giveaways/giveaway/add/")
    page.fill("#id_title", "秋季品鉴抽奖")
    page.fill("#id_slug", "autumn-tasting")
    page.fill("#id_rules_text", "每人一次，结束后公开抽签。")
    page.select_option("#id_mode", "draw")
    page.fill("#id_starts_at_0", "2026-01-01")
    page.fill("#id_starts_at_1", "00:00")
    page.fill("#id_ends_at_0", "2036-01-01")
    page.fill("#id_ends_at_1", "00:00")
    page.fill("#id_draw_at_0", "2036-01-01")
    page.fill("#id_draw_at_1", "12:00")
    page.fill("#id_prizes-0-position", "1")
    page.fill("#id_prizes-0-name", "1000 积分")
    page.select_option("#id_prizes-0-kind", "points")
    page.fill("#id_prizes-0-quantity", "2")
    page.fill("#id_prizes-0-points", "1000")
    page.screenshot(path="/tmp/giveaways-console-add.png", full_page=True)
    page.click("[name=_save]")
    page.wait_for_url("**/admin/giveaways/giveaway/")
    assert "秋季品鉴抽奖" in page.inner_text("#result_list")

    gw = Giveaway.objects.get(slug="autumn-tasting")
    page.screenshot(path="/tmp/giveaways-console-list.png", full_page=True)
    page.check(f"input[name=_selected_action][value='{gw.pk}']")
    page.select_option("select[name=action]", "publish_selected")
    page.locator("#changelist-form button[name=index]").first.click(force=True)
    page.wait_for_load_state()
    gw.refresh_from_db()
    assert gw.status == Giveaway.Status.PUBLISHED and gw.commitment

    for member in MemberFactory.create_batch(5):
        assert client_for(member).post(f"/api/v1/campaigns/giveaways/{gw.pk}/entries/").status_code == 201
    # Time passes: the giveaway has ended.
    past = gw.starts_at + dt.timedelta(days=1)
    Giveaway.objects.filter(pk=gw.pk).update(ends_at=past, draw_at=past)

    page.goto(f"{live_server.url}/admin/giveaways/giveaway/{gw.pk}/draw/")
    assert "确认开奖" in page.inner_text("#content-main")
    page.click("button[name=confirm]")
    page.wait_for_url(f"**/admin/giveaways/giveaway/{gw.pk}/change/")

    assert "已开奖" in page.inner_text("body")
    assert Win.objects.filter(giveaway=gw).count() == 2
    assert page.locator("table.giveaway-winners tbody tr").count() == 2
    proof = client_for(MemberFactory()).get(f"/api/v1/campaigns/giveaways/{gw.pk}/proof/").json()
    assert draw.check_proof(proof) == []
    assert not page.csp_violations and not page.outside_requests
    page.screenshot(path="/tmp/giveaways-console-draw.png", full_page=True)
