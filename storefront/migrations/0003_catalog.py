# Catalog additions to Oscar's products: listing data (keywords, sales, purchase limit,
# original price, search text) and stored thumbnails. On PostgreSQL the search text gets a
# pg_trgm GIN index so substring search (Chinese included) does not scan the table.

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

TRIGRAM_INDEX = "storefront_listing_search_trgm"


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON storefront_productlisting "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


def create_listings(apps, schema_editor):
    Product = apps.get_model("catalogue", "Product")
    ProductListing = apps.get_model("storefront", "ProductListing")
    ProductListing.objects.bulk_create(
        [ProductListing(product_id=pk, search_text=(title or "").lower()) for pk, title in Product.objects.values_list("pk", "title")],
        batch_size=500,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0032_category_exclude_from_menu_category_long_description'),
        ('storefront', '0002_members_identities'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProductImageThumbnails',
            fields=[
                ('image', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='thumbnails', serialize=False, to='catalogue.productimage')),
                ('source', models.CharField(max_length=255)),
                ('list_url', models.CharField(max_length=500)),
                ('detail_url', models.CharField(max_length=500)),
                ('created_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'product image thumbnails',
                'verbose_name_plural': 'product image thumbnails',
            },
        ),
        migrations.CreateModel(
            name='ProductListing',
            fields=[
                ('product', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='listing', serialize=False, to='catalogue.product', verbose_name='product')),
                ('search_keywords', models.CharField(blank=True, help_text='Extra words shoppers may search with, separated by spaces or commas, e.g. 明前 绿茶 送礼.', max_length=500, verbose_name='search keywords')),
                ('sales_count', models.PositiveIntegerField(db_index=True, default=0, help_text='Used for best-selling ordering; counted from paid orders.', verbose_name='units sold')),
                ('purchase_limit', models.PositiveSmallIntegerField(blank=True, help_text='Most units of this SKU a shopper may buy at once; empty for no limit.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='purchase limit per order')),
                ('original_price', models.DecimalField(blank=True, decimal_places=2, help_text='Crossed-out price shown when it is higher than the selling price.', max_digits=12, null=True, validators=[django.core.validators.MinValueValidator(0)], verbose_name='original price')),
                ('search_text', models.TextField(blank=True, default='', editable=False, verbose_name='search text')),
                ('search_attributes', models.TextField(blank=True, default='', editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'product listing',
                'verbose_name_plural': 'product listings',
                'constraints': [models.CheckConstraint(condition=models.Q(('purchase_limit__isnull', True), ('purchase_limit__gte', 1), _connector='OR'), name='listing_purchase_limit_positive'), models.CheckConstraint(condition=models.Q(('original_price__isnull', True), ('original_price__gte', 0), _connector='OR'), name='listing_original_price_not_negative'), models.CheckConstraint(condition=models.Q(('sales_count__gte', 0)), name='listing_sales_not_negative')],
            },
        ),
        migrations.RunPython(create_listings, migrations.RunPython.noop),
        migrations.RunPython(add_trigram_index, drop_trigram_index),
    ]
