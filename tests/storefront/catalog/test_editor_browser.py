"""A marketer in a real browser (Debian's Chromium driven by Playwright, tests/browser.py)
creates a product with two specs in the product editor: ticking two cup sizes and two
flavours builds a grid of four SKUs on the page, she prices them in place, writes the
description in the rich-text editor, adds a picture and publishes; the shopper API then
shows the product with its four SKUs and their prices. The page shows no raw id, loads
nothing from outside and breaks no rule of the content security policy."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from oscar.core.loading import get_model

from storefront.demo.roles import MARKETING, sync_role_group
from tests.browser import fits_the_window
from tests.factories import StaffFactory
from tests.factories import catalog as f
from tests.storefront.catalog.test_editor import option_attribute

pytestmark = pytest.mark.django_db(transaction=True)

Product = get_model("catalogue", "Product")
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
RAW_ID = re.compile(r"\bID\b|#\d+|object \(\d+\)|\bpk\b")

PRICES = {
    "中杯 / 原味": ("16.00", "50"),
    "中杯 / 抹茶": ("18.00", "40"),
    "大杯 / 原味": ("19.00", "30"),
    "大杯 / 抹茶": ("21.00", "20"),
}


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_a_marketer_builds_prices_and_publishes_a_product_with_four_skus(live_server, browser_page, api):
    klass = f.product_class("现制饮品")
    option_attribute(klass, "cup_size", "杯型", ["中杯", "大杯"])
    option_attribute(klass, "flavour", "口味", ["原味", "抹茶"])
    f.product_class("茶叶")  # two kinds: the editor asks which one first
    f.category("奶茶")
    marketer = StaffFactory(username="xiaolin", nickname="市场部 小林", password="pass-123456")
    marketer.groups.add(sync_role_group(MARKETING))
    page = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    log_in(page, live_server, "xiaolin", "pass-123456")
    page.goto(f"{live_server.url}/admin/catalogue/product/add/")
    page.click("text=现制饮品")
    page.wait_for_selector("#product-editor")

    page.fill("#id_title", "桂花乌龙奶茶")
    page.select_option("#id_categories", label="奶茶")
    # The rich description: TinyMCE from our own static files, typed into its frame.
    # Typed only once the editor has set itself up: it fills its frame from the field then.
    page.wait_for_function("window.tinymce && tinymce.activeEditor && tinymce.activeEditor.initialized")
    page.frame_locator(".tox-edit-area iframe").locator("body").fill("桂花与乌龙，现点现做。")
    page.set_input_files(
        "#id_new_images",
        files=[
            {"name": "green.png", "mimeType": "image/png", "buffer": f.png_bytes(color=(30, 120, 60))},
            {"name": "red.png", "mimeType": "image/png", "buffer": f.png_bytes(color=(200, 30, 30))},
        ],
    )

    for value in ("中杯", "大杯", "原味", "抹茶"):
        page.locator("#kit-specs label", has_text=value).locator("input[type=checkbox]").check()
    rows = page.locator("#sku-grid tbody tr")
    assert rows.count() == 4
    for label, (price, stock) in PRICES.items():
        row = page.locator("#sku-grid tbody tr", has_text=label)
        row.locator("input[name$=-price]").fill(price)
        row.locator("input[name$=-num_in_stock]").fill(stock)
    page.locator("#sku-grid tbody tr", has_text="大杯 / 抹茶").locator("input[type=file]").set_input_files(
        files=[{"name": "matcha.png", "mimeType": "image/png", "buffer": f.png_bytes(color=(90, 160, 60))}]
    )
    page.screenshot(path=str(SCREENSHOTS / "catalog-editor-grid.png"), full_page=True)

    page.click("button[name=_publish]")
    page.wait_for_selector("text=已上架")
    text = page.inner_text("body")
    assert page.input_value("#id_title") == "桂花乌龙奶茶" and "「桂花乌龙奶茶」已上架" in text
    assert RAW_ID.search(text) is None, RAW_ID.search(text)
    assert page.locator("#sku-grid tbody tr").count() == 4
    assert fits_the_window(page)
    page.screenshot(path=str(SCREENSHOTS / "catalog-editor-published.png"), full_page=True)

    product = Product.objects.get(title="桂花乌龙奶茶")
    assert product.is_public and product.slug == "gui-hua-wu-long-nai-cha"
    green, red = product.images.order_by("display_order")
    matcha = product.children.get(
        attribute_values__value_option__option="抹茶",
        attribute_values__attribute__code="flavour",
        attribute_values__product__in=product.children.filter(attribute_values__value_option__option="大杯"),
    )
    assert matcha.images.count() == 1

    # Pictures are put in order by dragging: the red one first.
    page.locator(f".kit-image[data-image='{red.pk}']").drag_to(page.locator(f".kit-image[data-image='{green.pk}']"))
    page.click("button[name=_continue]")
    page.wait_for_selector("text=已保存")
    assert list(product.images.order_by("display_order").values_list("pk", flat=True)) == [red.pk, green.pk]
    detail = api.get(f"/api/v1/products/{product.pk}/").json()
    shown = {" / ".join([s["attributes"]["cup_size"], s["attributes"]["flavour"]]): s["price"] for s in detail["skus"]}
    assert shown == {label: price for label, (price, _) in PRICES.items()}
    assert "桂花与乌龙" in detail["description"]

    page.goto(f"{live_server.url}/admin/catalogue/product/")
    listing = page.inner_text("body")
    assert "桂花乌龙奶茶" in listing and "¥16.00 起" in listing and "已上架" in listing
    assert RAW_ID.search(listing) is None, RAW_ID.search(listing)
    page.screenshot(path=str(SCREENSHOTS / "catalog-product-list.png"), full_page=True)
    assert page.outside_requests == [] and page.csp_violations == []
