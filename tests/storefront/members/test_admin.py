"""Admin for operations and marketers: search by phone, openid or nickname; masked phones."""

import pytest
from django.test import Client

from storefront.demo.roles import MARKETING, OPERATIONS, sync_role_group
from tests.factories import AddressFactory, IdentityFactory, MemberFactory, StaffFactory, order_for

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/storefront/member/"


def staff_client(*, full_phone):
    """Operations (full phones) or a marketer (masked), with the demo's role groups."""
    staff = StaffFactory()
    staff.groups.add(sync_role_group(OPERATIONS if full_phone else MARKETING))
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def shopper():
    member = MemberFactory(nickname="寻茶人", phone="13800138000")
    IdentityFactory(member=member, openid="o-admin-search", unionid="u-admin")
    AddressFactory(member=member, phone="13700137000")
    return member


@pytest.mark.parametrize("query", ["13800138000", "o-admin-search", "寻茶人", "u-admin"])
def test_operations_find_a_member_by_phone_openid_or_nickname(shopper, query):
    client = staff_client(full_phone=True)
    MemberFactory(nickname="someone else")

    response = client.get(CHANGELIST, {"q": query})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [shopper]


def test_operations_see_full_phone_numbers(shopper):
    client = staff_client(full_phone=True)
    assert "13800138000" in client.get(CHANGELIST).content.decode()
    change = client.get(f"{CHANGELIST}{shopper.pk}/change/").content.decode()
    assert "13800138000" in change and "13700137000" in change


def test_marketers_see_masked_phone_numbers_only(shopper):
    client = staff_client(full_phone=False)

    listing = client.get(CHANGELIST).content.decode()
    change = client.get(f"{CHANGELIST}{shopper.pk}/change/").content.decode()

    assert "138****8000" in listing
    assert "13800138000" not in listing
    assert "138****8000" in change
    assert "13800138000" not in change and "13700137000" not in change


def test_members_list_holds_shoppers_only(shopper):
    staff = StaffFactory(nickname="店长")
    client = staff_client(full_phone=True)
    listed = list(client.get(CHANGELIST).context["cl"].result_list)
    assert shopper in listed and staff not in listed


def test_members_are_read_only_for_operations(shopper):
    client = staff_client(full_phone=True)
    page = client.get(f"{CHANGELIST}{shopper.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert client.post(f"{CHANGELIST}{shopper.pk}/change/", {"nickname": "x"}).status_code == 403


def test_superuser_user_admin_masks_nothing(shopper, admin_client):
    assert "13800138000" in admin_client.get("/admin/storefront/user/", {"q": "13800138000"}).content.decode()


def test_member_page_shows_identities_consents_and_links_orders(shopper):
    order_for(shopper)
    client = staff_client(full_phone=True)

    page = client.get(f"{CHANGELIST}{shopper.pk}/change/").content.decode()

    assert "o-admin-search" in page
    assert f"/admin/order/order/?user__id__exact={shopper.pk}" in page
    assert "1 笔订单" in page


def test_member_list_query_count_does_not_grow_with_members(django_assert_max_num_queries):
    client = staff_client(full_phone=True)
    for _ in range(3):
        IdentityFactory()
    with django_assert_max_num_queries(12) as small:
        client.get(CHANGELIST)
    for _ in range(30):
        IdentityFactory()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(CHANGELIST)


def test_address_phones_are_masked_too_without_the_full_phone_permission(shopper):
    from django.contrib.auth.models import Permission

    staff = StaffFactory()
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_member", "view_address"]))
    client = Client()
    client.force_login(staff)

    page = client.get(f"{CHANGELIST}{shopper.pk}/change/").content.decode()

    assert "137****7000" in page and "13700137000" not in page
