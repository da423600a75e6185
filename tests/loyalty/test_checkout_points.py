"""A shopper spends points at checkout over HTTP: the preview says how many may be used and what
they save (never more than the rules' share of the goods after discounts, never the whole
total, shipping not counted), placing the order reserves them once whatever the retries,
paying in the sandbox spends them and cancelling gives them back. Every refused amount is a
4xx with a stable code and leaves no order, no entry and the balances as they were."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from oscar.apps.order.models import Order

from loyalty.models import Account, Entry, OrderPoints
from platforms.base import reset_platform_clients
from storefront.checkout.models import CheckoutRequest
from tests.conftest import client_for
from tests.factories import MemberFactory, address_of, fill_basket, member_with_identity, pickup_store, site_offer, sku
from tests.loyalty.conftest import balances, grant
from tests.steps import ok

pytestmark = pytest.mark.django_db

PREVIEW, PLACE, ACCOUNT = "/api/v1/checkout/preview/", "/api/v1/checkout/", "/api/v1/loyalty/account/"
ERRORS_DOC = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


@pytest.fixture
def shopper(rules, points_staff):
    """A member holding 5000 points with 80 yuan of tea in the basket (10 yuan shipping)."""
    member = MemberFactory()
    grant(member, 5000, staff=points_staff)
    fill_basket(member, (sku(price="80.00"), 1))
    member.address = address_of(member)
    member.api = client_for(member)
    return member


def preview(member, **body):
    body = {"payment_method": "wechat", "address_id": member.address.pk, **body}
    return member.api.post(PREVIEW, body, format="json")


def place(member, key="tap-1", **body):
    body = {"payment_method": "wechat", "address_id": member.address.pk, **body}
    return member.api.post(PLACE, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


# --- the preview ---------------------------------------------------------------------------------
def test_the_preview_says_how_many_points_may_be_used_and_what_they_save(shopper):
    body = ok(preview(shopper))

    assert (body["items"], body["shipping"], body["total"]) == ("80.00", "10.00", "90.00")
    # 50% of the 80.00 of goods (not of the 90.00 with shipping) is 40.00, i.e. 4000 points.
    assert body["points"] == {
        "available": 5000,
        "max_usable": 4000,
        "used": 0,
        "saving": "0.00",
        "rate": 100,
        "minimum": 100,
    }


def test_using_points_in_the_preview_takes_their_saving_off_the_total(shopper):
    body = ok(preview(shopper, use_points=1234))

    assert body["points"] == {
        "available": 5000,
        "max_usable": 4000,
        "used": 1234,
        "saving": "12.34",
        "rate": 100,
        "minimum": 100,
    }
    assert (body["items"], body["shipping"], body["total"]) == ("80.00", "10.00", "77.66")
    assert balances(shopper) == (5000, 0, 0)  # a preview reserves nothing
    assert not Entry.objects.filter(kind="redeem_reserve").exists()


def test_a_saving_is_rounded_down_to_the_fen(shopper, rules):
    rules.redeem_points_per_yuan = 30
    rules.save()
    body = ok(preview(shopper, use_points=100))
    assert (body["points"]["saving"], body["total"]) == ("3.33", "86.67")


def test_the_cap_counts_the_goods_after_discounts(shopper):
    site_offer(value="20.00")
    body = ok(preview(shopper))
    assert (body["discount"], body["shipping"], body["total"]) == ("20.00", "10.00", "70.00")
    assert body["points"]["max_usable"] == 3000  # 50% of 60.00


def test_the_balance_limits_what_may_be_used_when_it_is_below_the_cap(rules, points_staff):
    member = MemberFactory()
    grant(member, 700, staff=points_staff)
    fill_basket(member, (sku(price="80.00"), 1))
    body = ok(client_for(member).post(PREVIEW, {"payment_method": "wechat", "store_id": pickup_store().pk}))
    assert (body["points"]["available"], body["points"]["max_usable"]) == (700, 700)


def test_fewer_points_than_the_minimum_can_use_none(rules, points_staff):
    member = MemberFactory()
    grant(member, 99, staff=points_staff)
    fill_basket(member, (sku(price="80.00"), 1))
    body = ok(client_for(member).post(PREVIEW, {"payment_method": "wechat", "store_id": pickup_store().pk}))
    assert (body["points"]["available"], body["points"]["max_usable"], body["points"]["minimum"]) == (99, 0, 100)


def test_a_member_without_points_sees_zero(member, member_api, rules):
    fill_basket(member, (sku(price="80.00"), 1))
    body = ok(member_api.post(PREVIEW, {"payment_method": "wechat", "address_id": address_of(member).pk}))
    assert (body["points"]["available"], body["points"]["max_usable"], body["total"]) == (0, 0, "90.00")


def test_even_at_a_100_percent_share_points_never_pay_the_whole_total(shopper, rules, points_staff):
    rules.redeem_max_share = Decimal("100.00")
    rules.save()
    # Delivery: all the goods may be paid with points, the shipping is paid in money.
    grant(shopper, 5000, staff=points_staff)
    body = ok(preview(shopper, use_points=8000))
    assert (body["points"]["max_usable"], body["points"]["saving"], body["total"]) == (8000, "80.00", "10.00")
    # Pickup (no shipping): at least 0.01 is left to pay, so the order can still be paid.
    store = pickup_store()
    body = ok(preview(shopper, address_id=None, store_id=store.pk))
    assert body["points"]["max_usable"] == 7999
    body = ok(preview(shopper, address_id=None, store_id=store.pk, use_points=7999))
    assert (body["points"]["saving"], body["total"]) == ("79.99", "0.01")
    refused = preview(shopper, address_id=None, store_id=store.pk, use_points=8000)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["code"], error["max_usable"]) == ("points_exceed_limit", 7999)


# --- placing, paying, cancelling -----------------------------------------------------------------
def test_placing_with_points_reserves_them_and_the_order_shows_what_they_saved(shopper):
    total = ok(preview(shopper, use_points=1500))["total"]

    placed = ok(place(shopper, use_points=1500, expected_total=total), 201)

    assert placed["total"] == total == "75.00"  # 80.00 + 10.00 shipping - 15.00
    order = Order.objects.get(number=placed["number"])
    assert order.total_incl_tax == Decimal("75.00")
    account = ok(shopper.api.get(ACCOUNT))
    assert (account["available"], account["reserved"], account["pending"]) == (3500, 1500, 0)
    detail = ok(shopper.api.get(f"/api/v1/orders/{placed['number']}/"))
    assert detail["points"] == [
        {
            "earned": 0,
            "earn_state": "not_awarded",
            "clawed_back": 0,
            "used": 1500,
            "saving": "15.00",
            "redeem_state": "reserved",
            "returned": 0,
        }
    ]
    assert order.info.price_snapshot["points"] == {"used": 1500, "saving": "15.00"}


def test_an_order_without_points_reserves_nothing(shopper):
    placed = ok(place(shopper), 201)
    assert placed["total"] == "90.00"
    assert balances(shopper) == (5000, 0, 0)
    assert not OrderPoints.objects.exists()
    assert ok(shopper.api.get(f"/api/v1/orders/{placed['number']}/"))["points"] == []


def test_a_retried_placement_with_the_same_key_reserves_the_points_once(shopper):
    first = place(shopper, "tap-7", use_points=1000)
    fill_basket(shopper, (sku(price="80.00"), 1))  # a new basket: the retry must not place it
    again = place(shopper, "tap-7", use_points=1000)

    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    assert balances(shopper) == (4000, 0, 1000)
    assert Entry.objects.filter(kind="redeem_reserve").count() == 1
    # The same key with another amount of points is a different request: refused, nothing taken.
    other = place(shopper, "tap-7", use_points=2000)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert balances(shopper) == (4000, 0, 1000) and Order.objects.count() == 1


def test_a_placement_refused_for_its_points_leaves_the_key_free_for_the_corrected_attempt(shopper):
    refused = place(shopper, "tap-9", use_points=5001)
    assert refused.json()["error"]["code"] == "points_exceed_balance"

    placed = place(shopper, "tap-9", use_points=1000)

    assert placed.status_code == 201 and "Idempotent-Replayed" not in placed
    assert balances(shopper) == (4000, 0, 1000)


@pytest.fixture
def sandbox(settings):
    settings.SANDBOX_DELIVERY = "inline"
    reset_platform_clients()
    yield
    reset_platform_clients()


def test_paying_in_the_sandbox_spends_the_reserved_points(sandbox, api, rules, points_staff, committed):
    member = member_with_identity("wechat")
    grant(member, 2000, staff=points_staff)
    fill_basket(member, (sku(price="120.00"), 1))
    shopper = client_for(member)
    body = {"payment_method": "wechat", "address_id": address_of(member).pk, "use_points": 1000}
    number = ok(shopper.post(PLACE, body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1"), 201)["number"]
    assert balances(member) == (1000, 0, 1000)

    pay = ok(shopper.post(f"/api/v1/orders/{number}/pay/", {"provider": "wechat"}, format="json"))
    prepay_id = pay["params"]["package"].removeprefix("prepay_id=")
    with committed():
        ok(api.post("/sandbox/wechatpay/complete/", {"prepay_id": prepay_id, "result": "success"}, format="json"))

    detail = ok(shopper.get(f"/api/v1/orders/{number}/"))
    assert detail["status"] == "paid"
    assert detail["payments"][0]["amount"] == "110.00"  # 120.00 less 10.00 of points (free shipping)
    account = ok(shopper.get(ACCOUNT))
    # Spent for good; the 110 yuan paid earn 110 points, pending until the order completes.
    assert (account["available"], account["reserved"], account["pending"]) == (1000, 0, 110)
    assert (detail["points"][0]["redeem_state"], detail["points"][0]["used"]) == ("consumed", 1000)
    consumed = Entry.objects.get(kind="redeem_consume")
    assert (consumed.delta, consumed.reserved_delta) == (0, -1000)


def test_cancelling_the_order_gives_the_points_back(shopper, committed):
    number = ok(place(shopper, use_points=2500), 201)["number"]
    assert balances(shopper) == (2500, 0, 2500)

    with committed():
        cancelled = ok(shopper.api.post(f"/api/v1/orders/{number}/cancel/"))

    assert cancelled["status"] == "cancelled"
    account = ok(shopper.api.get(ACCOUNT))
    assert (account["available"], account["reserved"]) == (5000, 0)
    detail = ok(shopper.api.get(f"/api/v1/orders/{number}/"))
    assert detail["points"][0]["redeem_state"] == "released"
    ledger = ok(shopper.api.get("/api/v1/loyalty/ledger/"))["results"]
    assert [(e["kind"], e["delta"], e["reserved_delta"]) for e in ledger[:2]] == [
        ("redeem_release", 2500, -2500),
        ("redeem_reserve", -2500, 2500),
    ]
    # Cancelling again changes nothing.
    with committed():
        shopper.api.post(f"/api/v1/orders/{number}/cancel/")
    assert balances(shopper) == (5000, 0, 0)
    assert Entry.objects.filter(kind="redeem_release").count() == 1


# --- refused amounts -----------------------------------------------------------------------------
def assert_nothing_written(member, before):
    assert not Order.objects.exists()
    assert not CheckoutRequest.objects.exists()
    assert not OrderPoints.objects.exists()
    assert Entry.objects.count() == before
    assert balances(member) == (5000, 0, 0)


@pytest.fixture(params=["preview", "place"])
def send(request):
    return preview if request.param == "preview" else place


@pytest.mark.parametrize(
    ("use_points", "code", "extra"),
    [
        (5001, "points_exceed_balance", {"available": 5000}),
        (4001, "points_exceed_limit", {"max_usable": 4000}),
        (99, "points_below_minimum", {"minimum": 100}),
    ],
)
def test_points_the_order_cannot_take_are_refused_and_nothing_is_written(shopper, send, use_points, code, extra):
    before = Entry.objects.count()

    response = send(shopper, use_points=use_points)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert {key: error[key] for key in extra} == extra
    assert "use_points" in error["fields"]
    assert_nothing_written(shopper, before)


def test_a_member_who_never_had_points_is_refused_without_an_account_being_opened(member, member_api, rules, send):
    fill_basket(member, (sku(price="80.00"), 1))
    member.address, member.api = address_of(member), member_api

    response = send(member, use_points=100)

    assert response.status_code == 400
    assert (response.json()["error"]["code"], response.json()["error"]["available"]) == ("points_exceed_balance", 0)
    assert not Account.objects.exists() and not Order.objects.exists() and not Entry.objects.exists()


def test_points_are_refused_when_the_brand_switched_paying_with_points_off(shopper, send, rules):
    rules.redeem_enabled = False
    rules.save()
    before = Entry.objects.count()
    assert ok(preview(shopper))["points"]["max_usable"] == 0

    response = send(shopper, use_points=100)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "points_not_accepted"
    assert_nothing_written(shopper, before)


@pytest.mark.parametrize("use_points", [-100, 1.5, 100.0, True, "abc", "1.5", " ", None, [100], {"points": 1}, 10**12])
def test_a_negative_fractional_or_non_number_amount_is_invalid_input(shopper, send, use_points):
    before = Entry.objects.count()

    response = send(shopper, use_points=use_points)

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert set(error["fields"]) == {"use_points"}
    assert_nothing_written(shopper, before)


def test_every_code_these_stories_meet_is_documented():
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", ERRORS_DOC.read_text(), flags=re.M))
    met = {
        "points_exceed_balance",
        "points_exceed_limit",
        "points_below_minimum",
        "points_not_accepted",
        "already_checked_in",
        "invalid_input",
        "not_authenticated",
        "not_found",
        "idempotency_key_reused",
    }
    assert met <= documented, met - documented


# --- the schema ----------------------------------------------------------------------------------
def test_the_schema_documents_use_points_and_the_preview_s_points(api):
    schema = ok(api.get("/api/schema/", {"format": "json"}))
    components = schema["components"]["schemas"]
    preview_op = schema["paths"][PREVIEW]["post"]
    assert "points_exceed_limit" in preview_op["responses"]["400"]["description"]
    assert set(components["PointsPreview"]["properties"]) == {
        "available",
        "max_usable",
        "used",
        "saving",
        "rate",
        "minimum",
    }
    assert components["Preview"]["properties"]["points"]["$ref"] == "#/components/schemas/PointsPreview"
    use_points = components["CheckoutInputRequest"]["properties"]["use_points"]
    assert (use_points["type"], use_points["minimum"]) == ("integer", 0)
    assert "use_points" in components["PlaceOrderInputRequest"]["properties"]
