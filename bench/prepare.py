"""Builds the benchmark database: migrate, the bulk catalog (bench/catalog.py), members who
logged in from WeChat with bearer tokens, a flash-sale SKU in the flash-sale buyers'
baskets, points buyers holding points (granted through loyalty.services, as a marketer's
adjustment) with a SKU in their basket, and a pickup store. Run inside
the benchmark virtualenv with DJANGO_SETTINGS_MODULE=bench.settings; writes what the load
generator needs as JSON to the path given."""

import json
import sys
import time

import django


def flash_sale_for_the_fast_path(units=100):
    """Another fresh SKU with `units` in stock, all of them in a flash sale running now (at
    1.00 yuan off), one per member: the flash-sale path's scenario. Returns (sale id, SKU id)."""
    import datetime as dt

    from django.utils import timezone
    from oscar.core.loading import get_model

    from flashsales.models import FlashSale, FlashSaleItem
    from flashsales.services import rebuild_counters

    Product = get_model("catalogue", "Product")
    StockRecord = get_model("partner", "StockRecord")
    parent = Product.objects.filter(structure="parent").order_by("pk").first()
    child = Product.objects.create(
        structure="child",
        parent=parent,
        is_public=True,
        title="秒杀专区",
        slug="bench-flash-fast",
        upc="BENCH-FLASH-FAST",
    )
    record = StockRecord.objects.create(
        product=child,
        partner=StockRecord.objects.first().partner,
        partner_sku="BENCH-FLASH-FAST",
        price="9.90",
        num_in_stock=units,
        num_allocated=0,
    )
    now = timezone.now()
    sale = FlashSale.objects.create(
        name="基准秒杀", starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(days=1), per_member_limit=1
    )
    FlashSaleItem.objects.create(sale=sale, sku=child, sale_price="8.90", normal_price=record.price, quantity=units)
    rebuild_counters(sale_id=sale.pk)
    return sale.pk, child.pk


def coupon_batch_for_the_claim_scenario(total=300):
    """A coupon batch claimable now, `total` in all, one per member, with a minimum spend no
    bench basket reaches (so it never changes a checkout's total): the coupon-claim scenario."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from offers import services as offer_services
    from offers.models import CouponBatch

    now = timezone.now()
    batch = CouponBatch.objects.create(
        name="基准领券",
        value=Decimal("5.00"),
        min_spend=Decimal("99999.00"),
        total=total,
        per_member_limit=1,
        claim_starts_at=now - dt.timedelta(minutes=1),
        claim_ends_at=now + dt.timedelta(days=1),
        validity=CouponBatch.Validity.DAYS,
        valid_days=7,
    )
    offer_services.sync_offer(batch)
    return batch.pk


def main(out_path, members, flash_buyers=range(0), points_buyers=range(0), points=0):
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from oscar.core.loading import get_model

    from bench import catalog
    from loyalty import services as loyalty_services
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
    fast_flash_sale, fast_flash_sku = flash_sale_for_the_fast_path(units=100)
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

    Product = get_model("catalogue", "Product")
    StockRecord = get_model("partner", "StockRecord")
    skus = list(
        StockRecord.objects.filter(num_in_stock__gte=200)
        .exclude(product_id=flash_sku)
        .order_by("pk")
        .values_list("product_id", flat=True)[:400]
    )

    # The points buyers: `points` available each, granted as a marketer does it (a manual
    # adjustment with a reason, one lot each), and one SKU in the basket (12 to 48 yuan: the
    # rules' default cap of half the goods allows at least 600 points on it).
    started = time.monotonic()
    marketer, _ = User.objects.get_or_create(
        username="bench_marketer", defaults={"is_staff": True, "is_superuser": True}
    )
    for n in points_buyers:
        member = User.objects.get(identities__openid=f"o_bench_{n:05d}")
        loyalty_services.adjust_points(
            member=member, points=points, reason="基准测试发放", staff=marketer, key=f"bench-{n}"
        )
        add_line(member=member, sku_id=skus[n % len(skus)], quantity=1)
    print(f"  {len(points_buyers)} points buyers in {time.monotonic() - started:.1f} s", flush=True)

    # A shop that has taken payments before has Oscar's payment source types; the first
    # payments of a new shop create them, and concurrent first payments may create two
    # (see the benchmark report), so they exist before the notification scenario runs.
    SourceType = get_model("payment", "SourceType")
    for name in SOURCE_TYPE_NAMES.values():
        SourceType.objects.get_or_create(name=name)

    parents = list(Product.objects.filter(structure="parent").order_by("pk").values_list("pk", flat=True))
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
                "fast_flash_sale": fast_flash_sale,
                "fast_flash_sku": fast_flash_sku,
                "tokens": tokens,
                "store_id": store.pk,
                "coupon_batch": coupon_batch_for_the_claim_scenario(),
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
        points_buyers = range(int(sys.argv[5]), int(sys.argv[6])) if len(sys.argv) > 6 else range(0)
        points = int(sys.argv[7]) if len(sys.argv) > 7 else 0
        main(sys.argv[1], int(sys.argv[2]), range(int(sys.argv[3]), int(sys.argv[4])), points_buyers, points)
