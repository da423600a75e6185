"""A new WeChat shopper and the demo's new-member coupon, through the HTTP API: claims it in
the coupon center (a second tap is refused), sees it applied at checkout, lets the order go
unpaid until the timeout cancels it, and finds the coupon back, usable again."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from offers.demo import NEW_MEMBER_COUPON, load_demo
from offers.models import CouponBatch
from storefront.payments.unpaid import cancel_overdue_unpaid_orders
from tests.steps import add_address, add_to_basket, ok, order_of, place_order, tea_shop, wechat_login

pytestmark = pytest.mark.django_db


def test_a_new_shopper_claims_the_new_member_coupon_uses_it_and_gets_it_back_when_the_order_times_out(api, committed):
    load_demo()
    shop = tea_shop()
    shopper, _openid, _login = wechat_login(api)

    # The coupon center shows the new-member coupon: 50 in all, one each.
    center = ok(shopper.get("/api/v1/coupons/"))["results"]
    offered = next(c for c in center if c["name"] == NEW_MEMBER_COUPON)
    assert (offered["total"], offered["remaining"], offered["per_member_limit"]) == (50, 50, 1)
    claimed = ok(shopper.post(f"/api/v1/coupons/{offered['id']}/claim/", HTTP_IDEMPOTENCY_KEY="tap-1"), 201)
    again = shopper.post(f"/api/v1/coupons/{offered['id']}/claim/")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "coupon_limit_reached")
    assert CouponBatch.objects.get(name=NEW_MEMBER_COUPON).remaining == 49

    # 128 yuan of tea: the coupon (满50减10) is picked by the preview and paid with.
    address = add_address(shopper)
    big = ok(api.get(f"/api/v1/products/{shop.longjing.pk}/"))["skus"][1]
    add_to_basket(shopper, big["id"], 1)
    body = {"address_id": address["id"], "payment_method": "wechat"}
    placed, preview, _key = place_order(shopper, body)
    assert preview["coupon_id"] == claimed["id"]
    assert preview["discount"] == "10.00"
    assert Decimal(placed["total"]) == Decimal("118.00") + Decimal(preview["shipping"])
    mine = ok(shopper.get("/api/v1/me/coupons/?status=used"))["results"]
    assert [(c["id"], c["order_number"]) for c in mine] == [(claimed["id"], placed["number"])]

    # Nobody pays: the periodic job cancels the order after its pay-before time.
    with committed():
        assert cancel_overdue_unpaid_orders(now=timezone.now() + timedelta(hours=2)) == 1
    assert order_of(shopper, placed["number"])["status"] == "cancelled"

    # The coupon is back, and the next checkout picks it again.
    back = ok(shopper.get("/api/v1/me/coupons/?status=available"))["results"]
    assert [c["id"] for c in back] == [claimed["id"]]
    add_to_basket(shopper, big["id"], 1)
    looked = ok(shopper.post("/api/v1/checkout/preview/", body, format="json"))
    assert (looked["coupon_id"], looked["discount"]) == (claimed["id"], "10.00")
