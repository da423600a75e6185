"""A shopper only ever reaches their own data. Every /api/v1/ route is enumerated from the URL
resolver, so a new endpoint is covered (or this file fails until it is): another member's id
or order number is a 404 for every method the view has, and anonymous callers get 401
everywhere except the public routes listed here."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from oscar.apps.order.models import Order
from rest_framework.test import APIClient

from logistics.services import ship_order
from storefront.members.models import Address
from tests.conftest import client_for
from tests.factories import (
    MemberFactory,
    address_of,
    buy,
    carriers,
    fill_basket,
    paid_order,
    sku,
    tracking_number,
    wechat_member,
)

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")

# Routes anyone may call: login, the public catalog and stores, the platforms' callbacks.
PUBLIC = {
    "auth/wechat/",
    "auth/alipay/",
    "categories/",
    "products/",
    "products/<int:product_id>/",
    "stores/",
    "stores/<int:store_id>/",
    "notify/wechatpay/",
    "notify/alipay/",
    "notify/tracking/",
    "notify/wechat/",
    # Entry points: a scanned code's scene and the launch report (anonymous shoppers too).
    "campaigns/scenes/<path:scene>/",
    "visits/",
    # Flash sales running and coming, with the server time: browsing them needs no login.
    "flash-sales/",
    # Giveaways, a giveaway's page and the proof of its draw: anyone may read and check them;
    # WeChat Pay's merchant-transfer callback (cash prizes).
    "campaigns/giveaways/",
    "campaigns/giveaways/<int:pk>/",
    "campaigns/giveaways/<int:pk>/proof/",
    "notify/wechatpay/transfer-bills/",
    # UGC campaigns, a campaign's page and its gallery (approved entries), polls and a poll's
    # questions: anyone may read them.
    "campaigns/ugc/",
    "campaigns/ugc/<int:pk>/",
    "campaigns/ugc/<int:pk>/gallery/",
    "campaigns/polls/",
    "campaigns/polls/<int:pk>/",
}
# Routes with an id that are public (nobody owns a product or a store).
PUBLIC_WITH_ID = {"products/<int:product_id>/", "stores/<int:store_id>/", "campaigns/scenes/<path:scene>/"}
PUBLIC_WITH_ID |= {"campaigns/giveaways/<int:pk>/", "campaigns/giveaways/<int:pk>/proof/"}
PUBLIC_WITH_ID |= {"campaigns/ugc/<int:pk>/", "campaigns/ugc/<int:pk>/gallery/", "campaigns/polls/<int:pk>/"}
# Routes with an id nobody owns that need a login: a coupon batch is claimed by any member
# (the member's own coupons are `me/coupons/<id>/`, isolated below).
# A flash sale is bought from by any member; the order it makes is the buyer's, and is
# isolated as every order is (`orders/<str:number>/...`).
SHARED_WITH_ID = {"coupons/<int:batch_id>/claim/", "flash-sales/<int:sale_id>/orders/"}
# A giveaway is entered by any member; the entries and wins it makes are the member's.
SHARED_WITH_ID |= {"campaigns/giveaways/<int:pk>/entries/"}
# A UGC campaign takes entries from any member and a poll answers from any member; another
# member's approved entry is what a vote is for (one's own is refused). The member's own
# entries are `campaigns/me/submissions/`, their prizes `campaigns/me/prizes/` (checked below).
SHARED_WITH_ID |= {
    "campaigns/ugc/<int:pk>/submissions/",
    "campaigns/submissions/<int:pk>/votes/",
    "campaigns/polls/<int:pk>/responses/",
}


def api_routes():
    """[(route under /api/v1/, view class, methods)] from the resolver."""

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry.callback

    routes = []
    for route, callback in walk(get_resolver().url_patterns, ""):
        if not route.startswith("api/v1/"):
            continue
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        methods = [m for m in ("get", "post", "put", "patch", "delete") if view is not None and hasattr(view, m)]
        if not methods:  # a plain function view: every method reaches it
            methods = ["get", "post"]
        routes.append((route.removeprefix("api/v1/"), view, methods))
    return routes


def routes_with_ids():
    return [r for r in api_routes() if "<" in r[0] and r[0] not in PUBLIC_WITH_ID | SHARED_WITH_ID]


def fill(route, **values):
    path = route
    for name, value in values.items():
        for converter in ("int", "str", "slug", "uuid", "path"):
            path = path.replace(f"<{converter}:{name}>", str(value))
        path = path.replace(f"<{name}>", str(value))
    assert "<" not in path, f"no value for a parameter of {route}"
    return "/api/v1/" + path


# --- what member A owns, one builder per route with an id ----------------------------------------
def _pending_order(owner):
    return buy(owner, sku(price="20.00"), 1, address=address_of(owner))


def _shipped_order(owner):
    order = paid_order(user=owner, quantities=(1,))
    ship_order(order=order, carrier=carriers()["ZTO"], tracking_number=tracking_number("ZTO"))
    return Order.objects.get(pk=order.pk)


def _address(owner):
    address = address_of(owner)
    return {"address_id": address.pk}, lambda: Address.objects.filter(pk=address.pk, name=address.name).exists()


def _basket_line(owner):
    product = sku()
    fill_basket(owner, (product, 2))
    from oscar.apps.basket.models import Line

    line = Line.objects.get(basket__owner=owner, product=product)
    return {"line_id": line.pk}, lambda: Line.objects.filter(pk=line.pk, quantity=2).exists()


def _order_in(state_builder):
    def build(owner):
        order = state_builder(owner)
        return {"number": order.number}, lambda: Order.objects.get(pk=order.pk).status == order.status

    return build


def _pickup_order(owner):
    return paid_order(user=owner, quantities=(1,), fulfilment="pickup")


def _shipment(owner):
    order = _shipped_order(owner)
    shipment = order.shipments.get()
    return {"shipment_id": shipment.pk}, lambda: order.shipments.filter(pk=shipment.pk).exists()


def _coupon(owner):
    from offers.models import MemberCoupon
    from tests.factories import coupon_for

    coupon = coupon_for(owner)
    return {"coupon_id": coupon.pk}, lambda: MemberCoupon.objects.filter(pk=coupon.pk, member=owner).exists()


def _win(owner):
    from campaigns.giveaways import services as giveaways
    from campaigns.giveaways.models import Win
    from tests.factories import giveaway

    entry, _ = giveaways.enter(member=owner, giveaway_id=giveaway(mode="first_come").pk)
    return {"pk": entry.win.pk}, lambda: Win.objects.filter(pk=entry.win.pk, claim_status="awaiting").exists()


CASES = {
    "me/addresses/<int:address_id>/": _address,
    "basket/lines/<int:line_id>/": _basket_line,
    "orders/<str:number>/": _order_in(_pending_order),
    "orders/<str:number>/cancel/": _order_in(_pending_order),
    "orders/<str:number>/pay/": _order_in(_pending_order),
    "orders/<str:number>/payment-status/": _order_in(_pending_order),
    "orders/<str:number>/confirm-receipt/": _order_in(_shipped_order),
    "orders/<str:number>/refund-request/": _order_in(lambda owner: paid_order(user=owner, quantities=(1,))),
    "orders/<str:number>/pickup-qr/": _order_in(_pickup_order),
    "shipments/<int:shipment_id>/": _shipment,
    "me/coupons/<int:coupon_id>/": _coupon,
    "campaigns/prizes/<int:pk>/claim/": _win,
}
BODIES = {
    "me/addresses/<int:address_id>/": {"name": "冒名"},
    "basket/lines/<int:line_id>/": {"quantity": 1},
    "orders/<str:number>/pay/": {"provider": "wechat"},
    "orders/<str:number>/refund-request/": {"type": "refund_only", "reason": "不是我的"},
}


def test_every_api_route_with_an_id_has_an_isolation_case():
    missing = sorted(route for route, _view, _methods in routes_with_ids() if route not in CASES)
    assert missing == [], f"add a case to tests/flows/test_isolation.py for: {missing}"
    stale = sorted(set(CASES) - {route for route, _v, _m in routes_with_ids()})
    assert stale == [], f"these routes are gone: {stale}"


@pytest.mark.parametrize("route", sorted(CASES))
def test_another_member_gets_404_for_every_method(route, committed):
    owner = wechat_member()
    stranger = wechat_member()
    values, unchanged = CASES[route](owner)
    methods = next(methods for r, _view, methods in api_routes() if r == route)
    url = fill(route, **values)
    owner_client, stranger_client = client_for(owner), client_for(stranger)

    if "get" in methods:
        assert owner_client.get(url).status_code == 200, f"the owner cannot read {url}: the case is wrong"
    for method in methods:
        with committed():
            response = getattr(stranger_client, method)(url, BODIES.get(route, {}), format="json")
        assert response.status_code == 404, (method.upper(), url, response.status_code, response.content[:500])
        error = response.json()["error"]
        assert set(error) >= {"code", "message", "fields"}
        assert unchanged(), f"{method.upper()} {url} by another member changed the owner's data"


def test_routes_that_need_a_login_answer_anonymous_callers_401(db):
    anonymous = APIClient()
    examples = {
        "address_id": 1,
        "line_id": 1,
        "number": "ABC123456789",
        "shipment_id": 1,
        "coupon_id": 1,
        "batch_id": 1,
        "sale_id": 1,
        "product_id": 1,
        "store_id": 1,
        "pk": 1,
    }
    checked = 0
    for route, _view, methods in api_routes():
        if route in PUBLIC:
            continue
        url = fill(route, **{k: v for k, v in examples.items() if f":{k}>" in route})
        for method in methods:
            response = getattr(anonymous, method)(url, {}, format="json")
            assert response.status_code == 401, (method.upper(), url, response.status_code, response.content[:300])
            assert response.json()["error"]["code"] in ("not_authenticated", "authentication_failed")
            checked += 1
    assert checked > 20


def test_public_routes_are_only_the_known_ones():
    """A new route must say here whether it is public: it is either in PUBLIC or needs a login."""
    from rest_framework.permissions import AllowAny

    public = {
        route
        for route, view, _m in api_routes()
        if view is not None and any(permission is AllowAny for permission in getattr(view, "permission_classes", []))
    }
    assert public <= PUBLIC, sorted(public - PUBLIC)


def test_a_deleted_members_token_cannot_reach_their_old_orders(committed):
    owner = MemberFactory()
    order = _pending_order(owner)
    client = client_for(owner)
    assert client.post("/api/v1/me/delete/", {"confirm": True}, format="json").status_code == 204
    assert client.get(f"/api/v1/orders/{order.number}/").status_code == 401


# --- ids inside request bodies ---------------------------------------------------------------------
def test_another_members_address_cannot_be_used_at_checkout():
    owner, stranger = wechat_member(), wechat_member()
    their_address = address_of(owner)
    fill_basket(stranger, (sku(), 1))
    client = client_for(stranger)
    body = {"address_id": their_address.pk, "shipping_method": "standard", "payment_method": "wechat"}

    preview = client.post("/api/v1/checkout/preview/", body, format="json")
    placed = client.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert (preview.status_code, placed.status_code) == (404, 404)
    assert placed.json()["error"]["code"] == "address_not_found"
    assert not Order.objects.exists()


def test_a_refund_request_cannot_name_the_lines_of_another_members_order():
    owner, stranger = wechat_member(), wechat_member()
    theirs = paid_order(user=owner, quantities=(3,))
    mine = paid_order(user=stranger, quantities=(1,))
    their_line = theirs.lines.get()

    response = client_for(stranger).post(
        f"/api/v1/orders/{mine.number}/refund-request/",
        {"type": "refund_only", "reason": "x", "lines": [{"line_id": their_line.pk, "quantity": 3}]},
        format="json",
    )

    assert 400 <= response.status_code < 500, response.content
    assert set(response.json()["error"]) >= {"code", "message", "fields"}
    from storefront.orders.models import AfterSalesRequest

    assert not AfterSalesRequest.objects.exists()


def test_another_members_order_cannot_be_shared():
    owner, stranger = wechat_member(), wechat_member()
    order = _pending_order(owner)

    response = client_for(stranger).post("/api/v1/shares/", {"order": order.number}, format="json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "share_target_not_found"
    from campaigns.models import Share

    assert not Share.objects.exists()


def test_another_members_basket_line_cannot_be_changed_through_a_voucher_or_line_post():
    owner, stranger = wechat_member(), wechat_member()
    product = sku()
    fill_basket(owner, (product, 2))
    from oscar.apps.basket.models import Line

    line = Line.objects.get(basket__owner=owner)
    client_for(stranger).post("/api/v1/basket/lines/", {"sku": product.pk, "quantity": 1}, format="json")

    line.refresh_from_db()
    assert line.quantity == 2
    assert Line.objects.filter(basket__owner=stranger).count() == 1


def test_another_members_entries_prizes_and_submissions_are_not_in_my_lists():
    from campaigns.giveaways import services as giveaways
    from tests.campaigns.ugc.conftest import approved_entry, ugc_campaign
    from tests.factories import giveaway

    owner, stranger = wechat_member(), wechat_member()
    giveaways.enter(member=owner, giveaway_id=giveaway(mode="first_come").pk)
    approved_entry(ugc_campaign(), owner)
    owner_client, stranger_client = client_for(owner), client_for(stranger)

    for path in ("/api/v1/campaigns/me/entries/", "/api/v1/campaigns/me/prizes/", "/api/v1/campaigns/me/submissions/"):
        assert owner_client.get(path).json()["count"] == 1, path
        assert stranger_client.get(path).json()["count"] == 0, path
