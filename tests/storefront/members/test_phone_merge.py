"""Phone binding through the sandbox, and the merge of a WeChat member and an Alipay member
who turn out to be one person (same phone)."""

from datetime import timedelta

import factory
import pytest
from django.apps import apps
from django.utils import timezone

from platforms.sandbox import faults
from storefront.members.models import Address, Consent, Identity, MemberMerge, User
from tests.factories import AddressFactory, StaffFactory, open_basket_for, order_for
from tests.storefront.members.conftest import client_with_token, login

pytestmark = pytest.mark.django_db

PHONE = "13800138000"
Order = apps.get_model("order", "Order")


def bind_phone(client, sandbox, body, phone=PHONE):
    """The shopper taps the phone button; the mini program sends what the platform gave it."""
    platform = "wechat" if not body["account"].startswith("2088") else "alipay"
    return client.post("/api/v1/me/phone/", sandbox.phone_body(platform, body["account"], phone), format="json")


def age(member_id, days):
    User.objects.filter(pk=member_id).update(date_joined=timezone.now() - timedelta(days=days))


# --- binding ------------------------------------------------------------------------------------
@pytest.mark.parametrize("platform", ["wechat", "alipay"])
def test_binding_a_new_phone_marks_the_profile_phone_bound(shopper_login, sandbox, platform):
    client, body = shopper_login(platform=platform)

    response = bind_phone(client, sandbox, body)

    assert response.status_code == 200
    assert response.json()["phone_bound"] is True
    assert response.json()["phone"] == PHONE
    assert response.json()["merged"] is False
    assert response.json()["token"] == ""
    assert User.objects.get(pk=body["member"]["id"]).phone == PHONE


def test_login_after_binding_says_phone_bound(api, shopper_login, sandbox):
    client, body = shopper_login()
    bind_phone(client, sandbox, body)
    again = login(api, "wechat", sandbox.wechat_code(openid=body["account"])["code"]).json()
    assert again["member"]["phone_bound"] is True


def test_binding_the_same_phone_again_changes_nothing(shopper_login, sandbox):
    client, body = shopper_login()
    bind_phone(client, sandbox, body)
    response = bind_phone(client, sandbox, body)
    assert response.status_code == 200
    assert response.json()["merged"] is False
    assert MemberMerge.objects.count() == 0


