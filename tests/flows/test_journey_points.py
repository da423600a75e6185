"""A WeChat shopper's points, through the HTTP API, the sandbox and the admin: checks in, earns
on a paid order (pending until the order completes), spends points at checkout, and has
them given back, and the order's own earning taken back, when that order is refunded."""

from decimal import Decimal

import pytest
from django.urls import reverse

from loyalty.models import Rules
from loyalty.verification import verify_points
from storefront.orders.models import AfterSalesRequest
from tests.steps import add_to_basket, ok, order_of, pay_wechat, place_order, tea_shop, wechat_login

pytestmark = pytest.mark.django_db


def points(shopper):
    account = ok(shopper.get("/api/v1/loyalty/account/"))
    return account["available"], account["pending"], account["reserved"]


def test_a_shopper_checks_in_earns_on_an_order_spends_points_and_gets_them_back_on_a_refund(api, operations, committed):
    Rules.objects.create(
        earn_points_per_yuan=Decimal("1.00"),
        redeem_points_per_yuan=100,
        redeem_max_share=Decimal("50.00"),
        redeem_min_points=100,
        check_in_points=5,
    )
    shop = tea_shop()
    shopper, _openid, _login = wechat_login(api)
    assert points(shopper) == (0, 0, 0)

    # The daily check-in pays once; the second tap the same day is refused.
    checked = ok(shopper.post("/api/v1/loyalty/check-in/"), 201)
    assert (checked["awarded"], checked["streak"], checked["available"]) == (5, 1, 5)
    again = shopper.post("/api/v1/loyalty/check-in/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_checked_in"

    # Order 1, picked up at the store: 136 yuan paid earns 136 points, pending until it completes.
    small = ok(api.get(f"/api/v1/products/{shop.longjing.pk}/"))["skus"][0]
    add_to_basket(shopper, small["id"], 2)
    pickup = {"store_id": shop.store.pk, "shipping_method": "pickup", "payment_method": "wechat"}
    placed, preview, _key = place_order(shopper, pickup)
    assert preview["points"]["max_usable"] == 0  # 5 points: fewer than the minimum of 100
    first = placed["number"]
    pay_wechat(api, shopper, first, committed)
    assert points(shopper) == (5, 136, 0)
    with committed():
        handed = operations.post(
            reverse("admin:storefront_operationsorder_pickup"), {"code": order_of(shopper, first)["pickup_code"]}
        )
    assert handed.status_code == 302
    assert order_of(shopper, first)["status"] == "completed"
    assert points(shopper) == (141, 0, 0)

    # Order 2 spends 100 points (1 yuan) of the 141: reserved when placed, spent when paid.
    add_to_basket(shopper, shop.keemun.pk, 2)
    looked = ok(shopper.post("/api/v1/checkout/preview/", pickup, format="json"))
    assert looked["points"]["available"] == 141 and looked["points"]["max_usable"] == 141
    with_points = {**pickup, "use_points": 100}
    placed, preview, _key = place_order(shopper, with_points)
    assert (preview["points"]["used"], preview["points"]["saving"], preview["total"]) == (100, "1.00", "90.00")
    assert placed["total"] == "90.00"
    second = placed["number"]
    assert points(shopper) == (41, 0, 100)
    pay_wechat(api, shopper, second, committed)
    assert points(shopper) == (41, 90, 0)  # 90 yuan actually paid earns 90, pending

    # The shopper asks for the money back; operations approve; WeChat Pay refunds.
    asked = ok(
        shopper.post(
            f"/api/v1/orders/{second}/refund-request/", {"type": "refund_only", "reason": "买多了"}, format="json"
        ),
        201,
    )
    with committed():
        approved = operations.post(
            reverse("admin:storefront_aftersalesrequest_changelist"),
            {"action": "approve", "_selected_action": [asked["id"]]},
        )
    assert approved.status_code == 302
    assert AfterSalesRequest.objects.get().status == "approved"
    assert order_of(shopper, second)["status"] == "refunded"
    # The 100 points spent come back, the 90 pending are taken back.
    assert points(shopper) == (141, 0, 0)

    ledger = ok(shopper.get("/api/v1/loyalty/ledger/"))["results"]
    # The shopper's ledger, newest first: each change and the available balance after it.
    assert [(row["kind"], row["delta"], row["balance_after"]) for row in ledger] == [
        ("clawback", 0, 141),  # the 90 pending points of the refunded order (pending, not available)
        ("redeem_return", 100, 141),
        ("redeem_consume", 0, 41),
        ("earn", 0, 41),
        ("redeem_reserve", -100, 41),
        ("earn_confirmed", 136, 141),
        ("earn", 0, 5),
        ("check_in", 5, 5),
    ]
    assert verify_points(record=False).drifted == 0
