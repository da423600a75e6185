"""A shopper in the coupon center: sees the coupons, claims one, claims again, meets the
limits, and lists what they hold by state."""

from datetime import timedelta

import pytest
from django.utils import timezone

from loyalty.models import Account, Tier
from offers.models import CouponBatch, MemberCoupon
from tests.conftest import client_for
from tests.factories import MemberFactory, category, coupon_batch, coupon_for, paid_order, sku, with_skus

pytestmark = pytest.mark.django_db

CLAIMED = CouponBatch.Audience


def claim(client, batch, **headers):
    return client.post(f"/api/v1/coupons/{batch.pk}/claim/", format="json", **headers)


def error_of(response):
    return response.json()["error"]["code"]


def test_a_shopper_sees_a_claimable_coupon_with_its_rules_and_what_is_left(member, member_api):
    batch = coupon_batch(value="10.00", min_spend="99.00", total=50, name="满99减10")

    listed = member_api.get("/api/v1/coupons/").json()

    assert listed["count"] == 1
    shown = listed["results"][0]
    assert (shown["id"], shown["name"], shown["rule"]) == (batch.pk, "满99减10", "满99元减10元")
    assert (shown["total"], shown["remaining"], shown["held"], shown["can_claim"]) == (50, 50, 0, True)
    assert (shown["value"], shown["min_spend"], shown["currency"]) == ("10.00", "99.00", "CNY")


def test_claiming_takes_one_from_what_is_left_and_the_coupon_is_the_members(member, member_api):
    batch = coupon_batch(total=50)

    response = claim(member_api, batch)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["source"], body["batch_id"]) == ("available", "claimed", batch.pk)
    batch.refresh_from_db()
    assert batch.remaining == 49
    assert MemberCoupon.objects.get().member == member
    listed = member_api.get("/api/v1/coupons/").json()["results"][0]
    assert (listed["remaining"], listed["held"], listed["can_claim"]) == (49, 1, False)


