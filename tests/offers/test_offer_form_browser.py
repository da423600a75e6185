"""A marketer in a real browser (tests/browser.py) makes a coupon batch in its one form, with
times to the minute and no coupon offer made first, then a 满200减30 offer in its one form:
the preview on a sample basket shows the saving before she saves it, and the offer list
shows the rule in words. No raw id on these pages; screenshots under var/screenshots/."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from oscar.core.loading import get_model

from offers.models import CouponBatch
from storefront.demo.roles import MARKETING, sync_role_group
from tests.factories import StaffFactory
from tests.factories import catalog as f

pytestmark = pytest.mark.django_db(transaction=True)

ConditionalOffer = get_model("offer", "ConditionalOffer")
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
RAW_ID = re.compile(r"\bID\b|#\d+|object \(\d+\)|\bpk\b")


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_a_marketer_makes_a_coupon_and_an_offer_in_one_form_each(live_server, browser_page):
    f.standalone("明前龙井", price="120.00")
    f.standalone("冻顶乌龙", price="90.00")
    marketer = StaffFactory(username="xiaolin", nickname="市场部 小林", password="pass-123456")
    marketer.groups.add(sync_role_group(MARKETING))
    page = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server, "xiaolin", "pass-123456")

    # The coupon: one form, times typed to the minute.
    page.goto(f"{live_server.url}/admin/offers/couponbatch/add/")
    page.fill("#id_name", "周末满100减15")
    page.fill("#id_value", "15.00")
    page.fill("#id_min_spend", "100.00")
    page.fill("#id_total", "200")
    page.fill("#id_per_member_limit", "1")
    page.fill("#id_claim_starts_at_0", "2026-01-01")
    page.fill("#id_claim_starts_at_1", "09:30")
    page.fill("#id_claim_ends_at_0", "2036-12-31")
    page.fill("#id_claim_ends_at_1", "23:59")
    page.select_option("#id_validity", "days")
    page.fill("#id_valid_days", "7")
    page.screenshot(path=str(SCREENSHOTS / "offers-coupon-form.png"), full_page=True)
    page.click("[name=_save]")
    page.wait_for_url("**/admin/offers/couponbatch/")
    batch = CouponBatch.objects.get(name="周末满100减15")
    assert batch.offer is not None and batch.claim_starts_at.strftime("%M:%S") == "30:00"

    # The offer: one form and its preview.
    page.goto(f"{live_server.url}/admin/offer/conditionaloffer/add/")
    page.fill("#id_name", "满200减30")
    page.check("input[name=kind][value=amount_off]")
    page.fill("#id_min_amount", "200")
    page.fill("#id_amount_off", "30")
    page.check("input[name=scope][value=all]")
    page.fill("#id_starts_at", "2026-01-01T09:30")
    page.fill("#id_ends_at", "2036-12-31T23:59")
    page.select_option("#id_sample_1", label="明前龙井 ¥120.00")
    page.select_option("#id_sample_2", label="冻顶乌龙 ¥90.00")
    page.click("button[name=_preview]")
    page.wait_for_selector("#offer-preview")
    assert page.inner_text("#offer-saving") == "¥30.00"
    assert "实付 ¥180.00" in page.inner_text("#offer-preview")
    assert not ConditionalOffer.objects.filter(name="满200减30").exists()  # a preview saves nothing
    text = page.inner_text("body")
    assert RAW_ID.search(text) is None, RAW_ID.search(text)
    page.screenshot(path=str(SCREENSHOTS / "offers-offer-preview.png"), full_page=True)

    page.click("button[name=_save]")
    page.wait_for_url("**/admin/offer/conditionaloffer/")
    listing = page.inner_text("body")
    assert "满200元减30元" in listing and "进行中" in listing
    assert RAW_ID.search(listing) is None, RAW_ID.search(listing)
    page.screenshot(path=str(SCREENSHOTS / "offers-offer-list.png"), full_page=True)
    offer = ConditionalOffer.objects.get(name="满200减30")
    assert offer.offer_type == ConditionalOffer.SITE and offer.benefit.value == 30
    assert page.outside_requests == [] and page.csp_violations == []
