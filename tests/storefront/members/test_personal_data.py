"""Export of all personal data, and deletion that leaves nothing personal behind."""

import io

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from knox.models import AuthToken
from PIL import Image

from storefront.members.models import Address, Consent, Identity, MemberSource, PersonalDataRequest, User
from tests.factories import AddressFactory, IdentityFactory, open_basket_for, order_for
from tests.storefront.members.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def known_shopper(shopper_login, sandbox):
    """A shopper with everything: two WeChat identities (the store and the brand's club app),
    phone, avatar, address, consents, an order."""
    client, body = shopper_login(account="o-known", unionid="u-known", ref="poster-1")
    member = User.objects.get(pk=body["member"]["id"])
    # The sandbox emulates one mini program; the club app's identity is made directly.
    IdentityFactory(member=member, openid="o-known-club", unionid="u-known", app_id="wxclubapp000001")
    client.post("/api/v1/me/phone/", {"code": sandbox.wechat_phone_code("o-known", "13900139000")}, format="json")
    client.patch("/api/v1/me/", {"nickname": "老茶客", "birthday": "1985-03-04", "gender": "male"}, format="json")
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50)).save(buffer, "PNG")
    client.post("/api/v1/me/avatar/", {"avatar": SimpleUploadedFile("a.png", buffer.getvalue())}, format="multipart")
    client.post("/api/v1/me/consents/", {"privacy_version": "2026-01", "marketing": True}, format="json")
    AddressFactory(member=member, name="王五", phone="13700137000", detail="静安寺1号", is_default=True)
    order = order_for(member, name="王五", phone="+8613700137000", email="wang@example.com")
    member.refresh_from_db()
    return {"client": client, "member": member, "order": order}


def test_export_contains_everything_held_about_the_member(known_shopper, settings):
    settings.PRIVACY_POLICY_VERSION = "2026-01"

    response = known_shopper["client"].get("/api/v1/me/export/")

    assert response.status_code == 200
    data = response.json()
    assert data["profile"]["nickname"] == "老茶客"
    assert data["profile"]["phone"] == "13900139000"
    assert data["profile"]["birthday"] == "1985-03-04"
    assert data["profile"]["avatar"]
    assert sorted(i["openid"] for i in data["identities"]) == ["o-known", "o-known-club"]
    assert {i["unionid"] for i in data["identities"]} == {"u-known"}
    assert data["source"]["ref"] == "poster-1"
    assert data["addresses"][0]["name"] == "王五"
    assert {(c["kind"], c["granted"]) for c in data["consents"]} == {("privacy", True), ("marketing", True)}
    assert data["orders"][0]["number"] == str(known_shopper["order"].number)
    assert data["orders"][0]["shipping_address"]["name"] == "王五"
    assert PersonalDataRequest.objects.filter(member=known_shopper["member"], kind="export").count() == 1


def test_export_includes_oscars_records_about_the_person(known_shopper):
    member = known_shopper["member"]
    apps.get_model("analytics", "UserSearch").objects.create(user=member, query="龙井")
    apps.get_model("wishlists", "WishList").objects.create(owner=member, name="想买")

    data = known_shopper["client"].get("/api/v1/me/export/").json()

    assert data["searches"][0]["query"] == "龙井"
    assert data["wish_lists"][0]["name"] == "想买"
    assert data["product_alerts"] == [] and data["reviews"] == []


def test_export_includes_sections_other_apps_answer_with(known_shopper):
    from storefront.members.events import member_data_exported

    def points_section(sender, member, **kwargs):
        return {"points": {"balance": 120}}

    member_data_exported.connect(points_section, dispatch_uid="test-points-section")
    try:
        data = known_shopper["client"].get("/api/v1/me/export/").json()
    finally:
        member_data_exported.disconnect(dispatch_uid="test-points-section")
    assert data["points"] == {"balance": 120}


def test_export_is_of_the_caller_only(known_shopper, shopper_login):
    stranger, _ = shopper_login()
    data = stranger.get("/api/v1/me/export/").json()
    assert data["orders"] == [] and data["addresses"] == []
    assert all(i["openid"] != "o-known" for i in data["identities"])


