from django.db import migrations, models


def mark_paid_orders(apps, schema_editor):
    """Orders paid before this migration were counted already."""
    OrderInfo = apps.get_model("storefront", "OrderInfo")
    OrderInfo.objects.filter(paid_at__isnull=False).update(sales_recorded=True)


class Migration(migrations.Migration):
    dependencies = [
        ("storefront", "0012_after_sales_photos_private"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderinfo",
            name="sales_recorded",
            field=models.BooleanField(default=False, verbose_name="sales counted"),
        ),
        migrations.RunPython(mark_paid_orders, migrations.RunPython.noop),
    ]
