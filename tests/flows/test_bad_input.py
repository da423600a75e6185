"""Bad input never breaks the API. Every POST/PATCH route under /api/v1/ (enumerated from the
URL resolver) gets malformed JSON, wrong types, huge and negative numbers, injection strings
and an oversized body, field by field from its OpenAPI request schema. Shopper endpoints
answer a 4xx in the one error shape; the platforms' callbacks answer in their own format with
a 4xx and change nothing."""

import functools
import json

import pytest
from oscar.apps.order.models import Order

from storefront.payments.models import NotificationLog, PaymentTransaction
from tests.conftest import client_for
from tests.factories import address_of, buy, carriers, fill_basket, paid_order, sku, wechat_member
from tests.flows.test_isolation import api_routes, fill

pytestmark = pytest.mark.django_db

NOTIFY = {
    "notify/wechatpay/",
    "notify/alipay/",
    "notify/tracking/",
    "notify/wechat/",
    "notify/wechatpay/transfer-bills/",  # WeChat Pay's merchant transfers (cash prizes): its own protocol
}
# Routes that take no body at all (the schema has none): garbage in the body is ignored, so
# they may act; what they must never do is answer a 500 or an error of another shape.
NO_BODY = {
    "auth/logout/",
    "auth/refresh/",
    "orders/<str:number>/cancel/",
    "orders/<str:number>/confirm-receipt/",
    "orders/<str:number>/payment-status/",
    "loyalty/check-in/",
    "coupons/<int:batch_id>/claim/",  # the batch is in the path; only an Idempotency-Key header
    "campaigns/giveaways/<int:pk>/entries/",  # likewise: the giveaway in the path, an Idempotency-Key
    "campaigns/submissions/<int:pk>/votes/",  # the entry voted for is in the path
}

INJECTIONS = [
    "' OR '1'='1' --",
    "<script>alert(1)</script>",
    "{{7*7}}${7*7}",
    "../../../../etc/passwd",
    "\x00\x01",
    "😀" * 300,
    "a" * 5000,
]
HUGE = [10**40, -(10**40), 2**63, 1e308, "99999999999999999999999999.999"]
NEGATIVE = [-1, -99999, "-5.00"]


@functools.cache
def request_schemas():
    """{(route path with {params}, method): {field: openapi schema}} from drf-spectacular."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            body = next(iter(content.values()), {}).get("schema", {})
            if "$ref" in body:
                body = components[body["$ref"].rsplit("/", 1)[-1]]
            found[(path, method)] = body.get("properties", {})
    return found


def fields_of(route, method):
    openapi_path = "/api/v1/" + route
    for converter in ("int:", "str:"):
        openapi_path = openapi_path.replace("<" + converter, "{")
    openapi_path = openapi_path.replace(">", "}")
    # drf-spectacular names a `pk` path parameter `id` (SCHEMA_COERCE_PATH_PK).
    openapi_path = openapi_path.replace("{pk}", "{id}")
    return request_schemas().get((openapi_path, method), {})


def wrong_type(spec):
    kind = spec.get("type")
    if kind in ("integer", "number"):
        return "not-a-number"
    if kind == "boolean":
        return {"yes": "no"}
    if kind == "array":
        return "not-a-list"
    if kind == "object":
        return ["not", "an", "object"]
    return {"not": ["a", "string"]}


def bad_bodies(fields):
    """(name, raw body, content type) of everything a broken or hostile client might send."""
    names = list(fields) or ["id", "quantity", "code"]
    yield "malformed json", b'{"sku": 1, "quantity": ', "application/json"
    yield "trailing garbage", b'{"quantity": 1} }}', "application/json"
    yield "not utf-8", b'{"code": "\xff\xfe"}', "application/json"
    yield "nan", b'{"quantity": NaN, "sku": Infinity}', "application/json"
    yield "a list", b"[1, 2, 3]", "application/json"
    yield "a string", b'"hello"', "application/json"
    yield "null", b"null", "application/json"
    yield (
        "wrong types",
        json.dumps({name: wrong_type(spec) for name, spec in fields.items()} or {"quantity": "x"}).encode(),
        "application/json",
    )
    for index, value in enumerate(HUGE):
        yield f"huge {index}", json.dumps({name: value for name in names}).encode(), "application/json"
    for index, value in enumerate(NEGATIVE):
        yield f"negative {index}", json.dumps({name: value for name in names}).encode(), "application/json"
    for index, value in enumerate(INJECTIONS):
        yield f"injection {index}", json.dumps({name: value for name in names}).encode(), "application/json"
    yield "xml", b"<?xml version='1.0'?><a>1</a>", "application/xml"


def bad_forms(fields):
    """Multipart forms, the only body an upload route reads: broken, wrong, huge, hostile, and
    files that are not images."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    names = list(fields) or ["text", "images", "consent"]

    def form(value):
        return encode_multipart(BOUNDARY, {name: value() if callable(value) else value for name in names})

    yield "truncated form", form("x")[:-30], MULTIPART_CONTENT
    yield "no boundary", b"--nope\r\nContent-Disposition: form-data\r\n\r\n", "multipart/form-data"
    yield "not utf-8", form("x").replace(b"\r\n\r\nx", b"\r\n\r\n\xff\xfe"), MULTIPART_CONTENT
    yield "wrong types", form({"not": ["a", "string"]}), MULTIPART_CONTENT
    for index, value in enumerate(HUGE + NEGATIVE + INJECTIONS):
        yield f"value {index}", form(str(value)), MULTIPART_CONTENT
    yield "not an image", form(lambda: SimpleUploadedFile("a.jpg", b"not an image", "image/jpeg")), MULTIPART_CONTENT
    yield "empty file", form(lambda: SimpleUploadedFile("a.jpg", b"", "image/jpeg")), MULTIPART_CONTENT


