"""A shopper opens a product: images in two sizes, sanitised description, attributes,
SKUs with price, stock status and the quantity they may buy, and the SKU picker's matrix."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import catalog as f

pytestmark = pytest.mark.django_db


def detail(api, product):
    response = api.get(f"/api/v1/products/{product.pk}/")
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.fixture
def cup():
    """A tea cup in two colours and three sizes; blue L does not exist, red M is sold out."""
    return f.with_skus(
        "青瓷品茗杯",
        [
            {"color": "红", "size": "S", "price": "39.00", "stock": 20},
            {"color": "红", "size": "M", "price": "45.00", "stock": 0},
            {"color": "红", "size": "L", "price": "49.00", "stock": 3},
            {"color": "蓝", "size": "S", "price": "39.00", "stock": 2, "allocated": 2},
            {"color": "蓝", "size": "M", "price": "45.00", "stock": 50, "limit": 4, "original_price": "59.00"},
        ],
        description='<p>手工<b>青瓷</b></p><script>alert("x")</script><img src="x" onerror="steal()">',
        images=3,
    )


def test_detail_answers_the_contract_fields(api, cup):
    body = detail(api, cup)
    assert {"id", "title", "description", "images", "skus"} <= set(body)
    for sku in body["skus"]:
        assert {"id", "attributes", "price", "currency", "stock_status", "available_quantity"} <= set(sku)
    assert body["price"] == "39.00" and body["currency"] == "CNY"


def test_skus_carry_attributes_price_stock_status_and_quantity(api, cup):
    skus = {(s["attributes"]["color"], s["attributes"]["size"]): s for s in detail(api, cup)["skus"]}
    assert set(skus) == {("红", "S"), ("红", "M"), ("红", "L"), ("蓝", "S"), ("蓝", "M")}
    assert skus[("红", "S")] | {"id": 0} == {
        "id": 0,
        "attributes": {"color": "红", "size": "S"},
        "price": "39.00",
        "currency": "CNY",
        "original_price": None,
        "stock_status": "in_stock",
        "available_quantity": 20,
    }
    assert skus[("红", "M")]["stock_status"] == "sold_out" and skus[("红", "M")]["available_quantity"] == 0
    assert skus[("红", "L")]["stock_status"] == "low" and skus[("红", "L")]["available_quantity"] == 3
    assert skus[("蓝", "S")]["stock_status"] == "sold_out"  # all of it allocated to unpaid orders


def test_purchase_limit_caps_the_quantity_and_original_price_shows_when_higher(api, cup):
    blue_m = next(s for s in detail(api, cup)["skus"] if s["attributes"] == {"color": "蓝", "size": "M"})
    assert blue_m["available_quantity"] == 4
    assert blue_m["original_price"] == "59.00" and blue_m["price"] == "45.00"


def test_sku_picker_greys_out_missing_and_sold_out_combinations(api, cup):
    picker = detail(api, cup)["sku_picker"]
    assert [(a["code"], a["name"]) for a in picker["attributes"]] == [("color", "颜色"), ("size", "规格")]
    sizes = {v["value"]: v["available"] for v in picker["attributes"][1]["values"]}
    assert sizes == {"S": True, "M": True, "L": True}
    combos = {(c["values"]["color"], c["values"]["size"]): c["stock_status"] for c in picker["combinations"]}
    assert ("蓝", "L") not in combos  # does not exist
    assert combos[("红", "M")] == "sold_out"
    assert combos[("红", "S")] == "in_stock"


def test_a_size_sold_out_everywhere_is_marked_unavailable(api):
    mug = f.with_skus(
        "杯",
        [
            {"color": "红", "size": "S", "stock": 0},
            {"color": "蓝", "size": "S", "stock": 0},
            {"color": "红", "size": "M", "stock": 5},
        ],
    )
    picker = detail(api, mug)["sku_picker"]
    sizes = {v["value"]: v["available"] for v in picker["attributes"][1]["values"]}
    assert sizes == {"S": False, "M": True}


def test_description_is_sanitised(api, cup):
    html = detail(api, cup)["description"]
    assert "<b>青瓷</b>" in html
    assert "<script" not in html and "onerror" not in html and "alert" not in html


def test_images_come_in_list_and_detail_sizes_with_absolute_urls(api, cup):
    images = detail(api, cup)["images"]
    assert len(images) == 3
    for image in images:
        assert image["list"].startswith("https://shop.example.com/media/cache/")
        assert image["detail"].startswith("https://shop.example.com/media/cache/")
        assert image["list"] != image["detail"]
        assert image["original"].startswith("https://shop.example.com/media/")


def test_thumbnails_have_the_configured_sizes(cup, settings):
    from PIL import Image

    thumbs = cup.images.first().thumbnails
    root = settings.MEDIA_ROOT
    with Image.open(root + thumbs.list_url.removeprefix("/media")) as small:
        assert small.size == (400, 400)
    with Image.open(root + thumbs.detail_url.removeprefix("/media")) as large:
        assert 745 <= large.size[0] <= 750  # sorl rounds the scale factor


def test_product_attributes_are_listed(api):
    klass = f.product_class("茶叶礼盒")
    product = f.standalone("龙井礼盒", klass=klass)
    f.ProductAttributeValue.objects.create(
        product=product, attribute=f.attribute(klass, "origin", "产地"), value_text="杭州西湖"
    )
    assert detail(api, product)["attributes"] == [{"code": "origin", "name": "产地", "value": "杭州西湖"}]


def test_standalone_product_is_its_own_single_sku(api):
    product = f.standalone("茶则", price="25.00", num_in_stock=8)
    body = detail(api, product)
    assert [(s["id"], s["price"], s["available_quantity"]) for s in body["skus"]] == [(product.pk, "25.00", 8)]
    assert body["sku_picker"]["attributes"] == []


def test_untracked_stock_is_always_buyable_up_to_the_default_cap(api, settings):
    product = f.standalone("电子礼品卡", klass=f.product_class("卡券", track_stock=False), num_in_stock=0)
    sku = detail(api, product)["skus"][0]
    assert sku["stock_status"] == "in_stock" and sku["available_quantity"] == settings.ORDER_MAX_QUANTITY_PER_SKU


def test_unpublished_unknown_and_sku_ids_are_404(api, cup):
    hidden = f.standalone("未上架", is_public=False)
    for product_id in (hidden.pk, 999999, cup.children.first().pk):
        response = api.get(f"/api/v1/products/{product_id}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "product_not_found"


def test_hidden_sku_is_not_offered(api):
    product = f.with_skus("茶盘", [{"size": "大"}, {"size": "小", "is_public": False}])
    assert [s["attributes"]["size"] for s in detail(api, product)["skus"]] == ["大"]


def _detail_queries(api, product):
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        detail(api, product)
    return len(queries)


def test_detail_query_count_does_not_grow_with_skus_or_images(api):
    two = f.with_skus("两款", [{"size": str(n)} for n in range(2)], images=1)
    eight = f.with_skus("八款", [{"size": str(n), "color": "红"} for n in range(8)], images=6)
    assert _detail_queries(api, two) == _detail_queries(api, eight) == 8
