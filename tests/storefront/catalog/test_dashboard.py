"""A marketer, without touching code, builds a product with SKUs, stock, an image and a
category in Oscar's dashboard (the real forms, as a browser posts them), then the
mini program sees it through the API. docs/catalog.md walks the same steps."""

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from oscar.core.loading import get_model

from storefront.catalog.models import ProductListing
from tests.factories import StaffFactory
from tests.factories import catalog as f

pytestmark = pytest.mark.django_db
Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")


class FormFields(HTMLParser):
    """The values a browser would submit for each POST form of a page."""

    def __init__(self):
        super().__init__()
        self.forms, self.current, self.select, self.textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.current = {}
            self.forms.append(self.current)
        if self.current is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.current[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "file", "image"):
                self.current[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select, self.first_option = name, True
        elif tag == "option" and self.select:
            # A browser submits the selected option, or the first one when none is.
            if "selected" in attrs or self.first_option:
                self.current[self.select] = attrs.get("value", "")
            self.first_option = False
        elif tag == "textarea" and name:
            self.textarea = name
            self.current[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.current = None

    def handle_data(self, data):
        if self.textarea and self.current is not None:
            self.current[self.textarea] += data


def form_of(response):
    assert response.status_code == 200, response.status_code
    parser = FormFields()
    parser.feed(response.content.decode())
    # The page's main form; the header also holds small ones (the language switcher).
    return max((form for form in parser.forms if "csrfmiddlewaretoken" in form), key=len)


def submit(client, url, **changes):
    data = form_of(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    return response


def _errors(response):
    """The form and formset errors of a page that did not accept the post."""
    found = {}
    context = response.context_data if getattr(response, "context_data", None) else {}
    for name, value in context.items():
        errors = getattr(value, "errors", None)
        if errors and not callable(errors):
            found[name] = errors
        non_form = getattr(value, "non_form_errors", None)
        if callable(non_form) and non_form():
            found[f"{name} (formset)"] = non_form()
    return found or response.status_code


@pytest.fixture
def marketer(client):
    """A staff member in the Marketing group (the role the demo sets up), not a superuser."""
    from storefront.demo.roles import MARKETING, sync_role_group

    user = StaffFactory()
    user.groups.add(sync_role_group(MARKETING))
    client.force_login(user)
    return client


def test_marketer_builds_a_product_with_skus_in_the_dashboard_and_the_api_shows_it(
    marketer, api, django_capture_on_commit_callbacks
):
    klass = f.product_class("茶叶")  # product types and partners are dashboard pages too; set up once
    f.attribute(klass, "size", "规格")
    partner = f.partner()

    # A category tree: 茶叶 > 白茶.
    submit(marketer, "/dashboard/catalogue/categories/create/", name="茶叶")
    tea = Category.objects.get(name="茶叶")
    submit(
        marketer,
        "/dashboard/catalogue/categories/create/",
        name="白茶",
        treebeard_position="first-child",
        treebeard_ref_node=str(tea.pk),
    )
    white = Category.objects.get(name="白茶")
    assert white.get_parent() == tea

    # The product, then "Add a child product" for each SKU with its stock record.
    response = submit(
        marketer,
        f"/dashboard/catalogue/products/create/{klass.slug}/",
        title="福鼎白毫银针",
        description="<p>头春<b>芽头</b></p><script>x()</script>",
        **{"productcategory_set-0-category": str(white.pk), "action": "create-child"},
    )
    parent = Product.objects.get(title="福鼎白毫银针")
    assert response["Location"].startswith(f"/dashboard/catalogue/products/{parent.pk}/create-variant/")
    for size, price, stock, action in (
        ("50g", "98.00", "20", "create-another-child"),
        ("100g 礼盒", "188.00", "0", "save"),
    ):
        submit(
            marketer,
            f"/dashboard/catalogue/products/{parent.pk}/create-variant/",
            attr_size=size,
            action=action,
            **{
                "stockrecords-0-partner": str(partner.pk),
                "stockrecords-0-partner_sku": f"YZ-{size}",
                "stockrecords-0-price": price,
                "stockrecords-0-num_in_stock": stock,
            },
        )
    parent.refresh_from_db()
    assert parent.structure == Product.PARENT and parent.children.count() == 2

    # An image on the product page.
    url = f"/dashboard/catalogue/products/{parent.pk}/"
    data = form_of(marketer.get(url))
    data["images-0-original"] = SimpleUploadedFile("yinzhen.png", f.png_bytes(), content_type="image/png")
    data["action"] = "continue"
    with django_capture_on_commit_callbacks(execute=True):  # the thumbnails task runs on commit
        response = marketer.post(url, data)
    assert response.status_code == 302, _errors(response)
    assert parent.images.count() == 1

    # The marketer's search keywords, in the Django admin.
    listing = ProductListing.objects.get(product=parent)
    admin_url = f"/admin/storefront/productlisting/{listing.pk}/change/"
    submit(marketer, admin_url, search_keywords="白茶 送礼 福建")

    # What the mini program sees.
    listed = api.get(f"/api/v1/products/?category={tea.pk}").json()["results"]
    assert [(p["id"], p["price"], p["in_stock"]) for p in listed] == [(parent.pk, "98.00", True)]
    assert listed[0]["image"].startswith("https://shop.example.com/media/cache/")
    assert [p["id"] for p in api.get("/api/v1/products/?q=送礼").json()["results"]] == [parent.pk]
    body = api.get(f"/api/v1/products/{parent.pk}/").json()
    assert body["description"] == "<p>头春<b>芽头</b></p>"
    assert [(s["attributes"], s["price"], s["stock_status"]) for s in body["skus"]] == [
        ({"size": "50g"}, "98.00", "in_stock"),
        ({"size": "100g 礼盒"}, "188.00", "sold_out"),
    ]
    assert {c["id"] for c in api.get("/api/v1/categories/").json()} == {tea.pk}


def test_store_admin_page_opens_for_staff(marketer):
    from tests.factories import StoreFactory, StoreHoursFactory

    store = StoreFactory()
    StoreHoursFactory(store=store)
    assert marketer.get("/admin/storefront/store/").status_code == 200
    assert marketer.get(f"/admin/storefront/store/{store.pk}/change/").status_code == 200
    assert marketer.get("/admin/storefront/productlisting/").status_code == 200
