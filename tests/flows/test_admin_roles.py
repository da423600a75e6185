"""Every admin page checked per staff role: with the demo's staff accounts and a paid order,
the superuser, the marketer and operations each open the list and the add page of every model registered in
the admin. A role sees the pages its role (storefront/demo/roles.py) grants and is refused
(403) the others; no page answers a server error for anybody."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from storefront.demo.roles import MARKETING, OPERATIONS
from storefront.demo.staff import load_staff
from tests.steps import add_to_basket, pay_wechat, place_order, tea_shop, wechat_login

pytestmark = pytest.mark.django_db

ACCOUNTS = {"marketer": ("qingshan-marketer", MARKETING), "operations": ("qingshan-operations", OPERATIONS)}


def _label(model):
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _granted(role):
    """(labels the role may view, labels it may add), from the role's own lists."""
    viewable = set(role.manage) | set(role.edit) | set(role.view)
    return viewable, set(role.manage)


def _pages():
    """(model label, "list" or "add", url) of every model in the admin, in a fixed order."""
    pages = []
    for model in sorted(admin.site._registry, key=_label):
        info = (model._meta.app_label, model._meta.model_name)
        for kind, name in (("list", "admin:%s_%s_changelist"), ("add", "admin:%s_%s_add")):
            try:
                pages.append((_label(model), kind, reverse(name % info)))
            except NoReverseMatch:
                continue  # an admin without that page (no add view registered)
    return pages


def _client(username, password):
    client = Client(raise_request_exception=False)
    assert client.login(username=username, password=password)
    return client


def _open(client, url):
    response = client.get(url)
    return response.status_code


@pytest.fixture
def demo(api, committed):
    """The demo's staff accounts and role groups, and a shop with a paid order and a shopper,
    so that lists have rows to show (their columns are rendered, not only the empty page)."""
    load_staff()
    shop = tea_shop()
    shopper, _openid, _login = wechat_login(api)
    add_to_basket(shopper, shop.keemun.pk, 1)
    body = {"store_id": shop.store.pk, "shipping_method": "pickup", "payment_method": "wechat"}
    placed, _preview, _key = place_order(shopper, body)
    pay_wechat(api, shopper, placed["number"], committed)


def test_every_admin_page_answers_each_role_as_its_role_says_and_never_with_a_server_error(demo):
    pages = _pages()
    assert len(pages) > 50  # the sweep really covers the admin

    # The superuser first: what the admin itself offers to anybody who may do everything.
    root = _client("admin", "qingshan-admin")
    offered = {}
    problems = []
    for label, kind, url in pages:
        status = _open(root, url)
        offered[(label, kind)] = status == 200
        if status >= 500 or status not in (200, 302, 403):
            problems.append(("admin", label, kind, url, status))

    for username, (password, role) in ACCOUNTS.items():
        client = _client(username, password)
        viewable, addable = _granted(role)
        for label, kind, url in pages:
            status = _open(client, url)
            may = (label in viewable) if kind == "list" else (label in addable)
            if status >= 500:
                problems.append((username, label, kind, url, status))
            elif not may and status == 200:
                problems.append((username, label, kind, url, f"{status}, the role does not grant it"))
            elif may and offered[(label, kind)] and status != 200:
                problems.append((username, label, kind, url, f"{status}, the role grants it"))
            elif status not in (200, 302, 403):
                problems.append((username, label, kind, url, status))

    assert not problems, "\n".join(map(str, problems))
