"""Builds the benchmark database: migrate, the bulk catalog (bench/catalog.py), members who
logged in from WeChat with bearer tokens, a flash-sale SKU in the flash-sale buyers'
baskets, and a pickup store. Run inside
the benchmark virtualenv with DJANGO_SETTINGS_MODULE=bench.settings; writes what the load
generator needs as JSON to the path given."""

import json
import sys
import time

import django


def main(out_path, members, flash_buyers=range(0)):
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from oscar.core.loading import get_model

    from bench import catalog
    from platforms.base import LoginResult
    from storefront.basket.services import add_line
    from storefront.members.services import find_or_create_member, issue_token
    from storefront.payments.services import SOURCE_TYPE_NAMES
    from storefront.stores.models import Store

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"  migrated in {time.monotonic() - started:.1f} s", flush=True)

    started = time.monotonic()
    loaded = catalog.load()
    flash_sku = catalog.flash_sale_sku(units=100)
    print(f"  catalog loaded in {time.monotonic() - started:.1f} s: {loaded}", flush=True)

    # Members as the WeChat login makes them (identity with an openid, which WeChat Pay
    # needs as the payer), each with a bearer token.
    started = time.monotonic()
    tokens = []
    with transaction.atomic():  # one commit, not seven per member
        for n in range(members):
            result = LoginResult(platform="wechat", app_id=settings.WECHAT_APP_ID, openid=f"o_bench_{n:05d}")
            member, _ = find_or_create_member(result=result)
            tokens.append(issue_token(member=member)[0])
    print(f"  {members} members in {time.monotonic() - started:.1f} s", flush=True)

    # The flash-sale buyers have the flash SKU in their basket before the sale starts,
    # put there by the basket service as POST basket/lines/ does (setup, not timed).
    started = time.monotonic()
    User = get_user_model()
    for n in flash_buyers:
        add_line(member=User.objects.get(identities__openid=f"o_bench_{n:05d}"), sku_id=flash_sku, quantity=1)
    print(f"  {len(flash_buyers)} flash-sale baskets in {time.monotonic() - started:.1f} s", flush=True)

    # A shop that has taken payments before has Oscar's payment source types; the first
    # payments of a new shop create them, and concurrent first payments may create two
    # (see the benchmark report), so they exist before the notification scenario runs.
    SourceType = get_model("payment", "SourceType")
    for name in SOURCE_TYPE_NAMES.values():
        SourceType.objects.get_or_create(name=name)

    Product = get_model("catalogue", "Product")
    StockRecord = get_model("partner", "StockRecord")
    parents = list(Product.objects.filter(structure="parent").order_by("pk").values_list("pk", flat=True))
    skus = list(
        StockRecord.objects.filter(num_in_stock__gte=200)
        .exclude(product_id=flash_sku)
        .order_by("pk")
        .values_list("product_id", flat=True)[:400]
    )
    store = Store.objects.filter(offers_pickup=True, is_active=True).first() or Store.objects.create(
        code="bench",
        name="Bench store",
        province="上海市",
        city="上海市",
        address="1号",
        latitude="31.2",
        longitude="121.4",
        offers_pickup=True,
    )
    with open(out_path, "w") as handle:
        json.dump(
            {
                "loaded": loaded,
                "parents": parents,
                "skus": skus,
                "flash_sku": flash_sku,
                "tokens": tokens,
                "store_id": store.pk,
            },
            handle,
        )


def migrate():
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


if __name__ == "__main__":
    if sys.argv[1] == "--migrate":
        migrate()
    else:
        main(sys.argv[1], int(sys.argv[2]), range(int(sys.argv[3]), int(sys.argv[4])))
