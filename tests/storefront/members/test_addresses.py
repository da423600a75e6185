"""Addresses: the mini program's address picker fields, one default, at most 20, own only."""

import pytest

from storefront.members.models import Address
from tests.factories import AddressFactory, MemberFactory

pytestmark = pytest.mark.django_db

PICKED = {
    "name": "张三",
    "phone": "13800138000",
    "province": "上海市",
    "city": "上海市",
    "district": "徐汇区",
    "detail": "漕溪北路88号",
    "postcode": "200030",
}


def test_first_address_becomes_the_default(member_api):
    response = member_api.post("/api/v1/me/addresses/", PICKED, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["is_default"] is True
    assert {k: body[k] for k in PICKED} == PICKED
    assert isinstance(body["id"], int)


def test_second_address_is_not_default_unless_asked(member_api):
    member_api.post("/api/v1/me/addresses/", PICKED, format="json")
    second = member_api.post("/api/v1/me/addresses/", {**PICKED, "detail": "南京西路1266号"}, format="json").json()
    assert second["is_default"] is False


def test_new_default_unsets_the_old_one(member_api, member):
    first = member_api.post("/api/v1/me/addresses/", PICKED, format="json").json()

    second = member_api.post(
        "/api/v1/me/addresses/", {**PICKED, "detail": "南京西路1266号", "is_default": True}, format="json"
    ).json()

    assert second["is_default"] is True
    assert Address.objects.get(pk=first["id"]).is_default is False
    assert Address.objects.filter(member=member, is_default=True).count() == 1


def test_patch_can_make_an_address_the_default(member_api, member):
    first = member_api.post("/api/v1/me/addresses/", PICKED, format="json").json()
    second = member_api.post("/api/v1/me/addresses/", {**PICKED, "detail": "南京西路1266号"}, format="json").json()

    response = member_api.patch(f"/api/v1/me/addresses/{second['id']}/", {"is_default": True}, format="json")

    assert response.json()["is_default"] is True
    assert Address.objects.get(pk=first["id"]).is_default is False


def test_patch_changes_fields_and_keeps_the_rest(member_api):
    created = member_api.post("/api/v1/me/addresses/", PICKED, format="json").json()

    response = member_api.patch(f"/api/v1/me/addresses/{created['id']}/", {"detail": "衡山路10号"}, format="json")

    assert response.status_code == 200
    assert response.json()["detail"] == "衡山路10号"
    assert response.json()["name"] == "张三"


def test_deleting_the_default_promotes_another_address(member_api, member):
    first = member_api.post("/api/v1/me/addresses/", PICKED, format="json").json()
    second = member_api.post("/api/v1/me/addresses/", {**PICKED, "detail": "南京西路1266号"}, format="json").json()

    assert member_api.delete(f"/api/v1/me/addresses/{first['id']}/").status_code == 204

    assert Address.objects.get(pk=second["id"]).is_default is True


def test_twenty_addresses_at_most(member_api, member):
    AddressFactory.create_batch(20, member=member)

    response = member_api.post("/api/v1/me/addresses/", PICKED, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_addresses"
    assert Address.objects.filter(member=member).count() == 20


@pytest.mark.parametrize("phone", ["13800138000", "19912345678", "021-62880000", "0755-12345678", "01062880000"])
def test_mobile_and_landline_numbers_are_accepted(member_api, phone):
    assert member_api.post("/api/v1/me/addresses/", {**PICKED, "phone": phone}, format="json").status_code == 201


@pytest.mark.parametrize(
    "field, value",
    [
        ("phone", "12800138000"),
        ("phone", "1380013800"),
        ("phone", "+1 555 0100"),
        ("postcode", "20003"),
        ("postcode", "2000301"),
        ("postcode", "abcdef"),
        ("province", ""),
        ("city", "  "),
        ("detail", ""),
        ("name", ""),
        ("name", "名" * 65),
        ("detail", "路" * 201),
    ],
)
def test_invalid_fields_are_named(member_api, field, value):
    response = member_api.post("/api/v1/me/addresses/", {**PICKED, field: value}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    assert field in response.json()["error"]["fields"]


def test_district_and_postcode_may_be_empty(member_api):
    response = member_api.post("/api/v1/me/addresses/", {**PICKED, "district": "", "postcode": ""}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_members_address_is_not_found(member_api, method):
    someone_elses = AddressFactory(member=MemberFactory())

    response = getattr(member_api, method)(
        f"/api/v1/me/addresses/{someone_elses.pk}/", {"name": "hijack"}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    someone_elses.refresh_from_db()
    assert someone_elses.name == "张三"


def test_list_shows_only_own_addresses_default_first(member_api, member):
    AddressFactory(member=member, detail="旧地址")
    default = AddressFactory(member=member, detail="默认地址", is_default=True)
    AddressFactory(member=MemberFactory())

    body = member_api.get("/api/v1/me/addresses/").json()

    assert body["count"] == 2
    assert body["results"][0]["id"] == default.pk
    assert set(body) >= {"count", "next", "previous", "results"}


@pytest.mark.parametrize("count", [1, 20])
def test_address_list_query_count_does_not_grow_with_addresses(member_api, member, count, django_assert_num_queries):
    AddressFactory.create_batch(count, member=member)
    # token lookup + count + page
    with django_assert_num_queries(3):
        response = member_api.get("/api/v1/me/addresses/")
    assert len(response.json()["results"]) == count


def test_address_writes_are_rate_limited_but_reads_are_not(member_api, monkeypatch):
    from storefront.throttles import ShopperWriteThrottle

    monkeypatch.setattr(ShopperWriteThrottle, "rate", "2/min", raising=False)
    for _ in range(3):
        assert member_api.get("/api/v1/me/addresses/").status_code == 200
    statuses = [
        member_api.post("/api/v1/me/addresses/", {**PICKED, "detail": f"{n}号楼"}, format="json").status_code
        for n in range(3)
    ]

    assert statuses == [201, 201, 429]
    assert member_api.get("/api/v1/me/addresses/").status_code == 200
