"""Races on coupons, on PostgreSQL: real threads, each with its own connection, released
together (skipped on SQLite, which has no row locks).

A claim inserts the member's coupon under the unique (batch, member, claim number)
constraint and takes one from `remaining` with a conditional UPDATE; using a coupon on an
order locks its row and marks it used only while it is available. Were any of these a
count-then-write, the stories below would end with more coupons than the batch has, two
coupons for a member limited to one, or one coupon paying for several orders.
"""

import pytest
from django.db import transaction
from oscar.apps.basket.models import Basket

from offers import checkout as offers_checkout
from offers import services
from offers.errors import CouponLimitReached, CouponSoldOut, CouponUsed
from offers.models import CouponBatch, MemberCoupon
from storefront.basket.selectors import prepare
from tests.concurrency import run_concurrently
from tests.factories import MemberFactory, coupon_batch, coupon_for, pending_order, sku
from tests.storefront.checkout.test_races import gated

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_200_members_claiming_the_last_50_coupons_get_exactly_50():
    batch = coupon_batch(total=500, remaining=50)
    members = MemberFactory.create_batch(200)

    results = run_concurrently(
        gated(lambda i: services.claim_coupon(member=members[i], batch_id=batch.pk)), times=200, timeout=120
    )

    batch.refresh_from_db()
    assert results.count_ok == 50
    assert len(results.errors_of(CouponSoldOut)) == 150, results.errors[:3]
    assert batch.remaining == 0
    holders = MemberCoupon.objects.filter(batch=batch).values_list("member", flat=True)
    assert len(holders) == 50 and len(set(holders)) == 50


def test_one_member_tapping_claim_ten_times_at_once_with_a_limit_of_one_gets_one_coupon():
    batch = coupon_batch(total=100, per_member_limit=1)
    member = MemberFactory()

    results = run_concurrently(lambda i: services.claim_coupon(member=member, batch_id=batch.pk), times=10)

    batch.refresh_from_db()
    assert results.count_ok == 1
    assert len(results.errors_of(CouponLimitReached)) == 9, results.errors[:3]
    assert MemberCoupon.objects.filter(member=member).count() == 1
    assert batch.remaining == 99


def test_ten_retries_with_one_idempotency_key_answer_one_claim():
    batch = coupon_batch(total=100, per_member_limit=5)
    member = MemberFactory()

    results = run_concurrently(
        lambda i: services.claim_coupon(member=member, batch_id=batch.pk, idempotency_key="tap"), times=10
    )

    assert results.errors == []
    assert {coupon.pk for coupon, _created in results.values} == {MemberCoupon.objects.get().pk}
    assert sum(created for _coupon, created in results.values) == 1
    assert CouponBatch.objects.get(pk=batch.pk).remaining == 99


def test_five_orders_placed_at_once_with_one_coupon_only_one_uses_it():
    """Each thread does what placing an order does with a coupon inside the order's
    transaction (storefront.checkout.services._place): apply it under its row lock, then
    mark it used by the order. One member's HTTP checkouts would queue on the basket lock
    first, so the coupon's own lock is raced here."""
    member = MemberFactory()
    coupon = coupon_for(member, value="5.00")
    tea = sku(price="30.00", stock=50)
    orders = [pending_order(user=member) for _ in range(5)]
    baskets = []
    for _ in range(5):
        basket = prepare(Basket.objects.create(owner=member), member, apply_offers=False)
        basket.add_product(tea, 1)
        Basket.objects.filter(pk=basket.pk).update(status=Basket.FROZEN)  # one basket per order
        baskets.append(basket.pk)

    def place(i):
        with transaction.atomic():
            basket = prepare(Basket.objects.get(pk=baskets[i]), member)
            quote = offers_checkout.apply_coupon(member=member, basket=basket, coupon_id=coupon.pk, lock=True)
            offers_checkout.use_coupon(order=orders[i], quote=quote)
            return orders[i].pk

    results = run_concurrently(place, times=5)

    coupon.refresh_from_db()
    assert results.count_ok == 1
    assert len(results.errors_of(CouponUsed)) == 4, results.errors[:3]
    assert (coupon.status, coupon.order_id) == ("used", results.values[0])
