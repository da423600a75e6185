"""The product editor's schedule on the listing, and a database check that no stock record
(Oscar's partner.StockRecord, which has none of its own) holds a negative price.

Oscar's model is not ours to change, so the price check is added with the schema editor in
RunPython: it is not part of any model's state and no later `makemigrations` touches it.
Stock itself (num_in_stock) is a PositiveIntegerField, which Django already checks in the
database."""

from django.db import migrations, models

STOCKRECORD_PRICE_CHECK = "stockrecord_price_not_negative"


def _price_check():
    return models.CheckConstraint(
        condition=models.Q(price__isnull=True) | models.Q(price__gte=0), name=STOCKRECORD_PRICE_CHECK
    )


def add_price_check(apps, schema_editor):
    model = apps.get_model("partner", "StockRecord")
    constraint = _price_check()
    # SQLite adds a constraint by rebuilding the table from the model's own constraints:
    # the (throwaway) historical model is given this one first.
    model._meta.constraints = [*model._meta.constraints, constraint]
    schema_editor.add_constraint(model, constraint)


def remove_price_check(apps, schema_editor):
    model = apps.get_model("partner", "StockRecord")
    constraint = _price_check()
    model._meta.constraints = [c for c in model._meta.constraints if c.name != STOCKRECORD_PRICE_CHECK]
    schema_editor.remove_constraint(model, constraint)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0032_category_exclude_from_menu_category_long_description"),
        ("partner", "0007_partneraddress_code"),
        ("storefront", "0013_orderinfo_sales_recorded"),
    ]

    operations = [
        migrations.AddField(
            model_name="productlisting",
            name="publish_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="定时上架"),
        ),
        migrations.AddField(
            model_name="productlisting",
            name="unpublish_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="定时下架"),
        ),
        migrations.AddConstraint(
            model_name="productlisting",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("publish_at__isnull", True),
                    ("unpublish_at__isnull", True),
                    ("unpublish_at__gt", models.F("publish_at")),
                    _connector="OR",
                ),
                name="listing_unpublish_after_publish",
            ),
        ),
        migrations.RunPython(add_price_check, remove_price_check),
    ]
