"""A shopper's coupons at checkout: the preview lists the usable ones with what each saves and
applies the best; `coupon_id` chooses one or none; placing the order marks the coupon used;
cancelling (also the unpaid timeout) and a full refund give it back. Every coupon that cannot
pay for the basket is a 4xx with a stable code and leaves no order behind."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.apps.order.models import Order, OrderDiscount

from loyalty.models import Rules
from offers.models import MemberCoupon
from storefront.checkout.models import CheckoutRequest
from tests.conftest import client_for
from tests.factories import (
    MemberFactory,
    address_of,
    coupon_batch,
    coupon_for,
    fill_basket,
    member_with_identity,
    sku,
    voucher,
)
from tests.loyalty.conftest import grant, points_staff  # noqa: F401

pytestmark = pytest.mark.django_db

PREVIEW, PLACE = "/api/v1/checkout/preview/", "/api/v1/checkout/"


@pytest.fixture
def shopper():
    """A member with 120 yuan of tea in the basket and an address."""
    member = member_with_identity()
    fill_basket(member, (sku(price="60.00", stock=20), 2))
    member.address = address_of(member)
    member.client = client_for(member)
    return member


def body(member, **extra):
    return {"address_id": member.address.pk, "payment_method": "wechat", **extra}


def preview(member, **extra):
    return member.client.post(PREVIEW, body(member, **extra), format="json")


def place(member, key="k1", **extra):
    return member.client.post(PLACE, body(member, **extra), format="json", HTTP_IDEMPOTENCY_KEY=key)


def code_of(response):
    return response.json()["error"]["code"]


def coupon_state(coupon):
    coupon.refresh_from_db()
    return coupon.status, coupon.order_id


def test_the_preview_lists_usable_coupons_with_their_saving_and_applies_the_best(shopper):
    small = coupon_for(shopper, value="5.00", name="无门槛减5")
    best = coupon_for(shopper, value="20.00", min_spend="100.00", name="满100减20")
    too_high = coupon_for(shopper, value="50.00", min_spend="300.00", name="满300减50")

    response = preview(shopper)

    assert response.status_code == 200, response.content
    looked = response.json()
    savings = {c["coupon_id"]: (c["saving"], c["usable"], c["reason"]) for c in looked["coupons"]}
    assert savings == {
        small.pk: ("5.00", True, ""),
        best.pk: ("20.00", True, ""),
        too_high.pk: ("0.00", False, "coupon_not_applicable"),
    }
    assert looked["coupon_id"] == best.pk
    assert (looked["items"], looked["discount"]) == ("120.00", "20.00")
    assert Decimal(looked["total"]) == Decimal("100.00") + Decimal(looked["shipping"])
    assert "优惠券：满100减20" in looked["discounts"][0]["name"]


def test_a_percentage_coupon_saves_its_share_of_the_covered_items(shopper):
    coupon = coupon_for(shopper, kind="percentage", value="15.00")

    looked = preview(shopper).json()

    assert looked["coupon_id"] == coupon.pk
    assert looked["discount"] == "18.00"  # 15% of 120


def test_a_coupon_for_other_products_does_not_apply(shopper):
    other = sku()
    coupon = coupon_for(shopper, value="10.00", products=[other])

    looked = preview(shopper).json()
    chosen = place(shopper, coupon_id=coupon.pk)

    assert looked["coupon_id"] is None and looked["discount"] == "0.00"
    assert (chosen.status_code, code_of(chosen)) == (400, "coupon_not_applicable")
    assert not Order.objects.exists()


def test_coupon_id_chooses_a_coupon_and_null_or_zero_chooses_none(shopper):
    small = coupon_for(shopper, value="5.00")
    coupon_for(shopper, value="20.00")

    chosen = preview(shopper, coupon_id=small.pk).json()
    none = preview(shopper, coupon_id=None).json()
    zero = preview(shopper, coupon_id=0).json()

    assert (chosen["coupon_id"], chosen["discount"]) == (small.pk, "5.00")
    assert (none["coupon_id"], none["discount"]) == (None, "0.00")
    assert (zero["coupon_id"], zero["discount"]) == (None, "0.00")
    assert len(none["coupons"]) == 2  # still listed, to choose from


def test_placing_the_order_marks_the_coupon_used_by_that_order(shopper):
    coupon = coupon_for(shopper, value="20.00")
    looked = preview(shopper).json()

    placed = place(shopper, expected_total=looked["total"])

    assert placed.status_code == 201, placed.content
    order = Order.objects.get(number=placed.json()["number"])
    assert placed.json()["total"] == looked["total"]
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id, coupon.saving) == ("used", order.pk, Decimal("20.00"))
    assert OrderDiscount.objects.get(order=order).amount == Decimal("20.00")
    assert shopper.client.get("/api/v1/me/coupons/?status=used").json()["results"][0]["order_number"] == order.number


def test_points_are_quoted_on_the_total_after_the_coupon(shopper, points_staff):  # noqa: F811
    Rules.objects.create(redeem_points_per_yuan=100, redeem_max_share=Decimal("50.00"), redeem_min_points=100)
    grant(shopper, 100_000, staff=points_staff)
    coupon_for(shopper, value="20.00")

    looked = preview(shopper).json()

    # Half of the goods after the 20 yuan coupon: 50 yuan, 5000 points.
    assert looked["points"]["max_usable"] == 5000


def test_a_used_coupon_cannot_pay_for_a_second_order(shopper):
    coupon = coupon_for(shopper, value="20.00")
    assert place(shopper, key="first", coupon_id=coupon.pk).status_code == 201
    fill_basket(shopper, (sku(price="60.00"), 2))

    again = place(shopper, key="second", coupon_id=coupon.pk)
    looked = preview(shopper).json()

    assert (again.status_code, code_of(again)) == (409, "coupon_used")
    assert Order.objects.count() == 1
    assert looked["coupon_id"] is None and looked["coupons"] == []


def test_an_expired_coupon_is_refused_and_nothing_is_written(shopper):
    coupon = coupon_for(shopper, value="20.00")
    MemberCoupon.objects.filter(pk=coupon.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = place(shopper, coupon_id=coupon.pk)

    assert (response.status_code, code_of(response)) == (400, "coupon_expired")
    assert not Order.objects.exists() and not CheckoutRequest.objects.exists()
    assert coupon_state(coupon) == ("available", None)


def test_a_coupon_not_valid_yet_is_refused(shopper):
    batch = coupon_batch(valid_from=timezone.now() + timedelta(days=1), valid_until=timezone.now() + timedelta(days=9))
    coupon = coupon_for(shopper, batch)

    response = preview(shopper, coupon_id=coupon.pk)

    assert (response.status_code, code_of(response)) == (400, "coupon_not_started")


def test_someone_elses_coupon_answers_404_and_stays_theirs(shopper):
    theirs = coupon_for(MemberFactory(), value="20.00")

    looked = preview(shopper, coupon_id=theirs.pk)
    placed = place(shopper, coupon_id=theirs.pk)

    assert (looked.status_code, code_of(looked)) == (404, "coupon_not_found")
    assert (placed.status_code, code_of(placed)) == (404, "coupon_not_found")
    assert not Order.objects.exists()
    assert coupon_state(theirs) == ("available", None)


def test_a_coupon_does_not_combine_with_a_voucher_code(shopper):
    coupon = coupon_for(shopper, value="20.00")
    voucher("TEA10", value="10.00")
    assert shopper.client.post("/api/v1/basket/voucher/", {"code": "TEA10"}, format="json").status_code in (200, 201)

    looked = preview(shopper).json()
    chosen = place(shopper, coupon_id=coupon.pk)

    assert looked["coupon_id"] is None
    assert looked["discount"] == "10.00"  # the code's discount only
    assert [c["reason"] for c in looked["coupons"]] == ["coupon_not_combinable"]
    assert (chosen.status_code, code_of(chosen)) == (400, "coupon_not_combinable")
    assert not Order.objects.exists()


def test_a_bad_coupon_id_is_invalid_input(shopper):
    for bad in (-1, "abc", 1.5, 2**64):
        response = preview(shopper, coupon_id=bad)
        assert (response.status_code, code_of(response)) == (400, "invalid_input"), bad


# --- giving it back ------------------------------------------------------------------------------
def placed_with_coupon(shopper, coupon):
    response = place(shopper, coupon_id=coupon.pk)
    assert response.status_code == 201, response.content
    return Order.objects.get(number=response.json()["number"])


def test_the_unpaid_timeout_gives_the_coupon_back(shopper, order_steps):
    coupon = coupon_for(shopper, value="20.00")
    order = placed_with_coupon(shopper, coupon)

    order_steps.cancel(order)

    assert order.status == "cancelled"
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id, coupon.returned_times) == ("available", None, 1)
    fill_basket(shopper, (sku(price="60.00"), 2))
    assert preview(shopper).json()["coupon_id"] == coupon.pk


def test_a_shopper_cancelling_gets_the_coupon_back(shopper, committed):
    coupon = coupon_for(shopper, value="20.00")
    order = placed_with_coupon(shopper, coupon)

    with committed():
        response = shopper.client.post(f"/api/v1/orders/{order.number}/cancel/", format="json")

    assert response.status_code == 200, response.content
    assert coupon_state(coupon) == ("available", None)


def test_a_full_refund_gives_the_coupon_back_and_a_partial_one_does_not(shopper, order_steps):
    coupon = coupon_for(shopper, value="20.00")
    order = placed_with_coupon(shopper, coupon)
    order_steps.pay(order)

    order_steps.refund(order, amount=Decimal("10.00"), key="part")
    assert coupon_state(coupon) == ("used", order.pk)

    order_steps.refund(order, key="rest")
    assert order.status == "refunded"
    assert coupon_state(coupon) == ("available", None)


def test_a_coupon_given_back_after_its_end_lists_as_expired(shopper, order_steps):
    coupon = coupon_for(shopper, value="20.00")
    order = placed_with_coupon(shopper, coupon)
    MemberCoupon.objects.filter(pk=coupon.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    order_steps.cancel(order)

    expired = shopper.client.get("/api/v1/me/coupons/?status=expired").json()["results"]
    assert [c["id"] for c in expired] == [coupon.pk]
    fill_basket(shopper, (sku(price="60.00"), 2))
    assert preview(shopper).json()["coupons"] == []


def test_a_paid_order_keeps_its_coupon(shopper, order_steps):
    coupon = coupon_for(shopper, value="20.00")
    order = placed_with_coupon(shopper, coupon)

    order_steps.pay(order)

    assert coupon_state(coupon) == ("used", order.pk)


def test_a_coupon_does_not_go_on_flash_sale_prices(shopper):
    """120 yuan of tea at the 60.00 shelf price is 2 x 39.00 in a running sale: a coupon of
    满100减20 on top would discount goods already discounted, so the preview picks none and
    naming it is refused, with nothing written."""
    from oscar.apps.basket.models import Line

    from tests.flashsales.conftest import schedule_sale

    tea = Line.objects.get(basket__owner=shopper).product
    coupon = coupon_for(shopper, value="20.00")
    schedule_sale((tea, "39.00", 10))

    looked = preview(shopper).json()
    chosen = place(shopper, coupon_id=coupon.pk)

    assert looked["coupon_id"] is None and looked["discount"] == "42.00"  # the sale's only
    assert [c["reason"] for c in looked["coupons"]] == ["coupon_not_combinable"]
    assert (chosen.status_code, code_of(chosen)) == (400, "coupon_not_combinable")
    assert not Order.objects.exists() and coupon_state(coupon)[1] is None
