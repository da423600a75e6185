"""The index of browsable products (storefront 0015) on PostgreSQL: it exists, holds only
what the product list shows, in its order, and the planner can answer the list's default
page and its count from it. Skipped on SQLite."""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from storefront.catalog.selectors import product_list
from tests.factories import catalog as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BROWSABLE_INDEX = importlib.import_module("storefront.migrations.0015_catalog_browsable_index").BROWSABLE_INDEX


def plan_of(sql):
    with connection.cursor() as cursor:
        # A test catalog is a few rows, which PostgreSQL reads whole; with sequential scans
        # priced out it shows which index it would take on a large catalog.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_index_holds_the_browsable_products_newest_first():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [BROWSABLE_INDEX])
        row = cursor.fetchone()
    assert row is not None, "run the tests with migrations: the index is made by storefront 0015"
    definition = row[0]
    assert "catalogue_product" in definition and "(date_created DESC, id DESC)" in definition
    assert "is_public" in definition and "parent_id IS NULL" in definition and "'child'" in definition


def test_the_default_product_page_and_its_count_are_read_from_the_index():
    f.with_skus("龙井 明前", [{"size": "中杯"}, {"size": "大杯"}])
    f.standalone("乌龙 礼盒")
    f.standalone("下架的红茶", is_public=False)
    products = product_list()
    with CaptureQueriesContext(connection) as queries:
        assert products.count() == 2
        assert len(list(products[:20])) == 2
    count_sql, page_sql = (query["sql"] for query in queries.captured_queries)
    assert BROWSABLE_INDEX in plan_of(count_sql)
    assert BROWSABLE_INDEX in plan_of(page_sql)
