"""A marketer's screens: entry points with their codes and links, a zip of a batch of staff
codes, and the funnel (per entry point, channel, store and staff member) with its CSV."""

import csv
import io
import json
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from campaigns import services
from campaigns.models import EntryPoint, OrderAttribution, Visit
from storefront.demo.roles import MARKETING, sync_role_group
from tests.factories import EntryPointFactory, MemberFactory, StaffFactory, staff_code

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def marketer():
    user = StaffFactory(nickname="市场部 小林")
    user.groups.add(sync_role_group(MARKETING))
    client = Client()
    client.force_login(user)
    return client


def scanned(entry, member, *, visitor):
    services.record_visit(visitor=visitor, scene_value=1047, query={"scene": entry.scene})
    services.join_visits(member_id=member.pk, visitor=visitor, joined=True)


def test_a_marketer_creates_a_staff_members_entry_point_and_downloads_its_codes(marketer):
    assistant = staff_code(nickname="店员 小美").staff
    store = assistant.stores.get()
    answer = marketer.post(
        reverse("admin:campaigns_entrypoint_add"),
        {
            "name": "小美的桌牌码",
            "kind": "staff",
            "is_active": "on",
            "staff": assistant.pk,
            "store": store.pk,
            "page": "pages/index/index",
            "params": json.dumps({"store": store.pk}),
            "scene": "mei2024",
            "channel": "",
            "campaign": "",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    entry = EntryPoint.objects.get(name="小美的桌牌码")
    assert entry.scene == "mei2024"

    wechat = marketer.get(reverse("admin:campaigns_entrypoint_code", args=[entry.pk, "wechat"]))
    alipay = marketer.get(reverse("admin:campaigns_entrypoint_code", args=[entry.pk, "alipay"]))
    assert wechat.status_code == alipay.status_code == 200
    assert wechat.content.startswith(PNG) and alipay.content.startswith(PNG)
    assert "attachment" in wechat["Content-Disposition"]


def test_the_entry_point_form_refuses_a_scene_wechat_would_refuse(marketer):
    answer = marketer.post(
        reverse("admin:campaigns_entrypoint_add"),
        {
            "name": "坏码",
            "kind": "channel",
            "channel": "poster",
            "page": "pages/index/index",
            "params": "{}",
            "scene": "春茶",
        },
    )
    assert answer.status_code == 200
    assert "场景值只能包含" in answer.content.decode()
    assert not EntryPoint.objects.filter(name="坏码").exists()


def test_a_batch_of_staff_codes_downloads_as_one_zip(marketer):
    entries = [staff_code(nickname=f"店员{n}") for n in range(3)]
    answer = marketer.post(
        reverse("admin:campaigns_entrypoint_changelist"),
        {"action": "download_codes_zip", "_selected_action": [e.pk for e in entries]},
    )
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert len(names) == 6 and all(name.endswith(".png") for name in names)
    assert any(name.startswith("店员1-") for name in names)


def test_a_url_link_of_more_than_30_days_is_refused_in_the_console(marketer):
    entry = EntryPointFactory(page="pages/campaign/index")
    url = reverse("admin:campaigns_entrypoint_link", args=[entry.pk])
    refused = marketer.post(url, {"days": 31})
    assert refused.status_code == 200 and not EntryPoint.objects.get(pk=entry.pk).link
    made = marketer.post(url, {"days": 7})
    assert made.status_code == 302
    assert EntryPoint.objects.get(pk=entry.pk).link.startswith("https://")


def test_the_funnel_shows_visits_new_members_orders_and_gmv_per_staff_member(marketer, django_assert_max_num_queries):
    mei, jie = staff_code(nickname="店员 小美"), staff_code(nickname="店员 阿杰")
    for index in range(3):
        scanned(mei, MemberFactory(), visitor=f"visitor-mei-{index:04d}")
    scanned(jie, MemberFactory(), visitor="visitor-jie-0001")
    buyer = Visit.objects.filter(entry_point=mei).first().member
    from tests.factories import paid_order

    order = paid_order(user=buyer, quantities=(2,))
    OrderAttribution.objects.create(
        order=order,
        member=buyer,
        entry_point=mei,
        placed_at=order.date_placed,
        paid_at=order.date_placed,
        paid_total=order.total_incl_tax,
    )
    url = reverse("admin:campaigns_funnel_changelist")

    with django_assert_max_num_queries(16):
        page = marketer.get(url, {"by": "staff", "days": 7})

    text = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in text and "polyline" in text
    assert "店员 小美" in text and "店员 阿杰" in text
    rows = list(
        csv.reader(StringIO(marketer.get(url, {"by": "staff", "days": 7, "format": "csv"}).content.decode("utf-8-sig")))
    )
    assert rows[0] == ["店员", "访问", "新会员", "订单", "已付款订单", "实付金额（元）"]
    assert ["店员 小美", "3", "3", "1", "1", f"{order.total_incl_tax:.2f}"] in rows
    assert ["店员 阿杰", "1", "1", "0", "0", "0.00"] in rows


@pytest.mark.parametrize("by", ["entry_point", "channel", "store", "staff", "nonsense"])
def test_the_funnel_opens_by_every_dimension(marketer, by):
    entry = EntryPointFactory(name="春茶海报")
    scanned(entry, MemberFactory(), visitor="visitor-poster-01")
    page = marketer.get(reverse("admin:campaigns_funnel_changelist"), {"by": by, "days": 90})
    assert page.status_code == 200


def test_the_demo_has_codes_for_each_store_two_assistants_a_poster_and_a_funnel(settings, tmp_path_factory):
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "campaigns-demo-media")
    call_command("load_demo", stdout=StringIO())
    counts = (EntryPoint.objects.count(), Visit.objects.count(), OrderAttribution.objects.count())
    call_command("load_demo", stdout=StringIO())

    assert (EntryPoint.objects.count(), Visit.objects.count(), OrderAttribution.objects.count()) == counts
    assert EntryPoint.objects.filter(kind="staff").count() == 2
    assert EntryPoint.objects.filter(kind="channel", channel="poster").exists()
    assert EntryPoint.objects.filter(kind="store").count() >= 1
    assert OrderAttribution.objects.filter(entry_point__name="店员 小美的专属码").count() == 2
    marketer = Client()
    assert marketer.login(username="marketer", password="qingshan-marketer")
    page = marketer.get(reverse("admin:campaigns_funnel_changelist"), {"by": "staff"})
    assert "店员 小美" in page.content.decode()
