"""A new WeChat shopper's first order, from wx.login to "receipt confirmed", through the HTTP API,
the sandbox's control endpoints and the admin where operations act."""

import re

import pytest
from django.urls import reverse

from logistics.models import Carrier, Shipment, WechatShippingUpload
from logistics.services import ensure_default_carriers
from platforms.models import NoticeLog
from platforms.sandbox.models import ShippingUpload, SubscribeMessage
from storefront.payments.models import NotificationLog, PaymentTransaction
from tests.steps import (
    add_address,
    add_to_basket,
    bind_wechat_phone,
    new_phone,
    notice_templates,
    ok,
    order_of,
    pay_wechat,
    place_order,
    tea_shop,
    wechat_login,
)

pytestmark = pytest.mark.django_db


def test_a_new_wechat_shopper_buys_tea_and_receives_it(api, operations, committed):
    shop = tea_shop()
    templates = notice_templates("wechat")
    ensure_default_carriers()

    # Silent login: the mini program sends wx.login's code.
    shopper, openid, login = wechat_login(api)
    assert login["is_new"] is True and login["member"]["phone_bound"] is False
    me = ok(shopper.get("/api/v1/me/"))
    assert me["id"] == login["member"]["id"]

    # Browsing: the category tree, a category's products, the product page, the stores.
    tree = ok(api.get("/api/v1/categories/"))
    assert [child["name"] for child in tree[0]["children"]] == ["绿茶", "红茶"]
    listed = ok(api.get("/api/v1/products/", {"category": shop.green.pk}))
    assert [p["title"] for p in listed["results"]] == ["明前龙井"]
    assert listed["results"][0]["price"] == "68.00"
    found = ok(api.get("/api/v1/products/", {"q": "龙井"}))
    assert [p["id"] for p in found["results"]] == [shop.longjing.pk]
    detail = ok(api.get(f"/api/v1/products/{shop.longjing.pk}/"))
    small, large = detail["skus"]
    assert (small["price"], large["price"]) == ("68.00", "128.00")
    stores = ok(api.get("/api/v1/stores/", {"lat": "31.23", "lng": "121.45"}))
    store_list = stores["results"] if isinstance(stores, dict) else stores
    assert store_list[0]["id"] == shop.store.pk and "distance_m" in store_list[0]

    # The basket: two SKUs, one changed.
    add_to_basket(shopper, small["id"], 1)
    basket = add_to_basket(shopper, shop.keemun.pk, 1)
    line = next(line for line in basket["lines"] if line["sku"] == small["id"])
    basket = ok(shopper.patch(f"/api/v1/basket/lines/{line['id']}/", {"quantity": 2}, format="json"))
    assert basket["total"] == "181.50"  # 2 x 68.00 + 45.50

    # The phone (WeChat's phone button) and a delivery address.
    phone = new_phone()
    profile = bind_wechat_phone(api, shopper, openid, phone)
    assert profile["phone_bound"] is True
    address = add_address(shopper)

    # Preview and place; a flaky network repeats the placement with the same key.
    body = {"address_id": address["id"], "shipping_method": "standard", "payment_method": "wechat"}
    placed, preview, key = place_order(shopper, body)
    assert (preview["items"], preview["shipping"], preview["total"]) == ("181.50", "0.00", "181.50")
    assert (placed["status"], placed["total"]) == ("pending_payment", "181.50")
    replay = shopper.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert replay.status_code == 201 and replay.json()["number"] == placed["number"]
    assert ok(shopper.get("/api/v1/basket/"))["lines"] == []
    number = placed["number"]

    # The shopper accepts the three subscribe messages when paying.
    grants = ok(
        shopper.post(
            "/api/v1/notifications/grants/",
            {"platform": "wechat", "accepted": [t.template_id for t in templates], "rejected": []},
            format="json",
        )
    )
    assert {g["remaining"] for g in grants["grants"]} == {1}

    # WeChat Pay: prepay, the payer pays in the sandbox, the notification arrives in-process.
    pay, _trade = pay_wechat(api, shopper, number, committed)
    assert pay["params"]["signType"] == "RSA"
    order = order_of(shopper, number)
    assert order["status"] == "paid"
    assert [(p["provider"], p["amount"], p["status"]) for p in order["payments"]] == [("wechat", "181.50", "paid")]
    assert NotificationLog.objects.get().outcome == "processed"
    assert PaymentTransaction.objects.get().payer_id == openid

    # Operations ship it in the admin: Logistics > Orders to ship > Ship.
    ship_url = reverse("admin:logistics_ordertoship_ship", args=[_order_pk(number)])
    form_page = operations.get(ship_url)
    assert form_page.status_code == 200
    line_fields = dict(re.findall(r'name="(line_\d+)"[^>]*value="(\d+)"', form_page.content.decode()))
    assert sorted(int(v) for v in line_fields.values()) == [1, 2]
    tracking_number = "731234567890121"
    with committed():
        shipped = operations.post(
            ship_url,
            {
                "carrier": Carrier.objects.get(code="ZTO").pk,
                "tracking_number": tracking_number,
                **line_fields,
            },
        )
    assert shipped.status_code == 302, shipped.content.decode()[:3000]
    order = order_of(shopper, number)
    assert order["status"] == "shipped"
    parcel = Shipment.objects.get()

    # WeChat's shipping upload reached the (sandbox) platform, with the payer.
    upload = WechatShippingUpload.objects.get()
    assert upload.state == "uploaded", (upload.state, upload.last_error if hasattr(upload, "last_error") else "")
    payload = ShippingUpload.objects.get().payload
    assert payload["payer"]["openid"] == openid
    assert payload["shipping_list"][0]["tracking_no"] == tracking_number

    # The carrier moves the parcel on until it is signed for (sandbox tracking, pushed).
    for _ in range(10):
        with committed():
            pushed = ok(
                api.post("/sandbox/tracking/advance/", {"com": "zhongtong", "num": tracking_number}, format="json")
            )
        if order_of(shopper, number)["status"] == "delivered":
            break
    else:
        raise AssertionError(f"the parcel never arrived: {pushed}")
    timeline = ok(shopper.get(f"/api/v1/shipments/{parcel.pk}/"))
    assert timeline["status"] == "delivered"

    # The shopper confirms receipt.
    with committed():
        done = ok(shopper.post(f"/api/v1/orders/{number}/confirm-receipt/"))
    assert done["status"] == "completed"

    # One subscribe message per event the shopper granted, no more.
    sent = NoticeLog.objects.filter(status="sent")
    assert sorted(sent.values_list("event", flat=True)) == sorted(["order_paid", "order_shipped", "order_delivered"])
    assert SubscribeMessage.objects.filter(touser=openid).count() == 3


