"""The demo's catalog and stores are browsable through the API in the core contract's shape."""

from io import StringIO

import pytest
from django.core.management import call_command
from oscar.core.loading import get_model

from storefront.catalog.models import ProductListing

pytestmark = pytest.mark.django_db
Product = get_model("catalogue", "Product")


@pytest.fixture
def demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_catalog_is_browsable(api, demo):
    assert "catalog: keywords and sales" in demo
    tree = api.get("/api/v1/categories/").json()
    assert tree and all({"id", "name", "children"} <= set(node) for node in tree)

    page = api.get("/api/v1/products/?page_size=50").json()
    assert page["count"] >= 30
    assert all(row["image"] and row["price"] for row in page["results"])

    milk_teas = [row["title"] for row in api.get("/api/v1/products/?q=奶茶").json()["results"]]
    assert "桂花乌龙奶茶" in milk_teas and milk_teas[0].endswith("奶茶")  # title hits first
    best = api.get("/api/v1/products/?ordering=-sales").json()["results"][0]
    assert best["title"] == "桂花乌龙奶茶" and best["sales"] == 1290

    longjing = Product.objects.get(upc="QS-T-LONGJING")
    body = api.get(f"/api/v1/products/{longjing.pk}/").json()
    statuses = {sku["attributes"]["tea_size"]: sku["stock_status"] for sku in body["skus"]}
    assert statuses["250g 礼盒"] == "sold_out"
    assert all("original_price" not in sku["attributes"] for sku in body["skus"])

    lapsang = Product.objects.get(upc="QS-T-LAPSANG")
    skus = api.get(f"/api/v1/products/{lapsang.pk}/").json()["skus"]
    assert any(sku["original_price"] == "128.00" for sku in skus)

    stores = api.get("/api/v1/stores/?lat=31.2304&lng=121.4737").json()["results"]
    assert stores and all(isinstance(store["open_now"], bool) for store in stores)
    distances = [store["distance_m"] for store in stores]
    assert distances == sorted(distances)


def test_loading_the_demo_twice_changes_no_listing(demo):
    before = list(ProductListing.objects.order_by("pk").values())
    call_command("load_demo", stdout=StringIO())
    assert list(ProductListing.objects.order_by("pk").values()) == before
