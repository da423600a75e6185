"""The whole console in Chinese: a superuser and each demo role (marketing, operations, store
staff) walk every page of their menu in a real browser, and no page shows an English word of
ours in the sidebar, the headings, the column headers, the filters or the buttons. The
screenshot of each role's first pages lands in var/screenshots/console-<role>-*.png."""

import re

import pytest

from storefront.demo.roles import MARKETING, OPERATIONS, STORE_STAFF, sync_role_group
from tests.console.steps import screenshot, sign_in
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Where staff read labels: the menu, the titles, the table headers, filters and buttons.
LABELS = "#nav-sidebar a, h1, h2, th, #changelist-filter h3, button, .submit-row, label"
# Latin words that are names, not English labels: the brand, platforms, file formats.
NAMES = {
    "Qingshan",
    "Tea",
    "House",
    "UGC",
    "GMV",
    "CSV",
    "Excel",
    "WeChat",
    "Alipay",
    "SKU",
    "openid",
    "API",
    "URL",
    "SVG",
    "English",
    "UTC",
    "Bearer",
    "ID",
    "EMS",
    "QR",
    "PNG",
    "JPEG",
    "HTTP",
}
# Records, not labels: Django's permission names (English in the database) on the group page.
RECORDS = ("All Oscar Dashboard Permissions",)
# The icon font's ligatures (the theme writes an icon as its name, drawn by the font).
ICON = "material-symbols-outlined"


def english_words(page, username: str) -> dict[str, str]:
    found = {}
    for element in page.locator(LABELS).all():
        text = element.evaluate(
            "(node, icon) => { const copy = node.cloneNode(true);"
            " copy.querySelectorAll('.' + icon).forEach(i => i.remove());"
            " return copy.innerText || ''; }",
            ICON,
        )
        for phrase in RECORDS:
            text = text.replace(phrase, "")
        # Field names of a platform's API (express_company) and codes (ZTO) are not words.
        for word in re.findall(r"[A-Za-z_]{3,}", text):
            if word not in NAMES and "_" not in word and not word.isupper() and word != username:
                found.setdefault(word, text.strip()[:80])
    return found


def menu_links(page) -> list[str]:
    return page.locator("#nav-sidebar a[href^='/admin/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )


def walk(page, live_server, name: str) -> dict[str, dict[str, str]]:
    english = {}
    for index, link in enumerate(dict.fromkeys(menu_links(page))):
        page.goto(f"{live_server.url}{link}")
        words = english_words(page, "walker")
        if words:
            english[link] = words
        if index < 3:
            screenshot(page, f"console-{name}-{index}")
    return english


@pytest.mark.parametrize(
    "role", [None, MARKETING, OPERATIONS, STORE_STAFF], ids=["superuser", "marketing", "operations", "store-staff"]
)
def test_every_menu_page_of_each_role_is_in_chinese(live_server, browser_page, role):
    staff = StaffFactory(username="walker", nickname="巡检 小吴", password="pass-123456", is_superuser=role is None)
    if role is not None:
        staff.groups.add(sync_role_group(role))
    page = browser_page

    sign_in(page, live_server, "walker", "pass-123456")
    links = menu_links(page)
    assert links, "the menu is empty"

    english = walk(page, live_server, role.group.lower().replace(" ", "-") if role else "superuser")

    assert english == {}
    assert page.outside_requests == []
    assert page.csp_violations == []