def _order_pk(number):
    from oscar.apps.order.models import Order

    return Order.objects.get(number=number).pk


def test_a_wechat_pickup_order_handed_over_at_the_store_is_reported_to_wechat(api, operations, committed):
    shop = tea_shop()
    shopper, openid, _login = wechat_login(api)
    add_to_basket(shopper, shop.keemun.pk, 2)
    placed, preview, _key = place_order(
        shopper, {"store_id": shop.store.pk, "shipping_method": "pickup", "payment_method": "wechat"}
    )
    assert preview["total"] == "91.00"
    pay_wechat(api, shopper, placed["number"], committed)
    code = order_of(shopper, placed["number"])["pickup_code"]

    with committed():
        handed = operations.post(reverse("admin:storefront_operationsorder_pickup"), {"code": code})
    assert handed.status_code == 302

    assert order_of(shopper, placed["number"])["status"] == "completed"
    payload = ShippingUpload.objects.get().payload
    assert (payload["logistics_type"], payload["payer"]["openid"]) == (4, openid)
    assert WechatShippingUpload.objects.get().state == "uploaded"


def test_the_order_page_costs_the_same_queries_with_one_parcel_or_three(api, committed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from logistics.services import ship_order

    ensure_default_carriers()
    shop = tea_shop()
    shopper, _openid, _login = wechat_login(api)
    address = add_address(shopper)
    counts = []
    for parcels in (1, 3):
        for sku in shop.skus + [shop.keemun]:
            add_to_basket(shopper, sku.pk, 1)
        placed, _preview, _key = place_order(
            shopper, {"address_id": address["id"], "shipping_method": "standard", "payment_method": "wechat"}
        )
        pay_wechat(api, shopper, placed["number"], committed)
        order = _order(placed["number"])
        lines = list(order.lines.order_by("pk"))
        groups = [lines] if parcels == 1 else [[line] for line in lines]
        for index, group in enumerate(groups):
            number = f"73123456{parcels}{index:03d}1"
            with committed():
                ship_order(order=order, carrier="ZTO", tracking_number=number, lines={line.pk: 1 for line in group})
            for _step in range(2):
                with committed():
                    ok(api.post("/sandbox/tracking/advance/", {"com": "zhongtong", "num": number}, format="json"))
        with CaptureQueriesContext(connection) as queries:
            detail = ok(shopper.get(f"/api/v1/orders/{placed['number']}/"))
        counts.append(len(queries))
        assert len(detail["shipments"]) == parcels
        assert all(len(parcel["timeline"]) >= 2 for parcel in detail["shipments"])
    assert counts[0] == counts[1], counts  # 14 when measured


def _order(number):
    from oscar.apps.order.models import Order

    return Order.objects.get(number=number)


def test_notices_go_only_where_a_grant_exists_and_once_even_when_wechat_pay_notifies_twice(api, committed):
    from platforms.sandbox import faults

    shop = tea_shop()
    notice_templates("wechat")
    ensure_default_carriers()
    shopper, openid, _login = wechat_login(api)
    # The shopper accepts "paid" on two occasions (two messages' worth) and rejects "shipped".
    for _occasion in range(2):
        ok(
            shopper.post(
                "/api/v1/notifications/grants/",
                {"platform": "wechat", "accepted": ["tpl-wechat-order_paid"], "rejected": ["tpl-wechat-order_shipped"]},
                format="json",
            )
        )
    address = add_address(shopper)
    add_to_basket(shopper, shop.keemun.pk, 1)
    placed, _preview, _key = place_order(
        shopper, {"address_id": address["id"], "shipping_method": "standard", "payment_method": "wechat"}
    )

    faults.set_fault("wechatpay", "duplicate_notification")
    pay_wechat(api, shopper, placed["number"], committed)
    assert sorted(NotificationLog.objects.values_list("outcome", flat=True)) == ["duplicate", "processed"]
    from logistics.services import ship_order

    with committed():
        ship_order(order=_order(placed["number"]), carrier="ZTO", tracking_number="731234567890121")

    assert list(SubscribeMessage.objects.filter(touser=openid).values_list("template_id", flat=True)) == [
        "tpl-wechat-order_paid"
    ]
    assert dict(NoticeLog.objects.values_list("event", "status")) == {"order_paid": "sent", "order_shipped": "no_grant"}
    # The second "paid" grant is still there for the next order.
    from platforms.models import NoticeGrant

    assert NoticeGrant.objects.get(template_id="tpl-wechat-order_paid").remaining == 1


def _ship_paid_order(api, committed, tracking_number):
    from logistics.services import ship_order

    ensure_default_carriers()
    shop = tea_shop()
    shopper, _openid, _login = wechat_login(api)
    address = add_address(shopper)
    add_to_basket(shopper, shop.keemun.pk, 1)
    placed, _preview, _key = place_order(
        shopper, {"address_id": address["id"], "shipping_method": "standard", "payment_method": "wechat"}
    )
    pay_wechat(api, shopper, placed["number"], committed)
    with committed():
        ship_order(order=_order(placed["number"]), carrier="ZTO", tracking_number=tracking_number)
    return shopper, placed["number"]


def _advance_until_delivered(api, committed, tracking_number):
    for _ in range(10):
        with committed():
            pushed = ok(
                api.post("/sandbox/tracking/advance/", {"com": "zhongtong", "num": tracking_number}, format="json")
            )
        assert pushed["pushed"] is True, pushed  # the kit acknowledged the push
        if Shipment.objects.get(tracking_number=tracking_number).status == "delivered":
            return
    raise AssertionError("the parcel never arrived")


def test_a_delivered_order_completes_by_itself_after_the_auto_complete_days(api, committed, settings):
    import datetime as dt

    from django.utils import timezone

    from storefront.orders.services import complete_delivered_orders

    shopper, number = _ship_paid_order(api, committed, "731234567890221")
    _advance_until_delivered(api, committed, "731234567890221")
    assert order_of(shopper, number)["status"] == "delivered"

    assert complete_delivered_orders(now=timezone.now() + dt.timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS - 1)) == 0
    assert complete_delivered_orders(now=timezone.now() + dt.timedelta(days=settings.ORDER_AUTO_COMPLETE_DAYS + 1)) == 1
    assert order_of(shopper, number)["status"] == "completed"


def test_tracking_that_arrives_after_a_refund_is_recorded_and_leaves_the_order_refunded(api, operations, committed):
    from storefront.orders.models import AfterSalesRequest

    shopper, number = _ship_paid_order(api, committed, "731234567890321")
    asked = ok(
        shopper.post(
            f"/api/v1/orders/{number}/refund-request/",
            {"type": "return_and_refund", "reason": "包装破损"},
            format="json",
        ),
        201,
    )
    with committed():
        operations.post(
            reverse("admin:storefront_aftersalesrequest_changelist"),
            {"action": "approve", "_selected_action": [asked["id"]]},
        )
    assert AfterSalesRequest.objects.get().status == "approved"
    assert order_of(shopper, number)["status"] == "refunded"

    _advance_until_delivered(api, committed, "731234567890321")

    assert order_of(shopper, number)["status"] == "refunded"
    assert ok(shopper.get(f"/api/v1/shipments/{Shipment.objects.get().pk}/"))["status"] == "delivered"
