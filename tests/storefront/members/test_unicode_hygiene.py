"""What a shopper types and others read (nickname, delivery address, checkout note, after-sales
reason, search) reaches staff, couriers and other shoppers as typed: no right-to-left
override or zero-width character passes, and what is harmless is tidied (config/text.py)."""

import pytest
from django.db.models.fields.files import FieldFile
from django.test import Client
from oscar.apps.order.models import Order

from platforms.sandbox.models import ContentCheck
from storefront.members.models import Address, User
from storefront.orders.models import AfterSalesRequest, OrderInfo
from tests.factories import StaffFactory, address_of, fill_basket, paid_order, sku, with_skus
from tests.storefront.members.test_addresses import PICKED
from tests.storefront.shopping import _checkout_settings  # noqa: F401

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # right-to-left override: "张三\u202e8815" shows as "张三5188"
ZWSP = "\u200b"  # zero-width space
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji made of three, joined by U+200D


def refused_field(response, field):
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    return error["fields"][field]


# --- nickname ------------------------------------------------------------------------------------
def test_a_nickname_with_a_right_to_left_override_is_refused_and_nothing_is_saved(shopper_login):
    client, body = shopper_login()
    before = client.get("/api/v1/me/").json()["nickname"]

    response = client.patch("/api/v1/me/", {"nickname": f"客服{RLO}8815"}, format="json")

    message = refused_field(response, "nickname")
    assert "invisible or direction-control character (U+202E)" in message
    assert User.objects.get(pk=body["member"]["id"]).nickname == before
    assert not ContentCheck.objects.exists()  # refused before the platform's content check is asked


