"""A small tea shop and the steps a shopper takes in it, all through the HTTP API and the
sandbox's control endpoints, as the mini program and the platforms would do them."""

import itertools
import uuid
from dataclasses import dataclass

from rest_framework.test import APIClient

from platforms.models import NoticeTemplate
from tests.factories import StoreFactory, StoreHoursFactory, catalog

_phones = itertools.count(13900000001)

NOTICE_EVENTS = ("order_paid", "order_shipped", "order_delivered")


@dataclass
class Shop:
    green: object  # category 绿茶
    black: object  # category 红茶
    longjing: object  # parent with two SKUs
    keemun: object  # standalone product, its own SKU
    store: object  # offline store offering pickup

    @property
    def skus(self):
        return list(self.longjing.children.order_by("pk"))


def tea_shop(*, stock=20):
    tea = catalog.category("茶")
    green, black = catalog.category("绿茶", tea), catalog.category("红茶", tea)
    longjing = catalog.with_skus(
        "明前龙井",
        [{"weight": "50g", "price": "68.00", "stock": stock}, {"weight": "100g", "price": "128.00", "stock": stock}],
        categories=[green],
        keywords="龙井 西湖",
    )
    keemun = catalog.standalone("祁门红茶", price="45.50", num_in_stock=stock, categories=[black])
    store = StoreFactory(offers_pickup=True)
    for weekday in range(7):
        StoreHoursFactory(store=store, weekday=weekday, opens="00:00", closes="23:59")
    return Shop(green=green, black=black, longjing=longjing, keemun=keemun, store=store)


def notice_templates(platform="wechat"):
    return [
        NoticeTemplate.objects.create(
            platform=platform,
            event=event,
            template_id=f"tpl-{platform}-{event}",
            field_map={"character_string1": "{order_number}"},
            page="pages/order/detail?number={order_number}",
        )
        for event in NOTICE_EVENTS
    ]


def new_phone() -> str:
    return str(next(_phones))


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return response.json() if response.content else None


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def wechat_login(platform_side: APIClient, *, openid=None, phone=None):
    """wx.login in the sandbox, then auth/wechat/: (shopper's client, openid, login answer)."""
    body = {key: value for key, value in {"openid": openid, "phone": phone}.items() if value}
    issued = ok(platform_side.post("/sandbox/wechat/login-code/", body, format="json"))
    login = ok(APIClient().post("/api/v1/auth/wechat/", {"code": issued["code"]}, format="json"))
    return bearer(login["token"]), issued["openid"], login


def alipay_login(platform_side: APIClient, *, user_id=None, phone=None):
    """my.getAuthCode in the sandbox, then auth/alipay/: (shopper's client, user id, login answer)."""
    body = {key: value for key, value in {"user_id": user_id, "phone": phone}.items() if value}
    issued = ok(platform_side.post("/sandbox/alipay/login-code/", body, format="json"))
    login = ok(APIClient().post("/api/v1/auth/alipay/", {"code": issued["code"]}, format="json"))
    return bearer(login["token"]), issued["user_id"], login


def bind_wechat_phone(platform_side, shopper, openid, phone):
    code = ok(platform_side.post("/sandbox/wechat/phone-code/", {"openid": openid, "phone": phone}, format="json"))
    return ok(shopper.post("/api/v1/me/phone/", {"code": code["code"]}, format="json"))


def bind_alipay_phone(platform_side, shopper, user_id, phone):
    answer = ok(
        platform_side.post("/sandbox/alipay/phone-response/", {"user_id": user_id, "phone": phone}, format="json")
    )
    return ok(shopper.post("/api/v1/me/phone/", {"response": answer["response"]}, format="json"))


def add_address(shopper, **fields):
    body = {
        "name": "李四",
        "phone": "13800138000",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "龙井路1号",
        "postcode": "310013",
        "is_default": True,
        **fields,
    }
    return ok(shopper.post("/api/v1/me/addresses/", body, format="json"), 201)


def add_to_basket(shopper, sku_id, quantity=1):
    return ok(shopper.post("/api/v1/basket/lines/", {"sku": sku_id, "quantity": quantity}, format="json"), 201)


def place_order(shopper, body, *, key=None):
    """Preview, then place with an Idempotency-Key: (order answer, preview, key)."""
    preview = ok(shopper.post("/api/v1/checkout/preview/", body, format="json"))
    key = key or uuid.uuid4().hex
    placed = ok(shopper.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY=key), 201)
    return placed, preview, key


def pay_wechat(platform_side, shopper, number, committed, result="success"):
    pay = ok(shopper.post(f"/api/v1/orders/{number}/pay/", {"provider": "wechat"}, format="json"))
    with committed():
        # What the mini program hands wx.requestPayment: the sandbox checks its paySign.
        done = ok(
            platform_side.post("/sandbox/wechatpay/complete/", {**pay["params"], "result": result}, format="json")
        )
    return pay, done


def pay_alipay(platform_side, shopper, number, committed, result="success"):
    pay = ok(shopper.post(f"/api/v1/orders/{number}/pay/", {"provider": "alipay"}, format="json"))
    with committed():
        done = ok(
            platform_side.post(
                "/sandbox/alipay/complete/", {"trade_no": pay["trade_no"], "result": result}, format="json"
            )
        )
    return pay, done


def order_of(shopper, number):
    return ok(shopper.get(f"/api/v1/orders/{number}/"))
