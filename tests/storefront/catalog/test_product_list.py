"""A shopper browses the product list: filters, sorting, Chinese keyword search, paging,
bad input, and a fixed number of queries whatever the page size."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from storefront.catalog import services as catalog_services
from storefront.catalog.models import ProductImageThumbnails, ProductListing
from tests.factories import catalog as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """A small tea shop like the demo's."""
    tea = f.category("茶叶")
    green = f.category("绿茶", tea)
    white = f.category("白茶", tea)
    ware = f.category("茶具")
    longjing = f.standalone(
        "西湖龙井 明前特级", price="268.00", categories=[green], keywords="绿茶 送礼 杭州", images=1
    )
    biluochun = f.standalone("碧螺春", price="158.00", categories=[green], keywords="苏州 洞庭", num_in_stock=0)
    yinzhen = f.with_skus(
        "福鼎白毫银针",
        [{"size": "50g", "price": "98.00"}, {"size": "100g 礼盒", "price": "188.00"}],
        categories=[white],
        keywords="白茶",
        images=1,
    )
    teapot = f.standalone("紫砂壶 西施壶", price="588.00", categories=[ware], keywords="宜兴 紫砂")
    hidden = f.standalone("未上架的龙井", price="1.00", categories=[green], is_public=False)
    return {
        "tea": tea,
        "green": green,
        "white": white,
        "ware": ware,
        "longjing": longjing,
        "biluochun": biluochun,
        "yinzhen": yinzhen,
        "teapot": teapot,
        "hidden": hidden,
    }


def ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_list_answers_the_contract_fields(api, shop):
    response = api.get("/api/v1/products/")
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    row = next(r for r in body["results"] if r["id"] == shop["longjing"].pk)
    assert {"id", "title", "price", "currency", "image", "in_stock"} <= set(row)
    assert row["price"] == "268.00" and row["currency"] == "CNY" and row["in_stock"] is True
    assert row["image"].startswith("https://shop.example.com/media/cache/")


def test_unpublished_products_and_skus_are_not_listed(api, shop):
    listed = ids(api.get("/api/v1/products/?page_size=50"))
    assert shop["hidden"].pk not in listed
    assert set(listed) == {shop[k].pk for k in ("longjing", "biluochun", "yinzhen", "teapot")}


def test_parent_shows_its_cheapest_sku_price(api, shop):
    row = next(r for r in api.get("/api/v1/products/").json()["results"] if r["id"] == shop["yinzhen"].pk)
    assert row["price"] == "98.00"


def test_category_filter_includes_sub_categories(api, shop):
    assert set(ids(api.get(f"/api/v1/products/?category={shop['tea'].pk}"))) == {
        shop["longjing"].pk,
        shop["biluochun"].pk,
        shop["yinzhen"].pk,
    }
    assert ids(api.get(f"/api/v1/products/?category={shop['ware'].pk}")) == [shop["teapot"].pk]


