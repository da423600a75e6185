"""A shopper previews totals for a delivery choice and places the order, once."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.apps.basket.models import Basket
from oscar.apps.order.models import Order, OrderStatusChange
from oscar.apps.partner.models import StockRecord

from storefront.checkout.models import CheckoutRequest
from storefront.orders.models import OrderInfo
from tests.factories import StoreFactory, address_of, fill_basket, pickup_store, site_offer, sku, stock_of

pytestmark = pytest.mark.django_db


def preview(api, **body):
    body.setdefault("payment_method", "wechat")
    return api.post("/api/v1/checkout/preview/", body, format="json")


def place(api, key="k-1", **body):
    body.setdefault("payment_method", "wechat")
    return api.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def assert_nothing_written(product=None, allocated=None):
    assert not Order.objects.exists()
    assert not CheckoutRequest.objects.exists()
    if product is not None:
        assert (stock_of(product).num_allocated or 0) == (allocated or 0)


# --- totals --------------------------------------------------------------------------------------
def test_standard_delivery_costs_the_flat_rate_below_the_threshold(member, member_api):
    fill_basket(member, (sku(price="45.00"), 2))
    body = preview(member_api, address_id=address_of(member).pk).json()
    assert (body["items"], body["discount"], body["shipping"], body["total"]) == ("90.00", "0.00", "10.00", "100.00")
    assert body["shipping_method"] == "standard"
    assert {m["code"]: m["charge"] for m in body["shipping_methods"]} == {"standard": "10.00", "express": "22.00"}


def test_standard_delivery_is_free_above_the_threshold_but_express_is_not(member, member_api):
    fill_basket(member, (sku(price="50.00"), 2))
    address = address_of(member)
    assert preview(member_api, address_id=address.pk).json()["total"] == "100.00"
    body = preview(member_api, address_id=address.pk, shipping_method="express").json()
    assert (body["shipping"], body["total"]) == ("22.00", "122.00")


def test_the_threshold_counts_goods_after_discounts(member, member_api):
    site_offer(value="10", kind="Percentage")
    fill_basket(member, (sku(price="100.00"), 1))
    body = preview(member_api, address_id=address_of(member).pk).json()
    assert (body["items"], body["discount"], body["shipping"], body["total"]) == ("100.00", "10.00", "10.00", "100.00")


def test_a_remote_province_pays_the_surcharge_even_when_shipping_is_free(member, member_api):
    fill_basket(member, (sku(price="120.00"), 1))
    address = address_of(member, province="新疆维吾尔自治区", city="乌鲁木齐市")
    body = preview(member_api, address_id=address.pk).json()
    assert (body["shipping"], body["total"]) == ("15.00", "135.00")
    assert preview(member_api, address_id=address.pk, shipping_method="express").json()["shipping"] == "37.00"


def test_store_pickup_has_no_shipping_charge(member, member_api):
    fill_basket(member, (sku(price="30.00"), 1))
    body = preview(member_api, store_id=pickup_store().pk).json()
    assert (body["shipping"], body["total"], body["shipping_method"]) == ("0.00", "30.00", "pickup")


# --- placing -------------------------------------------------------------------------------------
def test_placing_an_order_holds_the_stock_and_empties_the_basket(member, member_api):
    tea = sku(price="45.00", stock=5)
    fill_basket(member, (tea, 2))
    address = address_of(member)
    total = preview(member_api, address_id=address.pk).json()["total"]
    before = timezone.now()
    response = place(member_api, address_id=address.pk, expected_total=total)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending_payment" and body["total"] == "100.00"
    assert re.fullmatch(r"[A-Za-z0-9_]{6,32}", body["number"])
    order = Order.objects.get(number=body["number"])
    assert order.user == member and order.status == "pending_payment"
    info = order.info
    assert before + timedelta(minutes=29) < info.pay_before < timezone.now() + timedelta(minutes=31)
    assert info.price_snapshot["totals"]["total"] == "100.00"
    assert info.stock_state == "allocated"
    record = stock_of(tea)
    assert (record.num_in_stock, record.num_allocated) == (5, 2)
    assert member_api.get("/api/v1/basket/").json()["lines"] == []
    assert Basket.objects.get(owner=member).status == Basket.SUBMITTED
    assert order.notes.filter(message__contains="Placed").exists()


def test_order_numbers_are_unique_and_not_sequential(member):
    from storefront.checkout.services import new_order_number

    numbers = {new_order_number() for _ in range(200)}
    assert len(numbers) == 200
    assert all(re.fullmatch(r"\d{6}[A-Z0-9]{12}", n) for n in numbers)


def test_the_same_idempotency_key_returns_the_same_order(member, member_api):
    fill_basket(member, (sku(stock=5), 1))
    address = address_of(member)
    first = place(member_api, "tap-1", address_id=address.pk)
    fill_basket(member, (sku(stock=5), 1))  # a new basket: a second order must not come of it
    second = place(member_api, "tap-1", address_id=address.pk)
    assert second.status_code == 201 and second["Idempotent-Replayed"] == "true"
    assert second.json()["number"] == first.json()["number"]
    assert Order.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(member, member_api):
    fill_basket(member, (sku(), 1))
    address = address_of(member)
    place(member_api, "tap-2", address_id=address.pk)
    response = place(member_api, "tap-2", address_id=address.pk, shipping_method="express")
    assert response.status_code == 409 and response.json()["error"]["code"] == "idempotency_key_reused"


def test_keys_are_per_member(member, member_api, other_member, other_api):
    for who in (member, other_member):
        fill_basket(who, (sku(), 1))
    first = place(member_api, "same", address_id=address_of(member).pk)
    second = place(other_api, "same", address_id=address_of(other_member).pk)
    assert first.json()["number"] != second.json()["number"]


def test_placing_without_an_idempotency_key_is_refused(member, member_api):
    fill_basket(member, (sku(), 1))
    response = member_api.post(
        "/api/v1/checkout/", {"address_id": address_of(member).pk, "payment_method": "wechat"}, format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "idempotency_key_required"
    assert_nothing_written()


def test_a_price_changed_since_the_preview_is_reported_not_charged(member, member_api):
    tea = sku(price="45.00")
    fill_basket(member, (tea, 2))
    address = address_of(member)
    seen = preview(member_api, address_id=address.pk).json()["total"]
    StockRecord.objects.filter(product=tea).update(price=Decimal("47.00"))
    response = place(member_api, address_id=address.pk, expected_total=seen)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "price_changed" and error["totals"]["total"] == "104.00"
    assert_nothing_written(tea)
    # Without expected_total the last preview is the reference.
    response = place(member_api, "k-2", address_id=address.pk)
    assert response.json()["error"]["code"] == "price_changed"
    # Seen and accepted: the new price is charged.
    assert place(member_api, "k-3", address_id=address.pk, expected_total="104.00").status_code == 201


def test_a_pickup_order_gets_a_code_and_no_address(member, member_api):
    fill_basket(member, (sku(price="30.00"), 1))
    store = pickup_store()
    body = place(member_api, store_id=store.pk, payment_method="alipay").json()
    info = OrderInfo.objects.get(order__number=body["number"])
    assert info.fulfilment == "pickup" and info.pickup_store == store
    assert re.fullmatch(r"\d{8}", info.pickup_code)
    assert info.order.shipping_address is None and body["total"] == "30.00"
    assert info.payment_method == "alipay"


def test_a_voucher_used_in_an_order_is_recorded(member, member_api):
    from tests.factories import voucher

    once = voucher("ONE", usage="Single use", value="5.00")
    fill_basket(member, (sku(price="50.00"), 1))
    member_api.post("/api/v1/basket/voucher/", {"code": "ONE"}, format="json")
    body = place(member_api, address_id=address_of(member).pk).json()
    assert body["total"] == "55.00"
    assert once.applications.get().order.number == body["number"]


# --- bad input: a 4xx with a stable code, nothing written ------------------------------------------
def test_an_empty_basket_cannot_be_checked_out(member, member_api):
    address = address_of(member)
    for response in (preview(member_api, address_id=address.pk), place(member_api, address_id=address.pk)):
        assert response.status_code == 400 and response.json()["error"]["code"] == "basket_empty"
    assert_nothing_written()


def test_another_members_address_is_not_found(member, member_api, other_member):
    tea = sku()
    fill_basket(member, (tea, 1))
    foreign = address_of(other_member)
    for response in (preview(member_api, address_id=foreign.pk), place(member_api, address_id=foreign.pk)):
        assert response.status_code == 404 and response.json()["error"]["code"] == "address_not_found"
    assert_nothing_written(tea)


@pytest.mark.parametrize(
    "make_store, status, code",
    [
        (lambda: None, 404, "store_not_found"),
        (lambda: StoreFactory(offers_pickup=False), 400, "pickup_unavailable"),
        (lambda: StoreFactory(is_active=False), 404, "store_not_found"),
    ],
)
def test_a_store_without_pickup_is_refused(member, member_api, make_store, status, code):
    tea = sku()
    fill_basket(member, (tea, 1))
    store = make_store()
    response = place(member_api, store_id=store.pk if store else 999999)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert_nothing_written(tea)


def test_an_unknown_shipping_method_is_refused(member, member_api):
    tea = sku()
    fill_basket(member, (tea, 1))
    response = place(member_api, address_id=address_of(member).pk, shipping_method="rocket")
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_shipping_method"
    assert "shipping_method" in response.json()["error"]["fields"]
    assert_nothing_written(tea)


@pytest.mark.parametrize(
    "body",
    [
        {"payment_method": "wechat"},
        {"payment_method": "bitcoin", "address_id": 1},
        {"payment_method": "wechat", "address_id": 1, "store_id": 1},
        {"payment_method": "wechat", "address_id": -3},
    ],
    ids=["no-delivery", "unknown-payment", "both", "negative-id"],
)
def test_malformed_checkout_bodies_are_invalid_input(member, member_api, body):
    fill_basket(member, (sku(), 1))
    response = member_api.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_input"
    assert_nothing_written()


def test_stock_sold_elsewhere_since_adding_is_out_of_stock(member, member_api):
    tea = sku(stock=3)
    fill_basket(member, (tea, 2))
    StockRecord.objects.filter(product=tea).update(num_allocated=2)
    response = place(member_api, address_id=address_of(member).pk)
    assert response.status_code == 409
    assert response.json()["error"]["items"] == [{"sku": tea.pk, "available": 1}]
    assert_nothing_written(tea, allocated=2)


def test_a_sku_unpublished_since_adding_is_refused(member, member_api):
    tea = sku()
    fill_basket(member, (tea, 1))
    tea.is_public = False
    tea.save()
    response = place(member_api, address_id=address_of(member).pk)
    assert response.status_code == 400 and response.json()["error"]["code"] == "sku_unavailable"
    assert_nothing_written(tea)


def test_no_status_change_is_recorded_for_a_new_order(member):
    from tests.factories import buy

    order = buy(member, sku())
    assert not OrderStatusChange.objects.filter(order=order).exists()


def test_rates_set_by_operations_in_the_admin_replace_the_settings(member, member_api, client):
    from django.contrib.auth.models import Permission

    from storefront.checkout.models import ShippingRates
    from tests.factories import StaffFactory

    ops = StaffFactory()
    ops.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_shippingrates", "change_shippingrates", "view_shippingrates"])
    )
    client.force_login(ops)
    page = client.get("/admin/storefront/shippingrates/add/")
    assert page.status_code == 200 and "10.00" in page.content.decode()  # starts from the settings
    response = client.post(
        "/admin/storefront/shippingrates/add/",
        {
            "standard_charge": "8.00",
            "express_charge": "18.00",
            "free_threshold": "",
            "remote_surcharge": "20.00",
            "remote_provinces": "西藏，青海",
        },
    )
    assert response.status_code == 302 and ShippingRates.objects.get().remote_provinces == "西藏，青海"
    assert client.get("/admin/storefront/shippingrates/add/").status_code == 403  # one row only
    fill_basket(member, (sku(price="150.00"), 1))
    home = preview(member_api, address_id=address_of(member).pk).json()
    assert (home["shipping"], home["total"]) == ("8.00", "158.00")  # no threshold any more
    far = preview(member_api, address_id=address_of(member, province="西藏自治区").pk).json()
    assert far["shipping"] == "28.00"
