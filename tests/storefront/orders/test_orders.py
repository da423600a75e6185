"""The shopper's orders, and the order lifecycle through the one status service."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oscar.apps.order.models import OrderNote, OrderStatusChange
from oscar.apps.voucher.models import Voucher

from platforms.base import PlatformUnavailable as ProviderUnavailable
from storefront.basket import services as basket_services
from storefront.orders.errors import InvalidOrderState
from storefront.orders.models import OrderInfo
from storefront.orders.status import change_order_status
from storefront.payments import unpaid
from tests.factories import StaffFactory, buy, child_sku, place, sku, stock_of, voucher

pytestmark = pytest.mark.django_db


def pay(order):
    return change_order_status(order, "paid", actor="test:payment", reason="paid in the test")


# --- list and detail ------------------------------------------------------------------------------
def test_orders_are_listed_newest_first_with_counts_per_status(member, member_api, other_member):
    tea = sku(stock=50)
    first, second, third = (buy(member, tea) for _ in range(3))
    pay(second)
    buy(other_member, tea)
    body = member_api.get("/api/v1/orders/").json()
    assert [o["number"] for o in body["results"]] == [third.number, second.number, first.number]
    assert body["count"] == 3
    assert body["counts"]["pending_payment"] == 2 and body["counts"]["paid"] == 1 and body["counts"]["refunded"] == 0
    paid = member_api.get("/api/v1/orders/?status=paid").json()
    assert [o["number"] for o in paid["results"]] == [second.number]
    assert paid["counts"]["pending_payment"] == 2  # counts are over every order, for the badges


def test_an_unknown_status_filter_is_invalid_input(member_api):
    response = member_api.get("/api/v1/orders/?status=lost")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_input"


def with_image(product, tmp_media):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from oscar.apps.catalogue.models import ProductImage

    from storefront.catalog import services as catalog_services
    from tests.factories import png_bytes

    image = ProductImage.objects.create(
        product=product,
        original=SimpleUploadedFile(f"p{product.pk}.png", png_bytes((60, 60)), content_type="image/png"),
    )
    catalog_services.make_product_image_thumbnails(image_id=image.pk)  # as the catalog's task does on save
    return image


@pytest.fixture
def tmp_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_the_list_costs_the_same_queries_for_any_page_size(member, member_api, tmp_media, django_assert_num_queries):
    tea = sku(stock=100)
    with_image(tea, tmp_media)
    variant = child_sku(stock=100)
    with_image(variant.parent, tmp_media)
    for _ in range(12):
        basket_services.add_line(member=member, sku_id=tea.pk, quantity=1)
        basket_services.add_line(member=member, sku_id=variant.pk, quantity=2)
        place(member)
    # token (with its user), count, page, lines, products, images, parents, parents' images, counts
    with django_assert_num_queries(9):
        small = member_api.get("/api/v1/orders/?page_size=2").json()
    with django_assert_num_queries(9):
        large = member_api.get("/api/v1/orders/?page_size=12").json()
    assert len(small["results"]) == 2 and len(large["results"]) == 12
    assert all(len(o["lines"]) == 2 for o in large["results"])
    images = {line["sku"]: line["image"] for line in large["results"][0]["lines"]}
    assert images[tea.pk].startswith("http") and images[variant.pk].startswith("http")  # the SKU shows its product's


def test_the_detail_shows_lines_totals_address_and_sections(member, member_api):
    order = buy(member, sku(price="45.00"), 2)
    body = member_api.get(f"/api/v1/orders/{order.number}/").json()
    assert body["number"] == order.number and body["status"] == "pending_payment"
    assert (body["items"], body["shipping"], body["total"], body["currency"]) == ("90.00", "10.00", "100.00", "CNY")
    assert body["lines"][0]["quantity"] == 2 and body["lines"][0]["unit_price"] == "45.00"
    assert body["address"]["province"] == "上海市" and body["store"] is None
    assert body["payments"] == [] and body["shipments"] == []
    assert body["can_cancel"] is True and body["can_request_refund"] is False


def fake_shipments_section(order):
    return [{"carrier": "SF"}]


def test_other_apps_fill_their_detail_sections(member, member_api, settings):
    settings.ORDER_DETAIL_SECTIONS = {
        **settings.ORDER_DETAIL_SECTIONS,
        "shipments": f"{__name__}.fake_shipments_section",
    }
    order = buy(member, sku())
    assert member_api.get(f"/api/v1/orders/{order.number}/").json()["shipments"] == [{"carrier": "SF"}]


def test_another_members_order_is_not_found(member, other_api):
    order = buy(member, sku())
    for call in (
        lambda: other_api.get(f"/api/v1/orders/{order.number}/"),
        lambda: other_api.post(f"/api/v1/orders/{order.number}/cancel/"),
        lambda: other_api.post(f"/api/v1/orders/{order.number}/confirm-receipt/"),
        lambda: other_api.get(f"/api/v1/orders/{order.number}/pickup-qr/"),
        lambda: other_api.post(
            f"/api/v1/orders/{order.number}/refund-request/", {"type": "refund_only", "reason": "x"}, format="json"
        ),
    ):
        response = call()
        assert response.status_code == 404 and response.json()["error"]["code"] == "order_not_found"
    assert other_api.get("/api/v1/orders/").json()["count"] == 0
    order.refresh_from_db()
    assert order.status == "pending_payment"


# --- the status service ---------------------------------------------------------------------------
def test_a_status_change_is_recorded_with_who_did_it(member):
    order = buy(member, sku())
    staff = StaffFactory()
    pay(order)
    change_order_status(order, "shipped", actor=staff, reason="SF 123")
    changes = list(OrderStatusChange.objects.filter(order=order).order_by("pk").values_list("old_status", "new_status"))
    assert changes == [("pending_payment", "paid"), ("paid", "shipped")]
    note = OrderNote.objects.filter(order=order, message__contains="paid → shipped").get()
    assert note.user == staff and "SF 123" in note.message and f"staff {staff.pk}" in note.message
    assert "test:payment" in OrderNote.objects.get(order=order, message__contains="→ paid").message


@pytest.mark.parametrize(
    "path, new",
    [
        (["paid"], "pending_payment"),
        ([], "shipped"),
        (["cancelled"], "paid"),
        ([], "completed"),
        (["paid"], "cancelled"),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(member, path, new):
    order = buy(member, sku())
    for status in path:
        change_order_status(order, status, actor="test", reason="setup")
    before = OrderStatusChange.objects.count(), OrderNote.objects.count()
    with pytest.raises(InvalidOrderState) as raised:
        change_order_status(order, new, actor="test", reason="nope")
    assert raised.value.status_code == 409 and raised.value.code == "invalid_order_state"
    order.refresh_from_db()
    assert order.status == (path[-1] if path else "pending_payment")
    assert (OrderStatusChange.objects.count(), OrderNote.objects.count()) == before


def test_paying_turns_the_allocation_into_a_sale(member):
    tea = sku(stock=5)
    order = buy(member, tea, 2)
    pay(order)
    record = stock_of(tea)
    assert (record.num_in_stock, record.num_allocated) == (3, 0)
    assert OrderInfo.objects.get(order=order).stock_state == "consumed"


# --- cancelling unpaid orders ---------------------------------------------------------------------
def test_the_shopper_cancels_an_unpaid_order_and_stock_and_voucher_come_back(member, member_api):
    tea = sku(stock=5, price="60.00")
    once = voucher("SOLO", usage=Voucher.SINGLE_USE)
    basket_services.add_line(member=member, sku_id=tea.pk, quantity=2)
    basket_services.apply_voucher(member=member, code="SOLO")
    order = place(member)
    assert stock_of(tea).num_allocated == 2 and once.applications.count() == 1
    response = member_api.post(f"/api/v1/orders/{order.number}/cancel/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "cancelled by the shopper"
    assert stock_of(tea).num_allocated == 0 and stock_of(tea).num_in_stock == 5
    once.refresh_from_db()
    assert once.applications.count() == 0 and once.num_orders == 0
    assert once.is_available_to_user(member)[0]
    again = member_api.post(f"/api/v1/orders/{order.number}/cancel/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_order_state"


def test_a_paid_order_cannot_be_cancelled_by_the_shopper(member, member_api):
    order = buy(member, sku())
    pay(order)
    response = member_api.post(f"/api/v1/orders/{order.number}/cancel/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_order_state"


def test_overdue_unpaid_orders_are_cancelled_with_the_reason(member):
    tea = sku(stock=5)
    overdue, fresh = buy(member, tea, 2), buy(member, tea, 1)
    OrderInfo.objects.filter(order=overdue).update(pay_before=timezone.now() - timedelta(minutes=1))
    from storefront.payments.tasks import cancel_overdue_unpaid_orders

    assert cancel_overdue_unpaid_orders.delay().get() == 1
    overdue.refresh_from_db()
    fresh.refresh_from_db()
    assert overdue.status == "cancelled" and fresh.status == "pending_payment"
    assert "not paid before" in overdue.info.cancel_reason
    assert OrderNote.objects.filter(order=overdue, message__contains="system:unpaid-timeout").exists()
    assert stock_of(tea).num_allocated == 1


def test_an_overdue_order_the_provider_reports_paid_is_left_alone(member, monkeypatch):

    order = buy(member, sku())
    OrderInfo.objects.filter(order=order).update(pay_before=timezone.now() - timedelta(minutes=1))
    asked = []

    def paid_after_all(o):
        asked.append(o.number)
        pay(o)
        return True

    monkeypatch.setattr(unpaid, "reconcile_before_cancel", paid_after_all)
    assert unpaid.cancel_overdue_unpaid_orders() == 0
    assert asked == [order.number]
    order.refresh_from_db()
    assert order.status == "paid"


def test_an_overdue_order_stays_when_the_provider_cannot_answer(member, member_api, monkeypatch):

    order = buy(member, sku())
    OrderInfo.objects.filter(order=order).update(pay_before=timezone.now() - timedelta(minutes=1))

    def down(o):
        raise ProviderUnavailable("timeout")

    monkeypatch.setattr(unpaid, "reconcile_before_cancel", down)
    assert unpaid.cancel_overdue_unpaid_orders() == 0
    order.refresh_from_db()
    assert order.status == "pending_payment"
    response = member_api.post(f"/api/v1/orders/{order.number}/cancel/")
    assert response.status_code == 503 and response.json()["error"]["code"] == "platform_unavailable"


# --- receipt and completion -----------------------------------------------------------------------
def test_the_shopper_confirms_receipt_of_a_shipped_order(member, member_api):
    order = buy(member, sku())
    early = member_api.post(f"/api/v1/orders/{order.number}/confirm-receipt/")
    assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_order_state"
    pay(order)
    change_order_status(order, "shipped", actor="test", reason="shipped")
    body = member_api.post(f"/api/v1/orders/{order.number}/confirm-receipt/").json()
    assert body["status"] == "completed" and body["completed_at"]


def test_delivered_orders_complete_by_themselves_after_the_set_days(member, settings):
    settings.ORDER_AUTO_COMPLETE_DAYS = 7
    old, recent = buy(member, sku()), buy(member, sku())
    for order in (old, recent):
        pay(order)
        change_order_status(order, "shipped", actor="test", reason="shipped")
        change_order_status(order, "delivered", actor="test", reason="delivered")
    OrderInfo.objects.filter(order=old).update(delivered_at=timezone.now() - timedelta(days=7, minutes=1))
    from storefront.orders.tasks import complete_delivered_orders

    assert complete_delivered_orders.delay().get() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == "completed" and recent.status == "delivered"
    assert OrderNote.objects.filter(order=old, message__contains="system:auto-complete").exists()


def test_the_detail_costs_the_same_queries_for_any_number_of_lines(member, member_api, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = buy(member, sku())
    for _ in range(6):
        basket_services.add_line(member=member, sku_id=sku().pk, quantity=1)
    large = place(member)
    with CaptureQueriesContext(connection) as one_line:
        member_api.get(f"/api/v1/orders/{small.number}/")
    with CaptureQueriesContext(connection) as six_lines:
        member_api.get(f"/api/v1/orders/{large.number}/")
    assert len(one_line) == len(six_lines)
    with django_assert_max_num_queries(len(one_line)):
        member_api.get(f"/api/v1/orders/{large.number}/")


def test_a_cancelled_order_gives_back_the_offer_usage(member, member_api):
    from oscar.apps.offer.models import ConditionalOffer

    from tests.factories import site_offer

    offer = site_offer(value="5.00")
    order = buy(member, sku(price="50.00"))
    offer.refresh_from_db()
    assert (offer.num_applications, offer.num_orders, offer.total_discount) == (1, 1, 5)
    member_api.post(f"/api/v1/orders/{order.number}/cancel/")
    offer = ConditionalOffer.objects.get(pk=offer.pk)
    assert (offer.num_applications, offer.num_orders, offer.total_discount) == (0, 0, 0)


def test_a_preview_of_pickup_does_not_judge_a_delivery_order(member, member_api):
    from tests.factories import address_of, pickup_store

    tea = sku(price="45.00")
    basket_services.add_line(member=member, sku_id=tea.pk, quantity=1)
    member_api.post(
        "/api/v1/checkout/preview/", {"store_id": pickup_store().pk, "payment_method": "wechat"}, format="json"
    )
    response = member_api.post(
        "/api/v1/checkout/",
        {"address_id": address_of(member).pk, "payment_method": "wechat"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="after-pickup-preview",
    )
    assert response.status_code == 201 and response.json()["total"] == "55.00"
