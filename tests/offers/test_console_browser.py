"""A marketer in a real browser (Debian's Chromium driven by Playwright) creates a coupon
batch in the admin, finds it in the batch list with its counts, and a shopper sees it in
the coupon center and claims it; the list then shows one claimed. The browser comes from
tests/browser.py (skipped where Chromium is missing, failed instead under CI)."""

import pytest

from offers.models import CouponBatch
from storefront.demo.roles import MARKETING, sync_role_group
from tests.conftest import client_for
from tests.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_marketer_creates_a_coupon_batch_that_shoppers_can_claim(live_server, browser_page):
    marketer = StaffFactory(username="xiaolin", nickname="市场部 小林", password="pass-123456")
    marketer.groups.add(sync_role_group(MARKETING))
    page = browser_page

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "xiaolin")
    page.fill("#id_password", "pass-123456")
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/offers/couponbatch/add/")
    assert "增加 优惠券批次" in page.inner_text("#content") or "优惠券批次" in page.title()
    page.fill("#id_name", "周末满100减15")
    page.fill("#id_value", "15.00")
    page.fill("#id_min_spend", "100.00")
    page.fill("#id_total", "200")
    page.fill("#id_per_member_limit", "1")
    page.fill("#id_claim_starts_at_0", "2026-01-01")
    page.fill("#id_claim_starts_at_1", "00:00:00")
    page.fill("#id_claim_ends_at_0", "2036-12-31")
    page.fill("#id_claim_ends_at_1", "23:59:59")
    page.select_option("#id_validity", "days")
    page.fill("#id_valid_days", "7")
    page.click("[name=_save]")
    page.wait_for_url("**/admin/offers/couponbatch/")
    assert "周末满100减15" in page.inner_text("#result_list")

    batch = CouponBatch.objects.get(name="周末满100减15")
    assert (batch.total, batch.remaining, batch.offer.benefit.value) == (200, 200, 15)
    shopper = client_for(MemberFactory())
    center = shopper.get("/api/v1/coupons/").json()["results"]
    assert [(c["id"], c["rule"], c["remaining"]) for c in center] == [(batch.pk, "满100元减15元", 200)]
    assert shopper.post(f"/api/v1/coupons/{batch.pk}/claim/").status_code == 201

    page.reload()
    row = page.locator("#result_list tr").filter(has_text="周末满100减15")
    cells = row.inner_text()
    assert "199" in cells and "满100元减15元" in cells and "0.0%" in cells
    page.screenshot(path="/tmp/offers-console-batches.png", full_page=True)
