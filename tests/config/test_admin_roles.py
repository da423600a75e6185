"""Staff roles in the console (the Django admin): with the demo accounts, the
marketer works on the catalog, operations on orders, and neither manages users or groups."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from oscar.core.loading import get_model

from storefront.demo.roles import MARKETING, OPERATIONS, Role, role_permissions

Product = get_model("catalogue", "Product")

PASSWORDS = {"admin": "qingshan-admin", "marketer": "qingshan-marketer", "operations": "qingshan-operations"}


@pytest.fixture
def demo(db, settings, tmp_path_factory):
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "admin-roles-media")
    call_command("load_demo", stdout=StringIO())


def logged_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORDS[username])
    return client


def admin_models(client: Client) -> set[str]:
    response = client.get("/admin/")
    assert response.status_code == 200
    return {
        f"{app['app_label']}.{model['object_name'].lower()}"
        for app in response.context["app_list"]
        for model in app["models"]
    }


@pytest.fixture
def longjing(demo):
    return Product.objects.get(upc="QS-T-LONGJING")


def test_superuser_sees_users_and_groups_in_the_admin(demo):
    models = admin_models(logged_in("admin"))
    assert {"storefront.user", "auth.group", "order.order", "catalogue.product"} <= models


@pytest.mark.parametrize("username", ["marketer", "operations"])
def test_neither_role_sees_or_opens_users_and_groups(demo, username):
    client = logged_in(username)
    models = admin_models(client)
    assert "storefront.user" not in models and "auth.group" not in models
    assert client.get("/admin/storefront/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get("/admin/auth/group/add/").status_code == 403


def test_marketer_edits_the_catalogue_and_stores_but_not_orders(demo, longjing):
    client = logged_in("marketer")
    models = admin_models(client)
    assert {
        "catalogue.product",
        "catalogue.category",
        "offer.conditionaloffer",
        "voucher.voucher",
        "storefront.store",
    } <= models
    assert "order.order" not in models
    assert client.get("/admin/catalogue/product/").status_code == 200
    assert client.get(f"/admin/catalogue/product/{longjing.pk}/change/").status_code == 200
    assert client.get("/admin/catalogue/product/add/").status_code == 200
    assert client.get("/admin/storefront/store/add/").status_code == 200
    assert client.get("/admin/order/order/").status_code == 403


def test_operations_handles_orders_but_cannot_add_or_change_products(demo, longjing):
    client = logged_in("operations")
    models = admin_models(client)
    assert {"order.order", "payment.transaction", "storefront.store"} <= models
    assert client.get("/admin/order/order/").status_code == 200
    assert client.get("/admin/catalogue/product/add/").status_code == 403
    page = client.get(f"/admin/catalogue/product/{longjing.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert client.post(f"/admin/catalogue/product/{longjing.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/storefront/store/add/").status_code == 403


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/orders/", "/dashboard/catalogue/", "/dashboard/login/"])
def test_oscars_dashboard_is_not_served_any_more(demo, url):
    # The console replaced it; its order status form bypassed the kit's status service.
    assert logged_in("admin").get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(db):
    assert Client().get("/admin/").status_code == 302


def test_role_groups_hold_no_permission_on_users_groups_or_permissions(demo):
    for role in (MARKETING, OPERATIONS):
        permissions = Group.objects.get(name=role.group).permissions.all()
        assert permissions.exists()
        assert not permissions.filter(content_type__app_label="auth").exists()
        assert not permissions.filter(content_type__model="user").exists()


def test_roles_skip_models_that_do_not_exist_yet(db):
    role = Role(group="Test", manage=["campaigns.nosuchmodel", "catalogue.product"], view=["nosuchapp.thing"])
    codenames = {permission.codename for permission in role_permissions(role)}
    assert codenames == {"view_product", "add_product", "change_product", "delete_product"}


def test_a_role_group_loses_permissions_removed_from_its_role(demo):
    group = Group.objects.get(name=MARKETING.group)
    group.permissions.add(Permission.objects.get(codename="view_order"))
    call_command("load_demo", stdout=StringIO())
    assert not group.permissions.filter(codename="view_order").exists()


def console_menu_urls(client: Client) -> list[str]:
    return [item["link"] for group in client.get("/admin/").context["sidebar_navigation"] for item in group["items"]]


@pytest.mark.parametrize("username", ["admin", "marketer", "operations"])
def test_every_page_in_a_roles_console_menu_renders(demo, username):
    client = logged_in(username)
    urls = console_menu_urls(client)
    assert urls
    for url in urls:
        assert client.get(url, follow=True).status_code == 200, url


def test_the_marketers_menu_has_the_catalogue_but_no_orders_or_users(demo):
    urls = console_menu_urls(logged_in("marketer"))
    assert "/admin/catalogue/product/" in urls
    assert not any(url.startswith(("/admin/storefront/operationsorder/", "/admin/storefront/user/")) for url in urls)


def test_oscars_storefront_links_lead_to_console_pages(demo, longjing):
    client = logged_in("marketer")
    assert client.get(longjing.get_absolute_url()).url == f"/admin/catalogue/product/{longjing.pk}/change/"
    category = longjing.categories.first()
    assert client.get(category.get_absolute_url()).url == f"/admin/catalogue/category/{category.pk}/change/"
    assert client.get("/accounts/").url == "/admin/"


@pytest.mark.parametrize("url", ["/basket/", "/checkout/", "/accounts/register/", "/search/", "/password-reset/"])
def test_oscars_html_shop_is_not_served(db, url):
    # Shoppers use the API only: an Oscar checkout would bypass stock locks and payment.
    assert Client().get(url).status_code == 404