def deep_nesting(fields):
    yield "deep nesting", ("[" * 5000 + "]" * 5000).encode(), "application/json"


def oversized(fields):
    """More than DATA_UPLOAD_MAX_MEMORY_SIZE (lowered by the test: the same path as 10 MB, faster)."""
    name = next(iter(fields), "code")
    yield "oversized", json.dumps({name: "x" * 200_000}).encode(), "application/json"


# --- the member's world, so that ids resolve and requests reach validation -----------------------
def world():
    member = wechat_member()
    carriers()
    address = address_of(member)
    product = sku(price="30.00", stock=50)
    fill_basket(member, (product, 1))
    from oscar.apps.basket.models import Line

    line = Line.objects.get(basket__owner=member)
    pending = buy(member, sku(price="20.00"), 1, address=address)
    fill_basket(member, (product, 1))
    paid = paid_order(user=member, quantities=(1,))
    # A coupon batch to claim and a running flash sale to buy from, as any member may.
    from tests.factories import coupon_batch
    from tests.flashsales.conftest import schedule_sale

    batch = coupon_batch()
    sale = schedule_sale((sku(price="50.00", stock=10), "30.00", 5))
    values = {"address_id": address.pk, "line_id": line.pk, "number": None, "batch_id": batch.pk, "sale_id": sale.pk}
    values.update(campaign_world(member))
    return member, values, pending, paid


def campaign_world(member):
    """A giveaway to enter, a prize the member won (awaiting its claim), a UGC campaign taking
    entries with another member's approved entry to vote for, and a survey to answer."""
    from campaigns.giveaways import services as giveaways
    from tests.campaigns.polls.conftest import survey
    from tests.campaigns.ugc.conftest import approved_entry, ugc_campaign
    from tests.factories import giveaway

    entry, _ = giveaways.enter(member=member, giveaway_id=giveaway(mode="first_come").pk)
    campaign = ugc_campaign()
    return {
        "giveaway_pk": giveaway(mode="first_come").pk,
        "win_pk": entry.win.pk,
        "ugc_campaign_pk": campaign.pk,
        "submission_pk": approved_entry(campaign, wechat_member()).pk,
        "poll_pk": survey().poll.pk,
    }


# What a route's `<int:pk>` names (its key in the world's values).
PK_OF = {
    "campaigns/giveaways/<int:pk>/entries/": "giveaway_pk",
    "campaigns/prizes/<int:pk>/claim/": "win_pk",
    "campaigns/ugc/<int:pk>/submissions/": "ugc_campaign_pk",
    "campaigns/submissions/<int:pk>/votes/": "submission_pk",
    "campaigns/polls/<int:pk>/responses/": "poll_pk",
}


