"""A shopper fills the basket: lines by SKU, limits, vouchers and offers with honest totals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.apps.basket.models import Line
from oscar.apps.voucher.models import Voucher

from storefront.basket import services as basket_services
from storefront.catalog.models import ProductListing
from tests.factories import child_sku, place, site_offer, sku, voucher

pytestmark = pytest.mark.django_db


def add(api, product, quantity=1):
    return api.post("/api/v1/basket/lines/", {"sku": product.pk, "quantity": quantity}, format="json")


def test_an_empty_basket_reads_without_creating_one(member_api):
    body = member_api.get("/api/v1/basket/").json()
    assert body["lines"] == [] and body["total"] == "0.00" and body["currency"] == "CNY"
    assert body["id"] is None


def test_member_adds_a_sku_and_sees_the_line_and_totals(member_api):
    tea = sku(price="38.50", stock=5)
    response = add(member_api, tea, 2)
    assert response.status_code == 201
    body = response.json()
    [line] = body["lines"]
    assert (line["sku"], line["quantity"], line["unit_price"], line["line_total"]) == (tea.pk, 2, "38.50", "77.00")
    assert body["total"] == "77.00" and body["discount"] == "0.00"
    assert member_api.get("/api/v1/basket/").json() == body


def test_a_child_sku_can_be_bought_and_names_its_product(member_api):
    variant = child_sku(price="80.00")
    body = add(member_api, variant).json()
    assert body["lines"][0]["product_id"] == variant.parent_id


def test_adding_the_same_sku_again_raises_the_line_quantity(member_api):
    tea = sku(stock=10)
    add(member_api, tea, 2)
    body = add(member_api, tea, 3).json()
    assert [line["quantity"] for line in body["lines"]] == [5]


def test_member_changes_and_removes_a_line(member_api):
    tea = sku(price="10.00")
    line_id = add(member_api, tea, 1).json()["lines"][0]["id"]
    body = member_api.patch(f"/api/v1/basket/lines/{line_id}/", {"quantity": 4}, format="json").json()
    assert body["lines"][0]["quantity"] == 4 and body["total"] == "40.00"
    body = member_api.delete(f"/api/v1/basket/lines/{line_id}/").json()
    assert body["lines"] == [] and body["total"] == "0.00"


@pytest.mark.parametrize("quantity", [0, -1, 10**9, "many", None])
def test_a_silly_quantity_is_refused_and_nothing_is_written(member_api, quantity):
    tea = sku()
    response = member_api.post("/api/v1/basket/lines/", {"sku": tea.pk, "quantity": quantity}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert "quantity" in response.json()["error"]["fields"]
    assert not Line.objects.exists()


def test_more_than_the_stock_is_out_of_stock(member_api):
    tea = sku(stock=3)
    response = add(member_api, tea, 4)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "out_of_stock"
    assert response.json()["error"]["items"] == [{"sku": tea.pk, "available": 3}]
    assert not Line.objects.exists()


def test_a_sold_out_sku_is_out_of_stock(member_api):
    response = add(member_api, sku(stock=0))
    assert response.status_code == 409 and response.json()["error"]["code"] == "out_of_stock"


def test_the_shop_limit_per_sku_and_order_applies(member_api, settings):
    settings.ORDER_MAX_QUANTITY_PER_SKU = 3
    tea = sku(stock=50)
    add(member_api, tea, 2)
    response = add(member_api, tea, 2)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "quantity_limit_exceeded"
    assert response.json()["error"]["max_quantity"] == 3
    assert Line.objects.get().quantity == 2


def test_a_skus_own_purchase_limit_is_lower_than_the_shops(member_api):
    tea = sku(stock=50)
    ProductListing.objects.update_or_create(product=tea, defaults={"purchase_limit": 2})
    response = member_api.post("/api/v1/basket/lines/", {"sku": tea.pk, "quantity": 3}, format="json")
    assert response.json()["error"]["code"] == "quantity_limit_exceeded"


def test_the_number_of_lines_is_limited(member_api, settings):
    settings.BASKET_MAX_LINES = 2
    add(member_api, sku())
    add(member_api, sku())
    response = add(member_api, sku())
    assert response.status_code == 400 and response.json()["error"]["code"] == "basket_full"
    assert Line.objects.count() == 2


def test_an_unpublished_sku_is_not_on_sale(member_api):
    response = add(member_api, sku(public=False))
    assert response.status_code == 400 and response.json()["error"]["code"] == "sku_unavailable"


@pytest.mark.parametrize("sku_id", [0, -5, 10**20, "tea", None])
def test_a_silly_sku_id_is_invalid_input(member_api, sku_id):
    response = member_api.post("/api/v1/basket/lines/", {"sku": sku_id, "quantity": 1}, format="json")
    assert response.status_code == 400 and response.json()["error"]["fields"].keys() == {"sku"}


def test_an_unknown_sku_or_a_parent_product_is_not_found(member_api):
    assert (
        member_api.post("/api/v1/basket/lines/", {"sku": 999999, "quantity": 1}, format="json").json()["error"]["code"]
        == "sku_not_found"
    )
    parent = child_sku().parent
    response = add(member_api, parent)
    assert response.status_code == 404 and response.json()["error"]["code"] == "sku_not_found"


def test_another_members_basket_line_is_not_found(member_api, other_api):
    line_id = add(other_api, sku()).json()["lines"][0]["id"]
    assert member_api.patch(f"/api/v1/basket/lines/{line_id}/", {"quantity": 2}, format="json").status_code == 404
    response = member_api.delete(f"/api/v1/basket/lines/{line_id}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "basket_line_not_found"
    assert Line.objects.get(pk=line_id).quantity == 1


def test_the_basket_needs_a_login(api):
    assert api.get("/api/v1/basket/").status_code == 401


# --- vouchers -----------------------------------------------------------------------------------
def use(api, code):
    return api.post("/api/v1/basket/voucher/", {"code": code}, format="json")


def test_a_voucher_takes_its_amount_off_and_can_be_removed(member_api):
    add(member_api, sku(price="60.00"))
    voucher("TEA10", value="10.00")
    body = use(member_api, "tea10").json()
    assert body["vouchers"] == ["TEA10"]
    assert body["discount"] == "10.00" and body["total"] == "50.00"
    assert body["discounts"][0]["voucher_code"] == "TEA10"
    body = member_api.delete("/api/v1/basket/voucher/?code=TEA10").json()
    assert body["vouchers"] == [] and body["total"] == "60.00"


@pytest.mark.parametrize(
    "make, code",
    [
        (lambda: None, "voucher_unknown"),
        (
            lambda: voucher("OLD", ends=timezone.now() - timedelta(hours=1), starts=timezone.now() - timedelta(days=9)),
            "voucher_expired",
        ),
        (lambda: voucher("SOON", starts=timezone.now() + timedelta(days=1)), "voucher_not_applicable"),
        (lambda: voucher("OTHER", products=[sku()]), "voucher_not_applicable"),
    ],
    ids=["unknown", "expired", "not-yet-valid", "other-products"],
)
def test_a_voucher_that_cannot_apply_says_why(member_api, make, code):
    add(member_api, sku(price="60.00"))
    made = make()
    response = use(member_api, made.code if made else "NOPE")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert member_api.get("/api/v1/basket/").json()["vouchers"] == []


def test_a_single_use_voucher_already_used_says_so(member, member_api, other_member):
    once = voucher("ONCE", usage=Voucher.SINGLE_USE)
    tea = sku(price="60.00")
    basket_services.add_line(member=other_member, sku_id=tea.pk, quantity=1)
    basket_services.apply_voucher(member=other_member, code="ONCE")
    place(other_member)
    assert once.applications.count() == 1
    add(member_api, tea)
    response = use(member_api, "ONCE")
    assert response.status_code == 400 and response.json()["error"]["code"] == "voucher_used"


# --- offers -------------------------------------------------------------------------------------
def test_a_site_offer_applies_by_itself(member_api):
    site_offer(value="20", kind="Percentage", name="八折")
    body = add(member_api, sku(price="50.00"), 2).json()
    assert body["items"] == "100.00" and body["discount"] == "20.00" and body["total"] == "80.00"
    assert body["discounts"] == [{"name": "八折", "amount": "20.00", "voucher_code": None}]


def test_an_offer_stack_that_would_go_negative_totals_zero(member, member_api):
    """Two 80-yuan offers and an 80-yuan voucher, all combinable, on a 100-yuan basket:
    240 off on paper."""
    site_offer(value="80.00")
    site_offer(value="80.00")
    voucher("BIG80", value="80.00", exclusive=False)
    tea = sku(price="100.00")
    add(member_api, tea)
    body = use(member_api, "BIG80").json()
    assert sum(Decimal(d["amount"]) for d in body["discounts"]) > Decimal("100.00")  # what Oscar computed
    assert body["items"] == "100.00"
    assert body["total"] == "0.00" and body["discount"] == "100.00"
    order = place(member)
    assert order.total_incl_tax == Decimal("10.00")  # only the shipping charge is left to pay
    assert order.info.price_snapshot["totals"]["discount"] == "100.00"


def test_a_huge_line_id_in_the_path_is_not_found(member_api):
    response = member_api.delete("/api/v1/basket/lines/99999999999999999999999/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "basket_line_not_found"


def _queries_to_read_and_add(member_api, lines):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(lines):
        add(member_api, child_sku(price="20.00", stock=50))
    extra = child_sku(price="30.00", stock=50)
    with CaptureQueriesContext(connection) as read:
        assert member_api.get("/api/v1/basket/").status_code == 200
    with CaptureQueriesContext(connection) as write:
        add(member_api, extra)
    return len(read), len(write)


def test_reading_and_adding_cost_the_same_queries_for_a_small_and_a_big_basket(member_api, other_api):
    small = _queries_to_read_and_add(member_api, lines=1)
    big = _queries_to_read_and_add(other_api, lines=8)
    assert small == big
