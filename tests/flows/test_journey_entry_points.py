"""A marketer creates a shop assistant's entry point and downloads its code; a WeChat shopper
scans it (the mini program resolves the scene and reports the launch), logs in, buys and
pays; the funnel shows the visit, the new member and the paid order for that assistant."""

import csv
import json
from io import StringIO

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns.models import Attribution, EntryPoint, OrderAttribution
from storefront.demo.roles import MARKETING, sync_role_group
from tests.factories import StaffFactory
from tests.steps import add_to_basket, bearer, ok, order_of, pay_wechat, place_order, tea_shop

pytestmark = pytest.mark.django_db

VISITOR = "phone-of-xiaowang-01"


def test_a_scanned_staff_code_brings_a_new_member_and_a_paid_order_to_that_assistant(api, committed):
    shop = tea_shop()
    assistant = StaffFactory(nickname="店员 小美", is_staff=False)
    shop.store.staff.add(assistant)
    marketer = StaffFactory(nickname="市场部 小林")
    marketer.groups.add(sync_role_group(MARKETING))
    console = Client()
    console.force_login(marketer)

    # The marketer makes 小美's code and downloads it.
    made = console.post(
        reverse("admin:campaigns_entrypoint_add"),
        {
            "name": "小美的专属码",
            "kind": "staff",
            "is_active": "on",
            "staff": assistant.pk,
            "store": shop.store.pk,
            "page": "pages/product/detail",
            "params": json.dumps({"id": shop.keemun.pk}),
            "scene": "mei01",
        },
    )
    assert made.status_code == 302
    entry = EntryPoint.objects.get(scene="mei01")
    code = console.get(reverse("admin:campaigns_entrypoint_code", args=[entry.pk, "wechat"]))
    assert code.status_code == 200 and code.content.startswith(b"\x89PNG")

    # The shopper scans it: the mini program opens with ?scene=mei01, resolves it and reports the launch.
    phone = APIClient()
    opened = ok(phone.get("/api/v1/campaigns/scenes/mei01/"))
    assert opened["page"] == "pages/product/detail" and opened["params"] == {"id": shop.keemun.pk}
    reported = phone.post(
        "/api/v1/visits/",
        {"scene": 1047, "query": {"scene": "mei01"}, "path": opened["page"], "visitor": VISITOR, "launch": "1"},
        format="json",
    )
    assert reported.status_code == 202 and reported.json()["entry_point"] is True

    # Logs in (the visitor key as the login's ref), buys the tea and pays.
    issued = ok(api.post("/sandbox/wechat/login-code/", {}, format="json"))
    with committed():
        login = ok(APIClient().post("/api/v1/auth/wechat/", {"code": issued["code"], "ref": VISITOR}, format="json"))
    assert login["is_new"] is True
    shopper = bearer(login["token"])
    add_to_basket(shopper, shop.keemun.pk, 2)
    with committed():
        placed, _preview, _key = place_order(
            shopper, {"store_id": shop.store.pk, "shipping_method": "pickup", "payment_method": "wechat"}
        )
    pay_wechat(api, shopper, placed["number"], committed)
    assert order_of(shopper, placed["number"])["status"] == "paid"

    attribution = Attribution.objects.get(member_id=login["member"]["id"])
    assert attribution.credited_staff == assistant and attribution.credited_store == shop.store
    credited = OrderAttribution.objects.get(order__number=placed["number"])
    assert credited.entry_point == entry and str(credited.paid_total) == placed["total"]

    # The funnel, by staff member: one visit, one new member, one paid order of 91.00 yuan.
    page = console.get(reverse("admin:campaigns_funnel_changelist"), {"by": "staff", "days": 7})
    assert "店员 小美" in page.content.decode()
    exported = console.get(reverse("admin:campaigns_funnel_changelist"), {"by": "staff", "days": 7, "format": "csv"})
    rows = list(csv.reader(StringIO(exported.content.decode("utf-8-sig"))))
    assert ["店员 小美", "1", "1", "1", "1", placed["total"]] in rows
