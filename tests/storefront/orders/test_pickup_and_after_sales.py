"""Store pickup by code, and after-sales requests decided by operations."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from config.errors import KitError
from storefront.orders import after_sales
from storefront.orders import services as order_services
from storefront.orders.models import AfterSalesRequest, OrderInfo
from storefront.orders.status import change_order_status
from storefront.payments import refunds
from tests.factories import StaffFactory, buy, pickup_store, sku

pytestmark = pytest.mark.django_db


def pay(order):
    return change_order_status(order, "paid", actor="test:payment", reason="paid in the test")


OPERATIONS = ("operate_orders", "view_operationsorder", "view_aftersalesrequest", "change_aftersalesrequest")


def operations_user():
    user = StaffFactory()
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="storefront", codename__in=OPERATIONS))
    return type(user).objects.get(pk=user.pk)  # fresh: no permission cache


# --- pickup ---------------------------------------------------------------------------------------
def test_the_pickup_code_and_its_qr_are_shown_once_paid(member, member_api):
    order = buy(member, sku(), store=pickup_store())
    assert member_api.get(f"/api/v1/orders/{order.number}/").json()["pickup_code"] is None
    early = member_api.get(f"/api/v1/orders/{order.number}/pickup-qr/")
    assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_order_state"
    pay(order)
    body = member_api.get(f"/api/v1/orders/{order.number}/").json()
    assert body["pickup_code"] == order.info.pickup_code and body["store"]["id"] == order.info.pickup_store_id
    response = member_api.get(f"/api/v1/orders/{order.number}/pickup-qr/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).format == "PNG"


def test_a_refused_pickup_qr_is_a_json_error_even_when_the_png_was_asked_for(member, member_api, api):
    order = buy(member, sku(), store=pickup_store())
    early = member_api.get(f"/api/v1/orders/{order.number}/pickup-qr/?format=png")
    assert early.status_code == 409 and early["Content-Type"] == "application/json"
    assert early.json()["error"]["code"] == "invalid_order_state"
    anonymous = api.get(f"/api/v1/orders/{order.number}/pickup-qr/", HTTP_ACCEPT="image/png")
    assert anonymous.status_code == 401 and anonymous["Content-Type"] == "application/json"
    assert anonymous.json()["error"]["code"]


def test_staff_of_the_store_hand_the_order_over_by_code(member):
    store = pickup_store()
    clerk = StaffFactory()
    store.staff.add(clerk)
    order = buy(member, sku(), store=store)
    pay(order)
    order_services.mark_picked_up(code=order.info.pickup_code, staff=clerk)
    order.refresh_from_db()
    info = OrderInfo.objects.get(order=order)
    assert order.status == "completed" and info.picked_up_by == clerk and info.picked_up_at
    assert order.notes.filter(user=clerk, message__contains="picked up").exists()


def test_staff_of_another_store_may_not_but_operations_may(member):
    order = buy(member, sku(), store=pickup_store())
    pay(order)
    stranger = StaffFactory()
    pickup_store().staff.add(stranger)
    with pytest.raises(KitError) as raised:
        order_services.mark_picked_up(code=order.info.pickup_code, staff=stranger)
    assert raised.value.code == "not_store_staff" and raised.value.status_code == 403
    order_services.mark_picked_up(code=order.info.pickup_code, staff=operations_user())
    order.refresh_from_db()
    assert order.status == "completed"


def test_an_unknown_code_or_an_unpaid_order_cannot_be_handed_over(member):
    ops = operations_user()
    with pytest.raises(KitError) as raised:
        order_services.mark_picked_up(code="00000000", staff=ops)
    assert raised.value.code == "pickup_code_unknown"
    order = buy(member, sku(), store=pickup_store())
    with pytest.raises(KitError) as raised:
        order_services.mark_picked_up(code=order.info.pickup_code, staff=ops)
    assert raised.value.code == "invalid_order_state"


def test_the_admin_pickup_screen_hands_over_by_code(member, client):
    store = pickup_store()
    clerk = StaffFactory()
    store.staff.add(clerk)
    order = buy(member, sku(), store=store)
    pay(order)
    client.force_login(clerk)
    assert client.get("/admin/storefront/operationsorder/pickup/").status_code == 200
    response = client.post("/admin/storefront/operationsorder/pickup/", {"code": "12345678"})
    assert "No pickup order has this code" in response.content.decode()
    response = client.post("/admin/storefront/operationsorder/pickup/", {"code": order.info.pickup_code})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "completed"


# --- after-sales ----------------------------------------------------------------------------------
def ask(api, order, **body):
    body.setdefault("type", "refund_only")
    body.setdefault("reason", "茶叶受潮了")
    return api.post(f"/api/v1/orders/{order.number}/refund-request/", body, format="json")


def test_a_refund_can_only_be_asked_for_a_paid_order(member, member_api):
    order = buy(member, sku())
    response = ask(member_api, order)
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_order_state"
    assert not AfterSalesRequest.objects.exists()


def test_the_shopper_asks_for_a_refund_of_the_whole_order(member, member_api):
    order = buy(member, sku(price="45.00"), 2)
    pay(order)
    response = ask(member_api, order)
    assert response.status_code == 201
    body = response.json()
    assert (body["type"], body["status"], body["amount"]) == ("refund_only", "pending", "100.00")
    detail = member_api.get(f"/api/v1/orders/{order.number}/").json()
    assert detail["after_sales"][0]["id"] == body["id"] and detail["can_request_refund"] is False
    again = ask(member_api, order)
    assert again.status_code == 409 and again.json()["error"]["code"] == "after_sales_pending"


def test_a_return_of_some_lines_with_photos(member, member_api):
    order = buy(member, sku(price="30.00"), 3)
    pay(order)
    line = order.lines.get()
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 10, 10)).save(buffer, format="PNG")
    photo = SimpleUploadedFile("broken.png", buffer.getvalue(), content_type="image/png")
    response = member_api.post(
        f"/api/v1/orders/{order.number}/refund-request/",
        {
            "type": "return_and_refund",
            "reason": "罐子破了",
            "lines": f'[{{"line_id": {line.pk}, "quantity": 1}}]',
            "photos": [photo],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    request = AfterSalesRequest.objects.get()
    assert request.amount == Decimal("30.00") and request.lines == [{"line_id": line.pk, "quantity": 1}]
    assert request.photos.count() == 1


@pytest.mark.parametrize("lines", [[{"line_id": 999999, "quantity": 1}], [{"line_id": None, "quantity": 5}]])
def test_lines_not_in_the_order_are_refused(member, member_api, lines):
    order = buy(member, sku(), 1)
    pay(order)
    if lines[0]["line_id"] is None:
        lines = [{"line_id": order.lines.get().pk, "quantity": 5}]
    response = ask(member_api, order, lines=lines)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_input"
    assert not AfterSalesRequest.objects.exists()


def test_approval_hands_the_refund_to_payments_once_with_the_restock_choice(member, monkeypatch):

    calls = []

    def start_refund(**kwargs):
        calls.append(kwargs)
        change_order_status(kwargs["order"], "refunding", actor=kwargs["actor"], reason="refund started")
        return type("Refund", (), {"out_refund_no": f"{kwargs['order'].number}R{kwargs['key']}"})()

    monkeypatch.setattr(refunds, "start_refund", start_refund)
    order = buy(member, sku(price="45.00"), 2)
    pay(order)
    request = after_sales.request_refund(order=order, member=member, kind="return_and_refund", reason="不想要了")
    ops = operations_user()
    approved = refunds.approve_after_sales(request=request, staff=ops, note="已收到退货", restock=True)
    assert (
        approved.status == "approved"
        and approved.decided_by == ops
        and approved.refund_number.endswith(f"AS{request.pk}")
    )
    [call] = calls
    assert call["amount"] == Decimal("100.00") and call["key"] == f"AS{request.pk}" and call["kind"] == "after_sales"
    assert call["restock"] == {order.lines.get().pk: 2}
    order.refresh_from_db()
    assert order.status == "refunding"
    with pytest.raises(KitError) as raised:
        refunds.approve_after_sales(request=request, staff=ops)
    assert raised.value.code == "invalid_after_sales_state" and len(calls) == 1


def test_refund_only_without_restock_returns_no_goods(member, monkeypatch):

    calls = []
    monkeypatch.setattr(
        refunds, "start_refund", lambda **kwargs: calls.append(kwargs) or type("Refund", (), {"out_refund_no": "R1"})()
    )
    order = buy(member, sku(), 1)
    pay(order)
    request = after_sales.request_refund(order=order, member=member, kind="refund_only", reason="重复下单")
    refunds.approve_after_sales(request=request, staff=operations_user())
    assert calls[0]["restock"] is None


def test_rejection_leaves_the_order_as_it_was(member):
    order = buy(member, sku())
    pay(order)
    request = after_sales.request_refund(order=order, member=member, kind="refund_only", reason="想退")
    rejected = after_sales.reject_after_sales(request=request, staff=operations_user(), note="已超过退货期")
    assert rejected.status == "rejected"
    order.refresh_from_db()
    assert order.status == "paid"
    assert order.notes.filter(message__contains="rejected").exists()


def test_operations_decide_in_the_admin(member, client, monkeypatch):

    monkeypatch.setattr(refunds, "start_refund", lambda **kwargs: type("Refund", (), {"out_refund_no": "R1"})())
    first, second = buy(member, sku()), buy(member, sku())
    for order in (first, second):
        pay(order)
    one = after_sales.request_refund(order=first, member=member, kind="refund_only", reason="a")
    two = after_sales.request_refund(order=second, member=member, kind="refund_only", reason="b")
    ops = operations_user()
    client.force_login(ops)
    url = "/admin/storefront/aftersalesrequest/"
    assert client.get(url).status_code == 200
    assert client.get(f"{url}{one.pk}/change/").status_code == 200
    client.post(url, {"action": "approve", "_selected_action": [one.pk]})
    client.post(url, {"action": "reject", "_selected_action": [two.pk]})
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, two.status) == ("approved", "rejected")
