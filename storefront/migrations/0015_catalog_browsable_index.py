"""An index of the products the shopper catalog lists, newest first, on Oscar's product table.

The product list (storefront.catalog.selectors.product_list) filters every query to
browsable products, `is_public AND parent_id IS NULL AND NOT structure = 'child'`, orders by
`date_created DESC, id DESC` by default and counts the matches for its pages. Without this
index PostgreSQL found the 100,000 products of a large catalog through the parent_id index
among their 500,000 SKUs and read each row to check the rest of the filter (the count alone
23 ms; bench/README.md, "Catalog at scale"). This partial index holds the browsable products
alone, in the list's order: the count becomes an index-only scan and the first pages read 20
entries. It also serves as the browsable set that search matches are joined with.

Oscar's table is not ours to change through a model, so the index is plain SQL (valid on
PostgreSQL and SQLite), not part of any model's state."""

from django.db import migrations

BROWSABLE_INDEX = "storefront_product_browsable_newest"

CREATE = (
    f"CREATE INDEX IF NOT EXISTS {BROWSABLE_INDEX} ON catalogue_product (date_created DESC, id DESC) "
    "WHERE is_public AND parent_id IS NULL AND structure <> 'child'"
)
DROP = f"DROP INDEX IF EXISTS {BROWSABLE_INDEX}"


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0032_category_exclude_from_menu_category_long_description"),
        ("storefront", "0014_catalog_editor"),
    ]

    operations = [migrations.RunSQL(CREATE, reverse_sql=DROP)]
