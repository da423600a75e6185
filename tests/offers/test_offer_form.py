"""A marketer makes an offer in one form (满200减30, 8折 on a category, 第二件半价) without
visiting Oscar's range, condition and benefit screens, sees on a sample basket what it saves
before saving it, and the shopper's basket then gets the same saving. A coupon batch is
made in its one form too, with times to the minute and no coupon offer made first."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from offers.models import CouponBatch
from storefront.demo.roles import MARKETING, sync_role_group
from tests.conftest import client_for
from tests.factories import MemberFactory, StaffFactory
from tests.factories import catalog as f

pytestmark = pytest.mark.django_db

ConditionalOffer = get_model("offer", "ConditionalOffer")
Range = get_model("offer", "Range")
Condition = get_model("offer", "Condition")
Benefit = get_model("offer", "Benefit")

ADD = "/admin/offer/conditionaloffer/add/"


@pytest.fixture
def marketer(client):
    user = StaffFactory(username="xiaolin")
    user.groups.add(sync_role_group(MARKETING))
    client.force_login(user)
    return client


@pytest.fixture
def shop():
    tea = f.category("茶叶")
    cakes = f.category("茶点")
    return {
        "longjing": f.standalone("明前龙井", price="120.00", categories=[tea]),
        "oolong": f.standalone("冻顶乌龙", price="90.00", categories=[tea]),
        "mooncake": f.standalone("桂花月饼", price="30.00", categories=[cakes]),
        "tea": tea,
    }


def offer_post(**fields):
    data = {
        "name": "满200减30",
        "kind": "amount_off",
        "min_amount": "200",
        "amount_off": "30",
        "min_count": "1",
        "scope": "all",
        "starts_at": "2026-01-01T09:30",
        "ends_at": "2036-12-31T23:59",
        "is_active": "on",
        "exclusive": "on",
    }
    data.update(fields)
    return data


def test_a_marketer_makes_a_spend_and_save_offer_in_one_form_and_the_basket_gets_it(marketer, shop):
    page = marketer.get(ADD).content.decode()
    assert "满减" in page and "第二件半价" in page and "试算优惠" in page
    answer = marketer.post(ADD, {**offer_post(), "_save": "1"})
    assert answer.status_code == 302
    offer = ConditionalOffer.objects.get(name="满200减30")
    assert offer.offer_type == ConditionalOffer.SITE
    assert (offer.condition.type, offer.condition.value) == (Condition.VALUE, Decimal("200.00"))
    assert (offer.benefit.type, offer.benefit.value) == (Benefit.FIXED, Decimal("30.00"))
    assert offer.condition.range.includes_all_products
    assert offer.start_datetime.strftime("%H:%M:%S") in ("01:30:00",)  # 09:30 in Shanghai, to the minute

    listing = marketer.get("/admin/offer/conditionaloffer/").content.decode()
    assert "满200元减30元" in listing and "进行中" in listing

    shopper = client_for(MemberFactory())
    for sku, quantity in ((shop["longjing"], 1), (shop["oolong"], 1)):
        shopper.post("/api/v1/basket/lines/", {"sku": sku.pk, "quantity": quantity}, format="json")
    basket = shopper.get("/api/v1/basket/").json()
    assert (basket["items"], basket["discount"], basket["total"]) == ("210.00", "30.00", "180.00")


def test_the_preview_shows_the_saving_on_a_sample_basket_and_writes_nothing(marketer, shop):
    samples = {
        "sample_1": shop["longjing"].pk,
        "sample_1_quantity": "1",
        "sample_2": shop["oolong"].pk,
        "sample_2_quantity": "1",
    }
    answer = marketer.post(ADD, {**offer_post(), **samples, "_preview": "1"})
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "合计 ¥210.00" in page and "¥30.00" in page and "实付 ¥180.00" in page
    assert not ConditionalOffer.objects.filter(name="满200减30").exists()
    assert not Range.objects.filter(name__startswith="满200减30").exists()

    too_little = marketer.post(ADD, {**offer_post(), "sample_1": shop["mooncake"].pk, "_preview": "1"})
    assert "不满足活动条件" in too_little.content.decode()


def test_eight_tenths_on_a_category_discounts_only_that_category(marketer, shop):
    data = offer_post(name="茶叶8折", kind="percent_off", zhe="8", scope="categories", categories=[shop["tea"].pk])
    samples = {"sample_1": shop["longjing"].pk, "sample_2": shop["mooncake"].pk}
    page = marketer.post(ADD, {**data, **samples, "_preview": "1"}).content.decode()
    assert "合计 ¥150.00" in page and "实付 ¥126.00" in page  # 20% off the 120 tea only
    marketer.post(ADD, {**data, "_save": "1"})
    offer = ConditionalOffer.objects.get(name="茶叶8折")
    assert (offer.benefit.type, offer.benefit.value) == (Benefit.PERCENTAGE, Decimal("20.00"))
    assert list(offer.condition.range.included_categories.all()) == [shop["tea"]]
    assert "满1件打8折" in marketer.get("/admin/offer/conditionaloffer/").content.decode()


def test_second_item_half_price_halves_the_cheaper_of_two(marketer, shop):
    data = offer_post(name="第二件半价", kind="second_half")
    samples = {"sample_1": shop["longjing"].pk, "sample_2": shop["oolong"].pk}
    page = marketer.post(ADD, {**data, **samples, "_preview": "1"}).content.decode()
    assert "合计 ¥210.00" in page and "实付 ¥165.00" in page  # the 90 one at 45
    marketer.post(ADD, {**data, "_save": "1"})
    offer = ConditionalOffer.objects.get(name="第二件半价")
    page = marketer.get(f"/admin/offer/conditionaloffer/{offer.pk}/change/").content.decode()
    assert 'value="second_half" checked' in page or "checked" in page


def test_an_offer_edited_again_keeps_its_rows_and_refuses_a_bad_rule(marketer, shop):
    marketer.post(ADD, {**offer_post(), "_save": "1"})
    offer = ConditionalOffer.objects.get(name="满200减30")
    url = f"/admin/offer/conditionaloffer/{offer.pk}/change/"
    assert marketer.post(url, {**offer_post(min_amount="300", amount_off="50"), "_save": "1"}).status_code == 302
    offer.refresh_from_db()
    assert (offer.condition.value, offer.benefit.value) == (Decimal("300.00"), Decimal("50.00"))
    assert ConditionalOffer.objects.filter(offer_type=ConditionalOffer.SITE).count() == 1
    refused = marketer.post(url, {**offer_post(amount_off="500"), "_save": "1"})
    assert refused.status_code == 200 and "减的金额不能超过满的金额" in refused.content.decode()
    ended = marketer.post(url, {**offer_post(ends_at="2025-01-01T00:00"), "_save": "1"})
    assert "结束时间须晚于开始时间" in ended.content.decode()


def test_a_coupon_batch_is_made_in_one_form_with_times_to_the_minute(marketer):
    page = marketer.get("/admin/offers/couponbatch/add/").content.decode()
    assert "09:30" in page  # the time field asks for hours and minutes
    data = {
        "name": "周末满100减15",
        "description": "",
        "is_active": "on",
        "is_public": "on",
        "kind": "amount",
        "value": "15.00",
        "min_spend": "100.00",
        "all_products": "on",
        "total": "200",
        "per_member_limit": "1",
        "audience": "anyone",
        "claim_starts_at_0": "2026-01-01",
        "claim_starts_at_1": "09:30",
        "claim_ends_at_0": "2036-12-31",
        "claim_ends_at_1": "23:59",
        "validity": "days",
        "valid_days": "7",
        "_save": "1",
    }
    assert not ConditionalOffer.objects.exists()
    answer = marketer.post("/admin/offers/couponbatch/add/", data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    batch = CouponBatch.objects.get(name="周末满100减15")
    assert batch.offer is not None and batch.offer.benefit.value == Decimal("15.00")
    assert batch.claim_starts_at.strftime("%M:%S") == "30:00"


def test_editing_an_offer_that_shares_its_range_with_another_leaves_the_other_alone(marketer, shop):
    # As the demo loads them: one range for the site offer and the voucher offer.
    everything = Range.objects.create(name="全场商品 (demo)", includes_all_products=True)
    site = ConditionalOffer.objects.create(
        name="满199减20",
        offer_type=ConditionalOffer.SITE,
        condition=Condition.objects.create(range=everything, type=Condition.VALUE, value=Decimal("199")),
        benefit=Benefit.objects.create(range=everything, type=Benefit.FIXED, value=Decimal("20")),
    )
    voucher = ConditionalOffer.objects.create(
        name="代金券",
        offer_type=ConditionalOffer.VOUCHER,
        condition=Condition.objects.create(range=everything, type=Condition.COUNT, value=Decimal("1")),
        benefit=Benefit.objects.create(range=everything, type=Benefit.FIXED, value=Decimal("10")),
    )
    page = marketer.get(f"/admin/offer/conditionaloffer/{site.pk}/change/").content.decode()
    assert 'value="199.00"' in page and 'value="20.00"' in page
    data = offer_post(
        name="满199减20", scope="categories", categories=[shop["tea"].pk], min_amount="199", amount_off="25"
    )
    assert marketer.post(f"/admin/offer/conditionaloffer/{site.pk}/change/", {**data, "_save": "1"}).status_code == 302
    site.refresh_from_db()
    voucher.refresh_from_db()
    assert list(site.condition.range.included_categories.all()) == [shop["tea"]] and site.benefit.value == 25
    assert voucher.condition.range == everything and everything.includes_all_products
    everything.refresh_from_db()
    assert everything.name == "全场商品 (demo)" and everything.includes_all_products
    # The voucher offer is not one of the site offers this screen lists.
    assert marketer.get(f"/admin/offer/conditionaloffer/{voucher.pk}/change/").status_code == 302


def test_the_offer_pages_name_offers_as_the_menu_does(marketer):
    """Oscar's own Chinese calls an offer 有条件的报价 (a quote with conditions); the console
    says 优惠活动 in its menu, breadcrumbs and titles alike."""
    pages = [marketer.get(ADD), marketer.get("/admin/offer/conditionaloffer/")]

    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "优惠活动" in html and "有条件的" not in html and "报价" not in html
