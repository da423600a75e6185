"""A marketer builds a product in the console's product editor: title, category, specs with
their values, one SKU per combination priced in the grid, then publishes it; the shopper
API shows it only once published, with its SKUs and prices. Prices and stock cannot go
below zero (the form refuses, and the database refuses what slips past a form), allocated
stock cannot be edited, and a choice attribute can be changed save after save."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from oscar.core.loading import get_model

from storefront.catalog import editor, publishing
from storefront.catalog.models import ProductListing
from storefront.demo.roles import MARKETING, sync_role_group
from tests.factories import StaffFactory
from tests.factories import catalog as f

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
ProductAttribute = get_model("catalogue", "ProductAttribute")
AttributeOptionGroup = get_model("catalogue", "AttributeOptionGroup")
AttributeOption = get_model("catalogue", "AttributeOption")
StockRecord = get_model("partner", "StockRecord")

ADD = "/admin/catalogue/product/add/"


def change_url(product):
    return f"/admin/catalogue/product/{product.pk}/change/"


def option_attribute(klass, code, name, values):
    group = AttributeOptionGroup.objects.create(name=name, code=f"{klass.slug}-{code}")
    for value in values:
        AttributeOption.objects.create(group=group, option=value)
    return ProductAttribute.objects.create(product_class=klass, code=code, name=name, type="option", option_group=group)


@pytest.fixture
def drinks():
    klass = f.product_class("现制饮品")
    option_attribute(klass, "cup_size", "杯型", ["中杯", "大杯"])
    option_attribute(klass, "flavour", "口味", ["原味", "抹茶"])
    f.attribute(klass, "origin", "产地")
    return klass


@pytest.fixture
def marketer(client):
    user = StaffFactory(username="xiaolin")
    user.groups.add(sync_role_group(MARKETING))
    client.force_login(user)
    return client


def options(code):
    group = ProductAttribute.objects.get(code=code).option_group
    return {o.option: o.pk for o in group.options.order_by("id")}


def grid_key(*names):
    cups, flavours = options("cup_size"), options("flavour")
    cup, flavour = names
    return f"{cups[cup]}_{flavours[flavour]}"


def two_spec_post(klass, prices, **extra):
    """The editor's form as the browser sends it: both cup sizes and both flavours ticked,
    and the grid filled with {(cup, flavour): (price, stock)}."""
    data = {
        "product_class": klass.slug,
        "title": "桂花乌龙奶茶",
        "slug": "",
        "description": "<p>桂花与乌龙。</p>",
        "search_keywords": "奶茶",
        "spec_cup_size": list(options("cup_size").values()),
        "spec_flavour": list(options("flavour").values()),
        "attr_origin": "福建",
        "_continue": "1",
    }
    for (cup, flavour), (price, stock) in prices.items():
        prefix = f"sku-{grid_key(cup, flavour)}"
        data[f"{prefix}-price"] = price
        data[f"{prefix}-num_in_stock"] = stock
        data[f"{prefix}-original_price"] = ""
    data.update(extra)
    return data


FOUR_PRICES = {
    ("中杯", "原味"): ("16.00", 50),
    ("中杯", "抹茶"): ("18.00", 40),
    ("大杯", "原味"): ("19.00", 30),
    ("大杯", "抹茶"): ("21.00", 20),
}


def test_a_marketer_makes_a_product_with_four_skus_that_shoppers_see_only_once_published(marketer, drinks, api):
    page = marketer.get(f"{ADD}?class={drinks.slug}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "杯型" in text and "口味" in text and "中杯" in text and "产地" in text

    answer = marketer.post(ADD, two_spec_post(drinks, FOUR_PRICES))
    product = Product.objects.get(title="桂花乌龙奶茶")
    assert answer.status_code == 302 and answer.url == change_url(product)
    assert product.is_parent and product.slug == "gui-hua-wu-long-nai-cha"
    assert product.children.filter(is_public=True).count() == 4
    # Saved, not published: the shopper does not see it yet.
    assert product.is_public is False
    assert api.get(f"/api/v1/products/{product.pk}/").status_code == 404

    published = marketer.post(change_url(product), {**two_spec_post(drinks, FOUR_PRICES), "_publish": "1"}, follow=True)
    assert "已上架" in published.content.decode()
    detail = api.get(f"/api/v1/products/{product.pk}/").json()
    skus = {(s["attributes"]["cup_size"], s["attributes"]["flavour"]): s["price"] for s in detail["skus"]}
    assert skus == {key: price for key, (price, _) in FOUR_PRICES.items()}
    assert detail["price"] == "16.00"
    assert [a["name"] for a in detail["attributes"]] == ["产地"]
    assert product.children.filter(is_public=True).count() == 4  # saving again made no new SKU


def test_a_product_cannot_be_published_while_a_sku_has_no_price(marketer, drinks, api):
    prices = {**FOUR_PRICES, ("大杯", "抹茶"): ("", 20)}
    answer = marketer.post(ADD, {**two_spec_post(drinks, prices), "_publish": "1"}, follow=True)
    product = Product.objects.get(title="桂花乌龙奶茶")
    assert product.is_public is False
    assert "未上架" in answer.content.decode() and "大杯 / 抹茶" in answer.content.decode()
    with pytest.raises(publishing.ProductNotPriced):
        publishing.publish(product)
    assert api.get(f"/api/v1/products/{product.pk}/").status_code == 404


def test_a_negative_price_or_stock_is_refused_by_the_form(marketer, drinks):
    prices = {**FOUR_PRICES, ("中杯", "原味"): ("-5", 50), ("大杯", "原味"): ("19.00", -3)}
    answer = marketer.post(ADD, two_spec_post(drinks, prices))
    assert answer.status_code == 200
    assert not Product.objects.filter(title="桂花乌龙奶茶").exists()
    assert "0" in answer.content.decode()  # the refusal names the lowest value allowed


def test_the_database_refuses_a_negative_price_or_stock_that_slips_past_a_form():
    product = f.standalone("龙井", price="10.00")
    record = product.stockrecords.get()
    for field, value in (("price", Decimal("-5.00")), ("num_in_stock", -1)):
        with pytest.raises(IntegrityError), transaction.atomic():
            StockRecord.objects.filter(pk=record.pk).update(**{field: value})
    record.refresh_from_db()
    assert record.price == Decimal("10.00")


def test_allocated_stock_is_shown_and_cannot_be_edited(marketer):
    product = f.standalone("明前龙井", price="88.00", num_in_stock=10)
    StockRecord.objects.filter(product=product).update(num_allocated=4)
    page = marketer.get(change_url(product)).content.decode()
    assert "已占用" in page and 'name="sku-single-num_allocated"' not in page
    data = {
        "product_class": product.get_product_class().slug,
        "title": "明前龙井",
        "slug": product.slug,
        "sku-single-price": "88.00",
        "sku-single-num_in_stock": "12",
        "sku-single-num_allocated": "0",
        "_continue": "1",
    }
    assert marketer.post(change_url(product), data).status_code == 302
    record = product.stockrecords.get()
    assert (record.num_in_stock, record.num_allocated) == (12, 4)


def test_a_choice_attribute_can_be_set_and_changed_save_after_save(marketer, drinks):
    product = f.standalone("手冲咖啡", klass=drinks, price="25.00")
    cups = options("cup_size")
    base = {
        "product_class": drinks.slug,
        "title": "手冲咖啡",
        "slug": product.slug,
        "sku-single-price": "25.00",
        "sku-single-num_in_stock": "5",
        "_continue": "1",
    }
    for cup in ("中杯", "大杯", "中杯"):
        assert marketer.post(change_url(product), {**base, "attr_cup_size": cups[cup]}).status_code == 302
        assert product.attribute_values.get(attribute__code="cup_size").value.option == cup
    assert marketer.post(change_url(product), base).status_code == 302  # and once more unchanged


def test_dropping_a_spec_value_hides_its_skus_and_ticking_it_again_brings_them_back(marketer, drinks):
    marketer.post(ADD, two_spec_post(drinks, FOUR_PRICES))
    product = Product.objects.get(title="桂花乌龙奶茶")
    only_medium = {k: v for k, v in FOUR_PRICES.items() if k[0] == "中杯"}
    data = two_spec_post(drinks, only_medium, spec_cup_size=[options("cup_size")["中杯"]])
    assert marketer.post(change_url(product), data).status_code == 302
    assert product.children.filter(is_public=True).count() == 2
    assert product.children.count() == 4  # kept for the orders that name them
    assert marketer.post(change_url(product), two_spec_post(drinks, FOUR_PRICES)).status_code == 302
    assert product.children.filter(is_public=True).count() == 4 and product.children.count() == 4


def test_a_new_spec_value_typed_in_the_editor_becomes_an_option_to_tick_and_price(marketer, drinks):
    marketer.post(ADD, two_spec_post(drinks, FOUR_PRICES))
    product = Product.objects.get(title="桂花乌龙奶茶")
    marketer.post(change_url(product), two_spec_post(drinks, FOUR_PRICES, spec_cup_size_new="超大杯"))
    assert "超大杯" in options("cup_size")
    assert product.children.filter(is_public=True).count() == 4  # new rows left empty are not sold
    prices = {**FOUR_PRICES, ("超大杯", "原味"): ("23.00", 10), ("超大杯", "抹茶"): ("25.00", 10)}
    marketer.post(change_url(product), two_spec_post(drinks, prices))
    assert product.children.filter(is_public=True).count() == 6
    assert marketer.get(change_url(product)).content.decode().count('class="kit-grid__row"') == 6


def test_a_published_product_opened_and_saved_unchanged_answers_the_shopper_api_the_same(marketer, drinks, api):
    prices = {k: v for k, v in FOUR_PRICES.items() if k in (("中杯", "原味"), ("大杯", "抹茶"))}
    marketer.post(ADD, {**two_spec_post(drinks, prices), "_publish": "1"})
    product = Product.objects.get(title="桂花乌龙奶茶")
    assert product.is_public and product.children.count() == 2  # the two combinations left empty are not made
    before = api.get(f"/api/v1/products/{product.pk}/").json()
    marketer.post(change_url(product), two_spec_post(drinks, prices))
    after = api.get(f"/api/v1/products/{product.pk}/").json()
    assert after == before and len(after["skus"]) == 2


def test_a_product_whose_skus_have_no_choice_specs_is_priced_row_by_row(marketer, api):
    product = f.with_skus("四季春", [{"size": "50g"}, {"size": "100g"}])
    children = list(product.children.order_by("id"))
    page = marketer.get(change_url(product)).content.decode()
    assert page.count('class="kit-grid__row"') == 2
    data = {
        "product_class": product.get_product_class().slug,
        "title": "四季春",
        "slug": product.slug,
        "_continue": "1",
    }
    for child, price in zip(children, ("12.00", "22.00"), strict=True):
        data[f"sku-c{child.pk}-price"] = price
        data[f"sku-c{child.pk}-num_in_stock"] = "5"
    assert marketer.post(change_url(product), data).status_code == 302
    prices = sorted(s["price"] for s in api.get(f"/api/v1/products/{product.pk}/").json()["skus"])
    assert prices == ["12.00", "22.00"]


def test_the_slug_is_the_title_in_pinyin():
    assert editor.pinyin_slug("明前龙井 250g") == "ming-qian-long-jing-250g"
    assert editor.pinyin_slug("") == "product"


def test_scheduled_publish_and_unpublish_happen_when_their_time_comes(django_assert_max_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    ready = f.standalone("定时上架的茶", price="30.00", is_public=False)
    unpriced = f.standalone("还没定价的茶", price=None, is_public=False)
    ending = f.standalone("限时售卖的茶", price="30.00")
    ProductListing.objects.filter(product=ready).update(publish_at=now - timedelta(minutes=1))
    ProductListing.objects.filter(product=unpriced).update(publish_at=now - timedelta(minutes=1))
    ProductListing.objects.filter(product=ending).update(unpublish_at=now - timedelta(minutes=1))

    assert publishing.run_schedule(now=now) == {"published": 1, "unpublished": 1, "waiting": 1}
    ready.refresh_from_db(), unpriced.refresh_from_db(), ending.refresh_from_db()
    assert (ready.is_public, unpriced.is_public, ending.is_public) == (True, False, False)
    assert ProductListing.objects.get(product=unpriced).publish_at is not None  # still waiting for a price
    assert ProductListing.objects.get(product=ready).publish_at is None


def test_the_product_list_shows_names_prices_and_states_without_raw_ids(marketer, drinks):
    marketer.post(ADD, two_spec_post(drinks, FOUR_PRICES))
    page = marketer.get("/admin/catalogue/product/").content.decode()
    assert "桂花乌龙奶茶" in page and "¥16.00 起" in page and "未上架（草稿）" in page


def test_pictures_are_uploaded_put_in_the_dragged_order_and_removed(marketer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    product = f.standalone("明前龙井", price="88.00", images=3)
    first, second, third = product.images.order_by("display_order")
    data = {
        "product_class": product.get_product_class().slug,
        "title": "明前龙井",
        "slug": product.slug,
        "sku-single-price": "88.00",
        "sku-single-num_in_stock": "10",
        "image_order": [third.pk, first.pk, second.pk],
        "image_delete": [second.pk],
        "new_images": [SimpleUploadedFile("new.png", f.png_bytes(), content_type="image/png")],
        "_continue": "1",
    }
    assert marketer.post(change_url(product), data).status_code == 302
    order = list(product.images.order_by("display_order").values_list("pk", flat=True))
    assert order[:2] == [third.pk, first.pk] and len(order) == 3 and second.pk not in order


def test_a_picture_dropped_into_the_description_is_stored_and_its_address_answered(marketer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = "/admin/catalogue/product/upload-image/"
    answer = marketer.post(url, {"file": SimpleUploadedFile("in-text.png", f.png_bytes(), content_type="image/png")})
    assert answer.status_code == 200 and answer.json()["location"].endswith(".jpg")
    refused = marketer.post(url, {"file": SimpleUploadedFile("x.png", b"<script>", content_type="image/png")})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_image"


def test_someone_without_the_product_permission_cannot_upload(client):
    client.force_login(StaffFactory())
    assert client.post("/admin/catalogue/product/upload-image/").status_code == 403