def test_deletion_needs_explicit_confirmation(known_shopper):
    client = known_shopper["client"]
    assert client.post("/api/v1/me/delete/", {}, format="json").status_code == 400
    response = client.post("/api/v1/me/delete/", {"confirm": False}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "confirmation_required"
    assert User.objects.get(pk=known_shopper["member"].pk).is_active is True


def test_deletion_leaves_nothing_personal_behind(known_shopper, django_capture_on_commit_callbacks):
    member = known_shopper["member"]
    avatar_name, storage = member.avatar.name, member.avatar.storage
    assert storage.exists(avatar_name)

    with django_capture_on_commit_callbacks(execute=True):
        response = known_shopper["client"].post("/api/v1/me/delete/", {"confirm": True}, format="json")

    assert response.status_code == 204
    member.refresh_from_db()
    assert member.is_active is False
    assert member.phone is None
    assert member.nickname == "" and member.birthday is None and member.gender == "unknown"
    assert not member.avatar
    assert not storage.exists(avatar_name)
    assert member.username.startswith("deleted_")
    assert not Identity.objects.filter(member=member).exists()
    assert not Address.objects.filter(member=member).exists()
    assert not Consent.objects.filter(member=member).exists()
    assert not MemberSource.objects.filter(member=member).exists()
    assert not AuthToken.objects.filter(user=member).exists()
    deletion = PersonalDataRequest.objects.get(kind="delete")
    assert deletion.member_id_snapshot == member.pk
    assert deletion.details["identities"] == 2


def test_deletion_keeps_orders_for_accounting_with_personal_fields_blanked(known_shopper):
    order = known_shopper["order"]

    known_shopper["client"].post("/api/v1/me/delete/", {"confirm": True}, format="json")

    Order = apps.get_model("order", "Order")
    kept = Order.objects.select_related("shipping_address").get(pk=order.pk)
    assert kept.total_incl_tax == order.total_incl_tax
    assert kept.guest_email == ""
    address = kept.shipping_address
    assert (address.first_name, address.line1, address.line4, address.state, address.postcode) == ("", "", "", "", "")
    assert not address.phone_number


def test_deleted_member_is_logged_out_and_cannot_come_back(known_shopper, api, sandbox):
    client = known_shopper["client"]
    client.post("/api/v1/me/delete/", {"confirm": True}, format="json")

    assert client.get("/api/v1/me/").status_code == 401
    fresh = login(api, "wechat", sandbox.wechat_code(openid="o-known")["code"]).json()
    assert fresh["is_new"] is True
    assert fresh["member"]["id"] != known_shopper["member"].pk


def test_deletion_is_announced_to_other_apps_once_committed(known_shopper, django_capture_on_commit_callbacks):
    from storefront.members.events import member_erased

    erased = []
    member_erased.connect(
        lambda sender, member_id, **kw: erased.append(member_id), weak=False, dispatch_uid="test-erase"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            known_shopper["client"].post("/api/v1/me/delete/", {"confirm": True}, format="json")
            assert erased == []  # not before the erasure commits
    finally:
        member_erased.disconnect(dispatch_uid="test-erase")
    assert erased == [known_shopper["member"].pk]


def test_deletion_also_erases_oscars_records_about_the_person(known_shopper):
    from oscar.test.factories import create_product

    member = known_shopper["member"]
    apps.get_model("analytics", "UserSearch").objects.create(user=member, query="龙井")
    apps.get_model("wishlists", "WishList").objects.create(owner=member, name="想买")
    apps.get_model("customer", "ProductAlert").objects.create(user=member, product=create_product())
    open_basket_for(member)

    known_shopper["client"].post("/api/v1/me/delete/", {"confirm": True}, format="json")

    # Whatever still points at the user row is an accounting or audit record.
    kept = {
        "order.Order",
        "order.OrderNote",
        "basket.Basket",
        "storefront.PersonalDataRequest",
        "storefront.MemberMerge",
    }
    for relation in User._meta.related_objects:
        if relation.many_to_many or relation.related_model._meta.label in kept:
            continue
        remaining = relation.related_model._base_manager.filter(**{relation.field.name: member})
        assert not remaining.exists(), relation.related_model._meta.label
    Basket = apps.get_model("basket", "Basket")
    assert not Basket.objects.filter(owner=member).exclude(status=Basket.SUBMITTED).exists()
