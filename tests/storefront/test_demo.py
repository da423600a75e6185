"""The demo brand: `load_demo` builds a believable tea house, and running it again changes nothing."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from oscar.core.loading import get_model

from storefront.stores.models import Store, StoreHours, StoreHoursException, StorePhoto

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")

SNAPSHOT_MODELS = [
    Category,
    Product,
    get_model("catalogue", "ProductClass"),
    get_model("catalogue", "ProductAttribute"),
    ProductAttributeValue,
    get_model("catalogue", "AttributeOptionGroup"),
    get_model("catalogue", "AttributeOption"),
    get_model("catalogue", "ProductCategory"),
    ProductImage,
    StockRecord,
    get_model("partner", "Partner"),
    Store,
    StoreHours,
    StoreHoursException,
    StorePhoto,
    get_user_model(),
    Group,
]


@pytest.fixture(scope="session")
def demo_media_root(tmp_path_factory):
    # One media folder for the session: pictures are drawn once and reused, as on a real machine.
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture
def media_root(settings, demo_media_root):
    settings.MEDIA_ROOT = str(demo_media_root)
    return demo_media_root


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(db, media_root):
    return load_demo()


def snapshot() -> dict:
    rows = {model._meta.label: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS}
    rows["group permissions"] = sorted(Group.permissions.through.objects.values_list("group_id", "permission_id"))
    rows["user groups"] = sorted(get_user_model().groups.through.objects.values_list("user_id", "group_id"))
    rows["store staff"] = sorted(Store.staff.through.objects.values_list("store_id", "user_id"))
    return rows


def test_loading_the_demo_twice_leaves_exactly_the_same_data(loaded):
    first = snapshot()
    load_demo()
    second = snapshot()
    assert {label: len(rows) for label, rows in first.items()} == {label: len(rows) for label, rows in second.items()}
    assert first == second


def test_the_catalogue_has_thirty_products_most_of_them_with_skus(loaded):
    sellable = Product.objects.exclude(structure=Product.CHILD)
    parents = sellable.filter(structure=Product.PARENT)
    assert sellable.count() >= 30
    assert parents.count() > sellable.count() / 2
    assert sellable.filter(structure=Product.STANDALONE).exists()
    for parent in parents:
        children = list(parent.children.all())
        assert len(children) >= 2, parent.title
        for child in children:
            assert child.attribute_values.exists(), child.title
            record = child.stockrecords.get()
            assert record.price_currency == "CNY"
            assert isinstance(record.price, Decimal) and record.price > 0
    assert not StockRecord.objects.filter(product__structure=Product.PARENT).exists()


def test_skus_vary_by_flavour_size_and_temperature(loaded):
    codes = set(
        ProductAttributeValue.objects.filter(product__structure=Product.CHILD).values_list("attribute__code", flat=True)
    )
    assert {"flavour", "cup_size", "temperature", "tea_size"} <= codes
    latte = Product.objects.get(upc="QS-C-LATTE")
    assert sorted(child.attribute_summary for child in latte.children.all()) == [
        "杯型: 中杯, 温度: 冰",
        "杯型: 中杯, 温度: 热",
        "杯型: 大杯, 温度: 冰",
        "杯型: 大杯, 温度: 热",
    ]


def test_some_skus_are_sold_out_some_low_and_some_discounted(loaded):
    assert StockRecord.objects.filter(num_in_stock=0).count() >= 2
    low = StockRecord.objects.filter(num_in_stock__gt=0, num_in_stock__lte=5)
    assert low.exists()
    discounted = ProductAttributeValue.objects.filter(attribute__code="original_price")
    assert discounted.count() >= 3
    for value in discounted:
        record = StockRecord.objects.get(product=value.product)
        assert Decimal(value.value_text) > record.price


def test_categories_form_a_tree_of_at_least_five_top_categories(loaded):
    roots = Category.objects.get_root_nodes()
    assert roots.count() >= 5
    assert Category.objects.get_children(Category.objects.get(code="tea")).count() >= 3
    assert Product.objects.filter(categories__code="green-tea", structure=Product.PARENT).exists()


def test_every_parent_product_has_one_to_three_pictures_on_disk(loaded, media_root):
    for product in Product.objects.filter(structure=Product.PARENT):
        images = list(product.images.all())
        assert 1 <= len(images) <= 3, product.title
        for image in images:
            assert (Path(media_root) / image.original.name).stat().st_size > 1000


def test_stores_in_three_cities_have_hours_a_holiday_and_photos(loaded, media_root):
    stores = Store.objects.all()
    assert stores.count() >= 3
    assert {"上海市", "杭州市", "北京市"} <= set(stores.values_list("city", flat=True))
    assert stores.filter(offers_pickup=True).count() > stores.count() / 2
    for store in stores:
        assert store.phone and store.latitude and store.longitude
        assert set(store.hours.values_list("weekday", flat=True)) == set(range(7)), store.name
        photos = list(store.photos.all())
        assert 1 <= len(photos) <= 2
        for photo in photos:
            assert (Path(media_root) / photo.image.name).is_file()
        assert store.exceptions.exists()
    late = [row for row in StoreHours.objects.all() if row.closes < row.opens]
    assert {row.weekday for row in late} == {StoreHours.Weekday.FRIDAY, StoreHours.Weekday.SATURDAY}
    assert StoreHoursException.objects.filter(is_closed=True, note__contains="春节").exists()


def test_the_operations_account_hands_over_pickups_at_pickup_stores(loaded):
    operations = get_user_model().objects.get(username="operations")
    assert set(operations.stores.all()) == set(Store.objects.filter(offers_pickup=True))


def test_the_command_prints_where_to_go_and_the_demo_credentials(loaded):
    for text in (
        "/api/docs/",
        "/admin/",
        "/sandbox/",
        "admin",
        "qingshan-admin",
        "marketer",
        "qingshan-marketer",
        "operations",
        "qingshan-operations",
    ):
        assert text in loaded


def test_the_demo_passwords_log_in(loaded, client):
    assert client.login(username="marketer", password="qingshan-marketer")
    assert client.login(username="operations", password="qingshan-operations")
    assert client.login(username="admin", password="qingshan-admin")


def test_the_command_refuses_to_publish_demo_passwords_without_the_sandbox(db, media_root, settings):
    settings.PLATFORM_SANDBOX = False
    with pytest.raises(CommandError, match="sandbox"):
        load_demo()
    assert not get_user_model().objects.filter(username="admin").exists()


def record_extra_loader_call():
    Store.objects.filter(code="sh-jingan").update(description="loaded by a dotted path")
    return "extra loader by path ran"


def test_extra_loaders_of_other_apps_run_after_the_brand(db, media_root, settings):
    def add_a_voucher_like_thing():
        Store.objects.filter(code="hz-xihu").update(phone="0571-00000000")
        return "vouchers loaded"

    settings.DEMO_EXTRA_LOADERS = [add_a_voucher_like_thing, f"{__name__}.record_extra_loader_call"]
    output = load_demo()
    assert "vouchers loaded" in output and "extra loader by path ran" in output
    assert Store.objects.get(code="hz-xihu").phone == "0571-00000000"
    assert Store.objects.get(code="sh-jingan").description == "loaded by a dotted path"


def test_reloading_keeps_stock_that_orders_took_but_restores_edited_prices(loaded):
    record = StockRecord.objects.get(partner_sku="QS-C-LATTE-M-HOT")
    StockRecord.objects.filter(pk=record.pk).update(num_in_stock=150, num_allocated=2, price=Decimal("1.00"))
    load_demo()
    record.refresh_from_db()
    assert (record.num_in_stock, record.num_allocated) == (150, 2)
    assert record.price == Decimal("20.00")
