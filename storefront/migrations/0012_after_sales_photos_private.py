# After-sales photos move to the private storage (config/private_media.py). Photos uploaded
# before are moved by the data step below: re-encoded like new uploads, renamed at random,
# and their public files deleted. It runs outside a transaction (files cannot be rolled
# back), one photo at a time, and can be run again with
# `manage.py make_after_sales_photos_private`.

from django.db import migrations, models

import config.private_media


def make_photos_private(apps, schema_editor):
    from storefront.orders.photos import make_public_photos_private

    make_public_photos_private(apps.get_model("storefront", "AfterSalesPhoto"))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("storefront", "0011_text_hygiene_validators"),
    ]

    operations = [
        migrations.AlterField(
            model_name="aftersalesphoto",
            name="image",
            field=models.ImageField(
                storage=config.private_media.private_storage, upload_to="after-sales/%Y/%m/", verbose_name="photo"
            ),
        ),
        migrations.RunPython(make_photos_private, migrations.RunPython.noop, elidable=True),
    ]
