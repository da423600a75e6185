"""Oscar's dashboard is not served any more (the console replaced it: docs/console.md); a
marketer builds products in the console's product editor (tests/storefront/catalog/test_editor*.py)
and opens the store and listing screens."""

from html.parser import HTMLParser

import pytest
from oscar.core.loading import get_model

from tests.factories import StaffFactory

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


def test_oscars_dashboard_is_not_served(marketer):
    # Products are built in the console's product editor now (tests/storefront/catalog/test_editor*.py).
    assert marketer.get("/dashboard/catalogue/products/create/").status_code == 404


def test_store_admin_page_opens_for_staff(marketer):
    from tests.factories import StoreFactory, StoreHoursFactory

    store = StoreFactory()
    StoreHoursFactory(store=store)
    assert marketer.get("/admin/storefront/store/").status_code == 200
    assert marketer.get(f"/admin/storefront/store/{store.pk}/change/").status_code == 200
    assert marketer.get("/admin/storefront/productlisting/").status_code == 200
