"""Keyword search on PostgreSQL: the pg_trgm GIN index exists and serves substring search,
Chinese included. Skipped on SQLite (which uses a plain substring match, same results)."""

import pytest
from django.db import connection

from storefront.catalog.models import ProductListing
from storefront.catalog.selectors import product_list
from tests.factories import catalog as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_search_text_has_a_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'storefront_listing_search_trgm'")
        row = cursor.fetchone()
    assert row is not None, "run the tests with migrations: the index is made by storefront 0003_catalog"
    assert "gin" in row[0].lower() and "gin_trgm_ops" in row[0]


def test_chinese_substring_search_uses_the_index_on_a_big_catalog():
    klass = f.product_class()
    filler = f.Product.objects.bulk_create(
        [
            f.Product(title=f"普通商品{n}", structure="standalone", product_class=klass, slug=f"p{n}")
            for n in range(5000)
        ]
    )
    ProductListing.objects.bulk_create(
        [ProductListing(product=p, search_text=f"{p.title.lower()} 杂项 第{n}号") for n, p in enumerate(filler)]
    )
    wanted = f.standalone("西湖龙井 明前特级", keywords="杭州 绿茶")
    queryset = product_list(q="西湖龙井")
    with connection.cursor() as cursor:
        # What autovacuum does in a live database: fold the GIN pending list into the index.
        cursor.execute("SELECT gin_clean_pending_list('storefront_listing_search_trgm'::regclass)")
        cursor.execute("ANALYZE storefront_productlisting")
        cursor.execute("ANALYZE catalogue_product")
    assert list(queryset.values_list("pk", flat=True)) == [wanted.pk]
    plan = queryset.explain()
    assert "storefront_listing_search_trgm" in plan


def test_search_ranks_and_matches_the_same_as_on_sqlite(api):
    by_attribute = f.with_skus("熟普饼", [{"origin": "云南白茶山"}])
    by_keyword = f.standalone("寿眉", keywords="白茶 老白茶")
    by_title = f.standalone("白茶 入门装")
    f.standalone("红茶")
    listed = [row["id"] for row in api.get("/api/v1/products/?q=白茶").json()["results"]]
    assert listed == [by_title.pk, by_keyword.pk, by_attribute.pk]
    assert api.get("/api/v1/products/", {"q": "%' OR 1=1 --"}).json()["count"] == 0
