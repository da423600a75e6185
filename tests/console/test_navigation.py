"""The console's menu is organised by task (商品, 营销, 会员, 订单, 物流, 设置), shows each
staff member only the screens they may open, leaves out Oscar's low-level models, and
survives an entry whose screen does not exist yet."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from console import navigation
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sidebar_of(response) -> dict[str, list[str]]:
    return {
        group["title"]: [item["title"] for item in group["items"]] for group in response.context["sidebar_navigation"]
    }


def test_a_superuser_sees_the_menu_by_task_and_no_low_level_model():
    admin = StaffFactory(is_superuser=True)
    response = signed_in(admin).get("/admin/")

    assert response.status_code == 200
    menu = sidebar_of(response)
    assert list(menu) == ["首页", "商品", "营销", "会员", "订单", "物流", "设置"]
    assert {"商品", "分类", "库存"} <= set(menu["商品"])
    assert {"优惠活动", "优惠券批次", "秒杀活动", "投放入口"} <= set(menu["营销"])
    assert {"会员", "积分账户", "会员等级"} <= set(menu["会员"])
    assert "订单" in menu["订单"] and "待发货订单" in menu["物流"]
    links = [item["link"] for group in response.context["sidebar_navigation"] for item in group["items"]]
    for low_level in (
        "/admin/order/lineprice/",
        "/admin/basket/lineattribute/",
        "/admin/wishlists/",
        "/admin/payment/",
    ):
        assert not any(link.startswith(low_level) for link in links)


def test_a_staff_member_sees_only_what_they_may_open():
    clerk = StaffFactory()
    clerk.user_permissions.add(Permission.objects.get(codename="view_couponbatch"))
    response = signed_in(clerk).get("/admin/")

    assert sidebar_of(response) == {"首页": ["控制台首页"], "营销": ["优惠券批次"]}


def test_an_entry_whose_screen_is_not_there_is_left_out(monkeypatch):
    monkeypatch.setattr(
        navigation,
        "MENU",
        [
            ("营销", [("抽奖", "redeem", "giveaways.notbuiltyet"), ("问卷", "ballot", "nosuchapp.poll")]),
            ("设置", [("门店", "store", "storefront.store"), ("报表", "bar_chart", "url:admin:no_such_page")]),
        ],
    )
    response = signed_in(StaffFactory(is_superuser=True)).get("/admin/")

    assert response.status_code == 200
    assert sidebar_of(response) == {"设置": ["门店"]}


def test_each_page_of_the_superusers_menu_opens():
    client = signed_in(StaffFactory(is_superuser=True))
    links = [item["link"] for group in client.get("/admin/").context["sidebar_navigation"] for item in group["items"]]

    assert len(links) > 30
    for link in links:
        assert client.get(link, follow=True).status_code == 200, link


def test_store_staff_get_their_menu_but_not_the_shops_figures():
    from storefront.demo.roles import STORE_STAFF, sync_role_group

    clerk = StaffFactory(nickname="门店 小美")
    clerk.groups.add(sync_role_group(STORE_STAFF))
    response = signed_in(clerk).get("/admin/")

    page = response.content.decode()
    assert "你好，门店 小美" in page and "从左侧菜单开始工作" in page
    assert "成交额" not in page and "积分负债" not in page