def test_unknown_category_is_404(api, shop):
    response = api.get("/api/v1/products/?category=999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "category_not_found"


def test_price_range_filters_on_the_price_shown(api, shop):
    assert set(ids(api.get("/api/v1/products/?min_price=100&max_price=300"))) == {
        shop["biluochun"].pk,
        shop["longjing"].pk,
    }
    # A product with SKUs is shown (and filtered) at its cheapest SKU's price.
    assert set(ids(api.get("/api/v1/products/?max_price=98.00"))) == {shop["yinzhen"].pk}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("min_price=abc", "min_price"),
        ("max_price=-1", "max_price"),
        ("min_price=300&max_price=100", "max_price"),
        ("min_price=NaN", "min_price"),
        ("category=abc", "category"),
        ("page=0", "page"),
        ("page=99", "page"),
        ("page_size=51", "page_size"),
        ("in_stock=maybe", "in_stock"),
        ("ordering=title", "ordering"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, shop, query, field):
    response = api.get(f"/api/v1/products/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert field in response.json()["error"]["fields"]


def test_in_stock_filter_hides_sold_out_products(api, shop):
    listed = ids(api.get("/api/v1/products/?in_stock=true&page_size=50"))
    assert shop["biluochun"].pk not in listed
    assert shop["longjing"].pk in listed
    sold_out = next(r for r in api.get("/api/v1/products/").json()["results"] if r["id"] == shop["biluochun"].pk)
    assert sold_out["in_stock"] is False


def test_allocated_stock_counts_as_gone(api, shop):
    record = shop["teapot"].stockrecords.get()
    record.num_in_stock, record.num_allocated = 3, 3
    record.save()
    assert shop["teapot"].pk not in ids(api.get("/api/v1/products/?in_stock=true"))


def test_sorting_by_price_newest_and_best_selling(api, shop):
    assert ids(api.get("/api/v1/products/?ordering=price")) == [
        shop["yinzhen"].pk,
        shop["biluochun"].pk,
        shop["longjing"].pk,
        shop["teapot"].pk,
    ]
    assert ids(api.get("/api/v1/products/?ordering=-price")) == [
        shop["teapot"].pk,
        shop["longjing"].pk,
        shop["biluochun"].pk,
        shop["yinzhen"].pk,
    ]
    assert ids(api.get("/api/v1/products/?ordering=-created")) == [
        shop["teapot"].pk,
        shop["yinzhen"].pk,
        shop["biluochun"].pk,
        shop["longjing"].pk,
    ]
    catalog_services.record_sale(product_id=shop["yinzhen"].children.first().pk, quantity=7)
    catalog_services.record_sale(product_id=shop["biluochun"].pk, quantity=3)
    by_sales = api.get("/api/v1/products/?ordering=-sales").json()["results"]
    assert [r["id"] for r in by_sales[:2]] == [shop["yinzhen"].pk, shop["biluochun"].pk]
    assert by_sales[0]["sales"] == 7


def test_chinese_keyword_search_matches_title_keywords_and_sku_attributes(api, shop):
    assert ids(api.get("/api/v1/products/?q=龙井")) == [shop["longjing"].pk]
    assert ids(api.get("/api/v1/products/?q=紫砂")) == [shop["teapot"].pk]  # title and keyword
    assert ids(api.get("/api/v1/products/?q=宜兴")) == [shop["teapot"].pk]  # keyword only
    assert ids(api.get("/api/v1/products/?q=礼盒")) == [shop["yinzhen"].pk]  # a SKU's attribute
    assert ids(api.get("/api/v1/products/?q=苏州 洞庭")) == [shop["biluochun"].pk]  # every word must match
    assert ids(api.get("/api/v1/products/?q=普洱")) == []


def test_search_ranks_title_over_keyword_over_attribute(api, shop):
    by_attribute = f.with_skus("熟普饼", [{"origin": "云南白茶山"}])
    by_keyword = f.standalone("寿眉", keywords="白茶 老白茶")
    by_title = f.standalone("白茶 入门装")
    listed = ids(api.get("/api/v1/products/?q=白茶"))
    assert listed.index(by_title.pk) < listed.index(by_keyword.pk) < listed.index(by_attribute.pk)


def test_search_and_category_and_stock_filters_combine(api, shop):
    listed = ids(api.get(f"/api/v1/products/?q=茶&category={shop['green'].pk}&in_stock=true"))
    assert listed == [shop["longjing"].pk]


@pytest.mark.parametrize(
    "attack",
    [
        "' OR 1=1 --",
        "%' UNION SELECT password FROM storefront_user --",
        "%",
        "_",
        "\\",
        "龙井'; DROP TABLE catalogue_product; --",
    ],
)
def test_injection_in_q_is_just_a_value(api, shop, attack):
    response = api.get("/api/v1/products/", {"q": attack})
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert api.get("/api/v1/products/").json()["count"] == 4  # the table is still there


def test_injection_in_ordering_is_refused_as_a_value(api, shop):
    response = api.get("/api/v1/products/", {"ordering": "price; DROP TABLE catalogue_product"})
    assert response.status_code == 400
    assert "ordering" in response.json()["error"]["fields"]


def test_list_needs_no_login(api, shop, member_api):
    assert api.get("/api/v1/products/").status_code == 200
    assert member_api.get("/api/v1/products/").status_code == 200


def test_pages_say_how_to_get_the_next(api, shop):
    body = api.get("/api/v1/products/?page_size=3").json()
    assert body["count"] == 4 and len(body["results"]) == 3
    assert "page=2" in body["next"]
    assert len(api.get(body["next"]).json()["results"]) == 1


def _many_products(count):
    cat = f.category(f"批量{count}")
    for n in range(count):
        if n % 2:
            f.with_skus(
                f"茶{n}",
                [{"size": "50g", "price": "20.00"}, {"size": "100g", "price": "36.00"}],
                categories=[cat],
                images=2,
            )
        else:
            f.standalone(f"壶{n}", price="99.00", categories=[cat], images=1)
    return cat


def _queries(api, url):
    from django.core.cache import cache

    cache.clear()  # measure the real work, not the response cache
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200
    return len(queries), response.json()


def test_list_query_count_is_the_same_for_10_and_50_products(api):
    cat = _many_products(50)
    small, body_small = _queries(api, f"/api/v1/products/?category={cat.pk}&page_size=10")
    large, body_large = _queries(api, f"/api/v1/products/?category={cat.pk}&page_size=50")
    assert len(body_small["results"]) == 10 and len(body_large["results"]) == 50
    assert small == large == 7  # category, count, page, stock records, SKUs, their stock, images
    searched, _ = _queries(api, "/api/v1/products/?q=茶&page_size=50&ordering=-sales")
    assert searched == 6


def test_list_never_makes_a_thumbnail_once_they_exist(api, monkeypatch):
    _many_products(4)

    def refuse(*args, **kwargs):
        raise AssertionError("a thumbnail was made inside a list request")

    monkeypatch.setattr("sorl.thumbnail.get_thumbnail", refuse)
    assert all(row["image"] for row in api.get("/api/v1/products/").json()["results"])


def test_an_image_without_thumbnails_is_answered_with_its_original_until_the_sweep_makes_them(api, monkeypatch):
    product = f.standalone("单丛")
    image = f.image(product, thumbnails=False)
    monkeypatch.setattr("sorl.thumbnail.get_thumbnail", lambda *a, **k: pytest.fail("made while rendering"))
    first = api.get("/api/v1/products/").json()["results"][0]["image"]
    assert first == f"https://shop.example.com{image.original.url}"
    assert not ProductImageThumbnails.objects.filter(image=image).exists()

    monkeypatch.undo()
    assert catalog_services.make_missing_product_image_thumbnails() == 1
    made = api.get("/api/v1/products/").json()["results"][0]["image"]
    assert made.startswith("https://shop.example.com/media/cache/")
    monkeypatch.setattr("sorl.thumbnail.get_thumbnail", lambda *a, **k: pytest.fail("made twice"))
    assert catalog_services.make_missing_product_image_thumbnails() == 0
    assert api.get("/api/v1/products/").json()["results"][0]["image"] == made


def test_a_replaced_upload_is_answered_with_the_new_original_until_its_thumbnails_are_made(api, monkeypatch):
    product = f.standalone("水仙")
    image = f.image(product)
    old = api.get("/api/v1/products/").json()["results"][0]["image"]
    image.original = SimpleUploadedFile("new.png", f.png_bytes(color=(200, 10, 10)), content_type="image/png")
    image.save()  # the save-time task is queued on commit, which never comes inside a test
    again = api.get("/api/v1/products/").json()["results"][0]["image"]
    assert again != old and again == f"https://shop.example.com{image.original.url}"
    assert catalog_services.make_missing_product_image_thumbnails() == 1
    assert (
        api.get("/api/v1/products/").json()["results"][0]["image"].startswith("https://shop.example.com/media/cache/")
    )


def test_saving_an_image_queues_its_thumbnails_after_commit(django_capture_on_commit_callbacks):
    product = f.standalone("凤凰单丛")
    with django_capture_on_commit_callbacks(execute=True):
        image = f.image(product, thumbnails=False)
    image.refresh_from_db()
    assert image.thumbnails.list_url.startswith("/media/cache/")
    assert image.thumbnails.source == image.original.name


# --- conditional requests and the response cache ------------------------------------------
def test_etag_answers_304_without_touching_the_database(api, shop):
    first = api.get("/api/v1/products/")
    etag = first["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = api.get("/api/v1/products/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert len(queries) == 0


def test_a_price_change_is_never_served_stale(api, shop):
    url = f"/api/v1/products/{shop['longjing'].pk}/"
    list_first = api.get("/api/v1/products/")
    detail_first = api.get(url)
    record = shop["longjing"].stockrecords.get()
    record.price = Decimal("238.00")
    record.save()
    list_again = api.get("/api/v1/products/", HTTP_IF_NONE_MATCH=list_first["ETag"])
    detail_again = api.get(url, HTTP_IF_NONE_MATCH=detail_first["ETag"])
    assert list_again.status_code == 200 and detail_again.status_code == 200
    assert next(r for r in list_again.json()["results"] if r["id"] == shop["longjing"].pk)["price"] == "238.00"
    assert detail_again.json()["skus"][0]["price"] == "238.00"
    assert list_again["ETag"] != list_first["ETag"]


def test_a_sale_allocating_stock_refreshes_the_cached_list(api, shop):
    api.get("/api/v1/products/?in_stock=true")
    record = shop["teapot"].stockrecords.get()
    record.allocate(record.num_in_stock)  # Oscar's checkout path (an UPDATE, with signals)
    assert shop["teapot"].pk not in ids(api.get("/api/v1/products/?in_stock=true"))


def test_unpublishing_drops_the_product_from_the_cached_list(api, shop):
    api.get("/api/v1/products/")
    shop["teapot"].is_public = False
    shop["teapot"].save()
    assert shop["teapot"].pk not in ids(api.get("/api/v1/products/"))


def test_marketer_keywords_are_searchable_at_once(api, shop):
    assert ids(api.get("/api/v1/products/?q=春茶")) == []
    listing = ProductListing.objects.get(product=shop["biluochun"])
    listing.search_keywords = "春茶 江苏"
    listing.save()
    assert ids(api.get("/api/v1/products/?q=春茶")) == [shop["biluochun"].pk]