def test_a_repeat_with_the_same_idempotency_key_answers_the_first_claim(member_api):
    batch = coupon_batch(per_member_limit=3)

    first = claim(member_api, batch, HTTP_IDEMPOTENCY_KEY="tap-1")
    again = claim(member_api, batch, HTTP_IDEMPOTENCY_KEY="tap-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    batch.refresh_from_db()
    assert (batch.remaining, MemberCoupon.objects.count()) == (99, 1)


def test_a_repeat_past_the_member_limit_answers_limit_reached_with_the_coupons_held(member_api):
    batch = coupon_batch(per_member_limit=2)
    held = [claim(member_api, batch).json()["id"] for _ in range(2)]

    third = claim(member_api, batch)

    assert third.status_code == 409
    assert error_of(third) == "coupon_limit_reached"
    assert sorted(third.json()["error"]["coupon_ids"]) == sorted(held)
    batch.refresh_from_db()
    assert batch.remaining == 98
    assert sorted(MemberCoupon.objects.values_list("claim_number", flat=True)) == [1, 2]


def test_the_last_coupon_claimed_leaves_the_next_shopper_sold_out(member_api):
    batch = coupon_batch(total=1)
    assert claim(client_for(MemberFactory()), batch).status_code == 201

    late = claim(member_api, batch)

    assert (late.status_code, error_of(late)) == (409, "coupon_sold_out")
    batch.refresh_from_db()
    assert (batch.remaining, MemberCoupon.objects.count()) == (0, 1)


def test_a_new_member_coupon_is_refused_to_a_member_who_has_bought_before(member, member_api):
    batch = coupon_batch(audience=CLAIMED.NEW_MEMBERS)
    paid_order(user=member, quantities=(1,))

    refused = claim(member_api, batch)
    newcomer = claim(client_for(MemberFactory()), batch)

    assert (refused.status_code, error_of(refused)) == (403, "coupon_not_eligible")
    assert newcomer.status_code == 201
    batch.refresh_from_db()
    assert batch.remaining == 99


def test_a_tier_coupon_is_for_that_tier_and_above(member, member_api):
    silver = Tier.objects.create(code="silver", name="银卡", threshold=1000)
    gold = Tier.objects.create(code="gold", name="金卡", threshold=5000)
    batch = coupon_batch(audience=CLAIMED.TIER, tier=silver)
    gold_member = MemberFactory()
    Account.objects.create(member=gold_member, tier=gold)

    refused = claim(member_api, batch)  # no tier yet
    accepted = claim(client_for(gold_member), batch)

    assert (refused.status_code, error_of(refused)) == (403, "coupon_not_eligible")
    assert accepted.status_code == 201


def test_a_coupon_outside_its_claim_window_cannot_be_claimed_and_is_not_listed(member_api):
    later = coupon_batch(claim_starts_at=timezone.now() + timedelta(days=1))

    response = claim(member_api, later)

    assert (response.status_code, error_of(response)) == (409, "coupon_not_claimable")
    assert member_api.get("/api/v1/coupons/").json()["count"] == 0
    assert not MemberCoupon.objects.exists()


def test_a_batch_only_marketers_send_is_not_claimable(member_api):
    private = coupon_batch(is_public=False)

    response = claim(member_api, private)

    assert (response.status_code, error_of(response)) == (404, "coupon_not_found")
    assert member_api.get("/api/v1/coupons/").json()["count"] == 0


def test_coupons_of_a_product_are_those_covering_it_its_category_or_everything(member_api):
    tea = category("绿茶")
    longjing = with_skus("明前龙井", [{"price": "88.00"}], categories=[tea])
    other = sku()
    everything = coupon_batch(name="全场券")
    for_tea = coupon_batch(name="绿茶券", categories=[tea])
    for_other = coupon_batch(name="别的商品券", products=[other])

    listed = member_api.get(f"/api/v1/coupons/?product={longjing.pk}").json()["results"]

    assert {c["id"] for c in listed} == {everything.pk, for_tea.pk}
    assert for_other.pk not in {c["id"] for c in listed}


def test_validity_counts_from_the_claim_for_a_days_coupon(member):
    before = timezone.now()
    coupon = coupon_for(member, valid_days=7)

    assert before <= coupon.starts_at <= timezone.now()
    assert coupon.expires_at - coupon.starts_at == timedelta(days=7)


def test_my_coupons_are_listed_by_state(member, member_api):
    available = coupon_for(member)
    expired = coupon_for(member)
    MemberCoupon.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    used = coupon_for(member)
    order = paid_order(user=member, quantities=(1,))
    MemberCoupon.objects.filter(pk=used.pk).update(status="used", order=order, used_at=timezone.now())

    def ids(status):
        return [c["id"] for c in member_api.get(f"/api/v1/me/coupons/?status={status}").json()["results"]]

    assert ids("available") == [available.pk]
    assert ids("expired") == [expired.pk]
    assert ids("used") == [used.pk]
    detail = member_api.get(f"/api/v1/me/coupons/{used.pk}/").json()
    assert (detail["status"], detail["order_number"]) == ("used", order.number)
    assert member_api.get("/api/v1/me/coupons/").json()["count"] == 3
    bad = member_api.get("/api/v1/me/coupons/?status=lost")
    assert (bad.status_code, error_of(bad)) == (400, "invalid_input")


def test_another_members_coupon_answers_404(member):
    theirs = coupon_for(MemberFactory())

    response = client_for(member).get(f"/api/v1/me/coupons/{theirs.pk}/")

    assert (response.status_code, error_of(response)) == (404, "coupon_not_found")


def test_listing_costs_the_same_queries_for_one_coupon_or_twenty(member, member_api, django_assert_max_num_queries):
    def count_queries(n):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert member_api.get("/api/v1/coupons/?page_size=50").status_code == 200
            assert member_api.get("/api/v1/me/coupons/?page_size=50").status_code == 200
        return len(ctx)

    coupon_for(member)
    one = count_queries(1)
    for _ in range(19):
        coupon_for(member)
    twenty = count_queries(20)

    assert twenty == one
    with django_assert_max_num_queries(one):
        member_api.get("/api/v1/me/coupons/?page_size=50")
        member_api.get("/api/v1/coupons/?page_size=50")