def test_an_emoji_nickname_is_kept_with_its_joined_emoji(shopper_login):
    client, _ = shopper_login()

    response = client.patch("/api/v1/me/", {"nickname": f"  爱喝茶的猫🐱{FAMILY}  "}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["nickname"] == f"爱喝茶的猫🐱{FAMILY}"
    assert ContentCheck.objects.get().content == f"爱喝茶的猫🐱{FAMILY}"


def test_a_joiner_between_two_chinese_characters_is_refused(shopper_login):
    client, _ = shopper_login()

    response = client.patch("/api/v1/me/", {"nickname": "茶\u200d友"}, format="json")

    assert "U+200D" in refused_field(response, "nickname")


def test_a_nickname_styled_in_full_width_letters_is_kept_as_chosen(shopper_login):
    client, _ = shopper_login()

    response = client.patch("/api/v1/me/", {"nickname": "ＫＩＫＩ　茶铺"}, format="json")

    # Full-width letters stay; the ideographic space, like any run of spaces, becomes one space.
    assert response.json()["nickname"] == "ＫＩＫＩ 茶铺"


# --- addresses -----------------------------------------------------------------------------------
def test_an_address_with_a_zero_width_space_is_refused_and_not_saved(member_api, member):
    response = member_api.post("/api/v1/me/addresses/", {**PICKED, "detail": f"漕溪北路{ZWSP}88号"}, format="json")

    assert "U+200B" in refused_field(response, "detail")
    assert not Address.objects.filter(member=member).exists()


def test_a_recipient_name_with_a_direction_control_is_refused_on_change_too(member_api, member):
    address = address_of(member)

    response = member_api.patch(f"/api/v1/me/addresses/{address.pk}/", {"name": f"张三{RLO}"}, format="json")

    assert "U+202E" in refused_field(response, "name")
    address.refresh_from_db()
    assert address.name == "张三"


@pytest.mark.parametrize("field", ["name", "province", "city", "district", "detail"])
def test_every_address_text_field_refuses_a_control_character(member_api, field):
    response = member_api.post("/api/v1/me/addresses/", {**PICKED, field: f"{PICKED[field]}\x07"}, format="json")

    assert "control character (U+0007)" in refused_field(response, field)


def test_full_width_digits_and_letters_become_ascii_and_chinese_punctuation_stays(member_api):
    typed = {
        **PICKED,
        "name": " 张三 ",
        "phone": "１３８ ００１３ ８０００",
        "detail": "漕溪北路８８号　（Ａ座）  ３楼",
        "postcode": "２０００３０",
    }

    response = member_api.post("/api/v1/me/addresses/", typed, format="json")

    assert response.status_code == 201, response.json()
    saved = Address.objects.get(pk=response.json()["id"])
    assert (saved.name, saved.phone, saved.detail, saved.postcode) == (
        "张三",
        "13800138000",
        "漕溪北路88号 （A座） 3楼",
        "200030",
    )


def test_a_phone_in_another_scripts_digits_is_not_a_mainland_number(member_api):
    arabic_indic = "\u0661\u0663\u0668\u0660\u0660\u0661\u0663\u0668\u0660\u0660\u0660"

    response = member_api.post("/api/v1/me/addresses/", {**PICKED, "phone": arabic_indic}, format="json")

    assert "mainland mobile number" in refused_field(response, "phone")


# --- the checkout note ---------------------------------------------------------------------------
def place(api, **body):
    return api.post(
        "/api/v1/checkout/", {"payment_method": "wechat", **body}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )


def test_a_multi_line_note_keeps_its_line_breaks_and_loses_trailing_spaces(member, member_api):
    fill_basket(member, (sku(price="45.00"), 1))

    response = place(member_api, address_id=address_of(member).pk, note="放门口即可   \r\n不要敲门\t \n\n\n\n谢谢  ")

    assert response.status_code == 201, response.json()
    assert OrderInfo.objects.get(order__number=response.json()["number"]).note == "放门口即可\n不要敲门\n\n谢谢"


def test_a_note_with_a_right_to_left_override_places_no_order(member, member_api):
    fill_basket(member, (sku(price="45.00"), 1))

    response = place(member_api, address_id=address_of(member).pk, note=f"请联系{RLO}8815")

    assert "U+202E" in refused_field(response, "note")
    assert not Order.objects.exists()


# --- the after-sales reason ----------------------------------------------------------------------
def test_an_after_sales_reason_with_a_zero_width_space_is_refused_and_a_clean_one_is_kept(member, member_api):
    order = paid_order(user=member, quantities=(1,))
    url = f"/api/v1/orders/{order.number}/refund-request/"

    refused = member_api.post(url, {"type": "refund_only", "reason": f"茶叶{ZWSP}受潮"}, format="json")
    accepted = member_api.post(url, {"type": "refund_only", "reason": "茶叶受潮了  \n罐子也破了  "}, format="json")

    assert "U+200B" in refused_field(refused, "reason")
    assert accepted.status_code == 201, accepted.json()
    assert AfterSalesRequest.objects.get().reason == "茶叶受潮了\n罐子也破了"


# --- search: normalised, never refused ------------------------------------------------------------
def test_search_keywords_with_a_zero_width_space_and_full_width_letters_still_find_the_product(api):
    with_skus("LEGO 积木 茶歇套装", [{"price": "99.00"}])

    response = api.get("/api/v1/products/", {"q": f"ＬＥＧＯ{ZWSP} 积木"})

    assert response.status_code == 200
    assert [product["title"] for product in response.json()["results"]] == ["LEGO 积木 茶歇套装"]


# --- the admin -------------------------------------------------------------------------------------
def change_form_data(response):
    """The admin change form's current values, inlines included, as a browser would post them."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False or isinstance(value, FieldFile):
                continue  # unset, unticked, or a file input left empty
            data[form.add_prefix(name)] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_staff_cannot_type_a_direction_control_into_a_members_nickname_in_the_admin():
    member = User.objects.create_member(nickname="寻茶人")
    Address.objects.create(member=member, is_default=True, **PICKED)
    staff = StaffFactory(is_superuser=True)
    client = Client()
    client.force_login(staff)
    url = f"/admin/storefront/member/{member.pk}/change/"
    data = change_form_data(client.get(url))

    response = client.post(url, {**data, "nickname": f"寻茶人{RLO}"})

    assert response.status_code == 200  # the form again, with the error
    assert "U+202E" in str(response.context["adminform"].form.errors["nickname"])
    member.refresh_from_db()
    assert member.nickname == "寻茶人"
    saved = client.post(url, {**data, "nickname": "寻茶人🍵"})
    assert saved.status_code == 302
    member.refresh_from_db()
    assert member.nickname == "寻茶人🍵"