ORDER_STATE_FOR = {
    "orders/<str:number>/refund-request/": "paid",
    "orders/<str:number>/confirm-receipt/": "paid",
}


def post_or_patch_routes():
    return sorted(
        (route, method)
        for route, _view, methods in api_routes()
        for method in methods
        if method in ("post", "patch", "put")
    )


def snapshot():
    return (
        sorted(Order.objects.values_list("number", "status")),
        PaymentTransaction.objects.count(),
        _tracking_events(),
    )


def _tracking_events():
    from logistics.models import TrackingEvent

    return TrackingEvent.objects.count()


def test_the_sweep_covers_every_post_and_patch_route():
    routes = post_or_patch_routes()
    assert len(routes) >= 20
    for route, method in routes:
        if route in NOTIFY or route in NO_BODY:
            continue
        assert fields_of(route, method), f"{method.upper()} {route} has no request schema to sweep"


def sweep(route, method, bodies, committed, built=None):
    """Sends each of `bodies(fields)` as the owner of the ids in the route (in `built`, else a
    new world); returns the answers that broke the rules."""
    member, values, pending, paid = built or world()
    values["number"] = (paid if ORDER_STATE_FOR.get(route) == "paid" else pending).number
    if ":pk>" in route:
        assert route in PK_OF, f"say in PK_OF which object the pk of {route} names"
        values["pk"] = values[PK_OF[route]]
    client = client_for(member)
    client.raise_request_exception = False
    url = fill(route, **{k: v for k, v in values.items() if f":{k}>" in route})
    before = snapshot()
    failures = []

    for index, (name, body, content_type) in enumerate(bodies(fields_of(route, method))):
        with committed():
            response = client.generic(
                method.upper(), url, body, content_type=content_type, HTTP_IDEMPOTENCY_KEY=f"sweep-{index}"
            )
        status = response.status_code
        if route in NOTIFY:
            if not 400 <= status < 500:
                failures.append((name, status, response.content[:200]))
            continue
        if route in NO_BODY and status < 300:
            continue
        if not 400 <= status < 500:
            failures.append((name, status, response.content[:200]))
            continue
        try:
            error = response.json()["error"]
            assert set(error) >= {"code", "message", "fields"}
            assert isinstance(error["code"], str) and isinstance(error["fields"], dict)
        except (ValueError, KeyError, AssertionError):
            failures.append((name, status, response.content[:200]))

    if route in NOTIFY:
        assert snapshot() == before, "a refused callback changed orders, payments or tracking"
        assert not NotificationLog.objects.filter(verified=True).exists()
    return [(method.upper(), url, *failure) for failure in failures]


def sweep_parsing_routes(bodies, committed):
    """Every route that reads a body, in one world: a body refused while parsing changes nothing."""
    built = world()
    return [
        failure
        for route, method in post_or_patch_routes()
        if route not in NO_BODY
        for failure in sweep(route, method, bodies, committed, built)
    ]


@pytest.mark.parametrize(("route", "method"), post_or_patch_routes())
def test_bad_input_is_a_4xx_in_the_error_shape_never_a_500(route, method, committed):
    assert sweep(route, method, bad_bodies, committed) == []


def form_only_routes():
    """The POST/PATCH routes that read only forms (uploads): JSON is a 415 there, so they are
    swept with bad forms too."""
    from rest_framework.parsers import JSONParser

    views = {route: view for route, view, _m in api_routes()}
    return [
        (route, method)
        for route, method in post_or_patch_routes()
        if route not in NOTIFY | NO_BODY
        and views[route] is not None
        and not any(isinstance(parser, JSONParser) for parser in views[route]().get_parsers())
    ]


def test_the_upload_routes_are_known():
    assert {route for route, _m in form_only_routes()} >= {"me/avatar/", "campaigns/ugc/<int:pk>/submissions/"}


@pytest.mark.parametrize(("route", "method"), form_only_routes())
def test_bad_forms_are_a_4xx_in_the_error_shape_never_a_500(route, method, committed, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    assert sweep(route, method, bad_forms, committed) == []


def test_deeply_nested_json_is_a_400_not_a_500(committed):
    assert sweep_parsing_routes(deep_nesting, committed) == []


def test_an_oversized_body_is_answered_in_the_error_shape(committed, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    assert sweep_parsing_routes(oversized, committed) == []