def test_a_used_phone_code_answers_invalid_phone_code(shopper_login, sandbox):
    client, body = shopper_login()
    code = sandbox.wechat_phone_code(body["account"], PHONE)
    assert client.post("/api/v1/me/phone/", {"code": code}, format="json").status_code == 200

    response = client.post("/api/v1/me/phone/", {"code": code}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_phone_code"


@pytest.mark.parametrize(
    "body", [{"code": "forged"}, {"response": "not json"}, {"response": '{"response": "tampered", "sign": "x"}'}]
)
def test_forged_phone_proof_answers_invalid_phone_code(shopper_login, body):
    client, _ = shopper_login()
    response = client.post("/api/v1/me/phone/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_phone_code"


def test_phone_request_needs_exactly_one_of_code_and_response(shopper_login):
    client, _ = shopper_login()
    assert client.post("/api/v1/me/phone/", {}, format="json").status_code == 400
    both = client.post("/api/v1/me/phone/", {"code": "a", "response": "b"}, format="json")
    assert both.status_code == 400
    assert both.json()["error"]["code"] == "invalid_input"


def test_phone_platform_outage_answers_503(shopper_login, sandbox):
    client, body = shopper_login()
    code = sandbox.wechat_phone_code(body["account"], PHONE)
    faults.set_fault("wechat", "busy", times=None)
    response = client.post("/api/v1/me/phone/", {"code": code}, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "platform_unavailable"


def test_staff_phone_cannot_be_taken_over(shopper_login, sandbox):
    StaffFactory(phone=PHONE)
    client, body = shopper_login()
    response = bind_phone(client, sandbox, body)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "phone_in_use"


# --- the merge ------------------------------------------------------------------------------------
@pytest.fixture
def wechat_then_alipay(shopper_login, sandbox):
    """A shopper who has shopped on WeChat for a month (phone bound, an order, an address)
    and now opens the Alipay mini program (a new member there: an order, two addresses, a
    basket, marketing consent) before binding the same phone."""
    wechat_client, wechat = shopper_login(platform="wechat")
    age(wechat["member"]["id"], days=30)
    bind_phone(wechat_client, sandbox, wechat)
    wechat_member = User.objects.get(pk=wechat["member"]["id"])
    order = order_for(wechat_member)
    AddressFactory(member=wechat_member, detail="家", is_default=True)
    alipay_client, alipay = shopper_login(platform="alipay")
    alipay_member = User.objects.get(pk=alipay["member"]["id"])
    alipay_order = order_for(alipay_member)
    AddressFactory(member=alipay_member, detail="公司", is_default=True)
    AddressFactory(member=alipay_member, detail="家")  # the same place as the WeChat one
    open_basket_for(alipay_member, quantity=2)
    Consent.objects.create(member=alipay_member, kind="marketing", granted=True)
    return {
        "wechat_client": wechat_client,
        "wechat": wechat,
        "wechat_member": wechat_member,
        "order": order,
        "alipay_client": alipay_client,
        "alipay": alipay,
        "alipay_member": alipay_member,
        "alipay_order": alipay_order,
    }


def bind_on_alipay(shop, sandbox):
    return bind_phone(shop["alipay_client"], sandbox, shop["alipay"])


def test_alipay_phone_of_a_wechat_member_merges_them_into_the_older_member(wechat_then_alipay, sandbox):
    shop = wechat_then_alipay

    response = bind_on_alipay(shop, sandbox)

    assert response.status_code == 200
    body = response.json()
    assert body["merged"] is True
    assert body["id"] == shop["wechat_member"].pk
    assert body["phone_bound"] is True
    assert body["platforms"] == ["alipay", "wechat"]
    assert body["token"]
    absorbed = User.objects.get(pk=shop["alipay_member"].pk)
    assert absorbed.is_active is False
    assert absorbed.phone is None


def test_merge_moves_orders_addresses_basket_and_consents(wechat_then_alipay, sandbox):
    shop = wechat_then_alipay
    survivor = shop["wechat_member"]

    bind_on_alipay(shop, sandbox)

    assert set(Order.objects.filter(user=survivor).values_list("pk", flat=True)) == {
        shop["order"].pk,
        shop["alipay_order"].pk,
    }
    addresses = Address.objects.filter(member=survivor)
    assert sorted(addresses.values_list("detail", flat=True)) == ["公司", "家"]  # the duplicate "家" was dropped
    assert addresses.get(is_default=True).detail == "家"  # the survivor's default stays
    Basket = apps.get_model("basket", "Basket")
    assert Basket.objects.get(owner=survivor, status=Basket.OPEN).lines.get().quantity == 2
    assert Consent.objects.filter(member=survivor, kind="marketing").exists()
    assert Identity.objects.filter(member=survivor).count() == 2
    audit = MemberMerge.objects.get()
    assert (audit.source_member_id, audit.target_member_id) == (shop["alipay_member"].pk, survivor.pk)
    assert audit.initiated_by_id == shop["alipay_member"].pk
    assert audit.phone == PHONE
    assert audit.moved["orders"] == 1 and audit.moved["addresses"] == 1 and audit.moved["addresses_dropped"] == 1
    assert audit.moved["basket_lines"] == 1 and audit.moved["identities"] == 1


def test_open_baskets_of_both_members_become_one(wechat_then_alipay, sandbox):
    shop = wechat_then_alipay
    open_basket_for(shop["wechat_member"], quantity=1)

    bind_on_alipay(shop, sandbox)

    Basket = apps.get_model("basket", "Basket")
    open_basket = Basket.objects.get(owner=shop["wechat_member"], status=Basket.OPEN)
    assert open_basket.lines.count() == 2
    assert not Basket.objects.filter(owner=shop["alipay_member"]).exists()


def test_after_the_merge_both_platforms_log_in_to_the_same_member(api, wechat_then_alipay, sandbox):
    shop = wechat_then_alipay
    bind_on_alipay(shop, sandbox)

    via_wechat = login(api, "wechat", sandbox.wechat_code(openid=shop["wechat"]["account"])["code"]).json()
    via_alipay = login(api, "alipay", sandbox.alipay_code(user_id=shop["alipay"]["account"])["code"]).json()

    assert via_wechat["member"]["id"] == via_alipay["member"]["id"] == shop["wechat_member"].pk
    assert via_alipay["is_new"] is False
    assert via_alipay["member"]["phone_bound"] is True
    survivor = client_with_token(via_alipay["token"])
    assert sorted(a["detail"] for a in survivor.get("/api/v1/me/addresses/").json()["results"]) == ["公司", "家"]


def test_absorbed_members_tokens_are_revoked_and_the_new_token_works(wechat_then_alipay, sandbox):
    shop = wechat_then_alipay

    body = bind_on_alipay(shop, sandbox).json()

    old = shop["alipay_client"].get("/api/v1/me/")
    assert old.status_code == 401
    assert old.json()["error"]["code"] == "token_invalid"
    assert client_with_token(body["token"]).get("/api/v1/me/").json()["id"] == shop["wechat_member"].pk
    assert shop["wechat_client"].get("/api/v1/me/").status_code == 200  # the survivor's devices stay in


def test_when_the_caller_is_the_older_member_they_keep_their_token(shopper_login, sandbox):
    older_client, older = shopper_login(platform="alipay")
    age(older["member"]["id"], days=10)
    newer_client, newer = shopper_login(platform="wechat")
    bind_phone(newer_client, sandbox, newer)

    response = bind_phone(older_client, sandbox, older)

    assert response.json()["merged"] is True
    assert response.json()["token"] == ""
    assert response.json()["id"] == older["member"]["id"]
    assert older_client.get("/api/v1/me/").status_code == 200
    assert newer_client.get("/api/v1/me/").status_code == 401


def test_other_apps_hear_of_the_merge_once_it_is_committed(
    wechat_then_alipay, sandbox, django_capture_on_commit_callbacks
):
    from storefront.members.events import member_merged

    calls = []
    member_merged.connect(
        lambda sender, source_id, target_id, **kw: calls.append((source_id, target_id)), weak=False, dispatch_uid="t1"
    )
    shop = wechat_then_alipay
    try:
        with django_capture_on_commit_callbacks(execute=True):
            bind_on_alipay(shop, sandbox)
            assert calls == []  # nothing is announced before the merge commits
    finally:
        member_merged.disconnect(dispatch_uid="t1")

    assert calls == [(shop["alipay_member"].pk, shop["wechat_member"].pk)]


def test_a_failing_receiver_neither_undoes_the_merge_nor_stops_the_others(
    wechat_then_alipay, sandbox, django_capture_on_commit_callbacks
):
    from storefront.members.events import member_merged

    def broken(sender, **kwargs):
        raise RuntimeError("points ledger unavailable")

    heard = []
    member_merged.connect(broken, weak=False, dispatch_uid="t-broken")
    member_merged.connect(lambda sender, **kw: heard.append(kw["target_id"]), weak=False, dispatch_uid="t-fine")
    shop = wechat_then_alipay
    try:
        with django_capture_on_commit_callbacks(execute=True):
            bind_on_alipay(shop, sandbox)
    finally:
        member_merged.disconnect(dispatch_uid="t-broken")
        member_merged.disconnect(dispatch_uid="t-fine")

    assert heard == [shop["wechat_member"].pk]
    assert Identity.objects.filter(member=shop["alipay_member"]).count() == 0
    assert Order.objects.get(pk=shop["alipay_order"].pk).user_id == shop["wechat_member"].pk
    assert MemberMerge.objects.count() == 1


def test_merge_keeps_at_most_twenty_addresses_with_one_default(shopper_login, sandbox, settings):
    older_client, older = shopper_login(platform="wechat")
    age(older["member"]["id"], days=5)
    bind_phone(older_client, sandbox, older)
    AddressFactory.create_batch(15, member_id=older["member"]["id"], detail=factory.Sequence(lambda n: f"a-{n}号"))
    newer_client, newer = shopper_login(platform="alipay")
    AddressFactory(member_id=newer["member"]["id"], detail="b-default", is_default=True)
    AddressFactory.create_batch(9, member_id=newer["member"]["id"], detail=factory.Sequence(lambda n: f"b-{n}号"))

    bind_phone(newer_client, sandbox, newer)

    survivor_addresses = Address.objects.filter(member_id=older["member"]["id"])
    assert survivor_addresses.count() == settings.MEMBER_MAX_ADDRESSES
    assert survivor_addresses.filter(is_default=True).count() == 1
    assert survivor_addresses.filter(detail="b-default").exists()  # the absorbed default is kept, not as default
    assert MemberMerge.objects.get().moved["addresses_dropped"] == 5


def test_merge_fills_empty_profile_fields_from_the_absorbed_member(shopper_login, sandbox):
    older_client, older = shopper_login(platform="wechat")
    age(older["member"]["id"], days=5)
    bind_phone(older_client, sandbox, older)
    newer_client, newer = shopper_login(platform="alipay")
    User.objects.filter(pk=newer["member"]["id"]).update(nickname="阿里茶友", birthday="1990-01-02", gender="female")

    body = bind_phone(newer_client, sandbox, newer).json()

    assert (body["nickname"], body["birthday"], body["gender"]) == ("阿里茶友", "1990-01-02", "female")


def test_merge_moves_the_absorbed_members_refund_requests(
    wechat_then_alipay, sandbox, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from storefront.orders.models import AfterSalesRequest

    shop = wechat_then_alipay
    request = AfterSalesRequest.objects.create(
        order=shop["alipay_order"],
        member=shop["alipay_member"],
        kind="refund_only",
        reason="不想要了",
        amount=Decimal("1.00"),
    )

    with django_capture_on_commit_callbacks(execute=True):
        bind_on_alipay(shop, sandbox)

    request.refresh_from_db()
    assert request.member_id == shop["wechat_member"].pk
