"""A shopper pays an order: POST orders/{number}/pay/."""

import datetime as dt

import pytest
from django.utils import timezone

from storefront.payments.models import PaymentAttempt
from tests.conftest import client_for
from tests.factories import MemberFactory, member_with_identity, pending_order

pytestmark = pytest.mark.django_db


def pay(client, order, provider="wechat"):
    return client.post(f"/api/v1/orders/{order.number}/pay/", {"provider": provider}, format="json")


def test_wechat_pay_answers_the_params_for_wx_request_payment(providers):
    member = member_with_identity("wechat")
    order = pending_order(user=member)

    response = pay(client_for(member), order)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["provider"] == "wechat"
    assert set(body["params"]) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert body["params"]["package"].startswith("prepay_id=")
    assert providers["wechat"].calls_of("prepay") == [
        ("prepay", order.number, order.total_incl_tax, f"wechat-{member.pk}")
    ]


def test_alipay_pay_answers_the_trade_no_for_my_trade_pay(providers):
    member = member_with_identity("alipay")
    order = pending_order(user=member, method="alipay")

    response = pay(client_for(member), order, "alipay")

    assert response.status_code == 200, response.json()
    assert response.json()["trade_no"].startswith("prepay-")
    assert "params" not in response.json()


def test_paying_again_reuses_the_prepay_while_it_is_valid(providers):
    member = member_with_identity("wechat")
    order = pending_order(user=member)
    client = client_for(member)

    first = pay(client, order).json()
    second = pay(client, order).json()

    assert first == second
    assert len(providers["wechat"].calls_of("prepay")) == 1


def test_an_expired_prepay_is_replaced(providers):
    member = member_with_identity("wechat")
    order = pending_order(user=member)
    client = client_for(member)
    pay(client, order)
    PaymentAttempt.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    pay(client, order)

    assert len(providers["wechat"].calls_of("prepay")) == 2
    assert PaymentAttempt.objects.count() == 1


def test_another_shoppers_order_is_not_found(providers):
    owner = member_with_identity("wechat")
    order = pending_order(user=owner)
    stranger = member_with_identity("wechat")

    response = pay(client_for(stranger), order)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "order_not_found"
    assert providers["wechat"].calls == []


def test_an_order_not_waiting_for_payment_is_refused(providers):
    member = member_with_identity("wechat")
    order = pending_order(user=member)
    from storefront.orders.status import change_order_status

    change_order_status(order, "cancelled", actor="test", reason="cancelled before paying")

    response = pay(client_for(member), order)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_order_state"


def test_an_order_past_its_pay_before_time_is_refused(providers):
    member = member_with_identity("wechat")
    order = pending_order(user=member, pay_before=timezone.now() - dt.timedelta(minutes=1))

    response = pay(client_for(member), order)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "payment_expired"
    assert providers["wechat"].calls == []


def test_a_member_without_an_identity_on_the_platform_is_refused(providers):
    member = member_with_identity("wechat")
    order = pending_order(user=member)

    response = pay(client_for(member), order, "alipay")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_platform_identity"


def test_a_member_with_no_identity_at_all_is_refused(providers):
    member = MemberFactory()
    order = pending_order(user=member)

    assert pay(client_for(member), order).json()["error"]["code"] == "no_platform_identity"


def test_provider_down_answers_503_and_leaves_the_order_untouched(providers):
    member = member_with_identity("wechat")
    order = pending_order(user=member)
    providers["wechat"].down = True

    response = pay(client_for(member), order)

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "platform_unavailable"
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert not PaymentAttempt.objects.exists()


def test_an_unknown_provider_is_invalid_input(providers):
    member = member_with_identity("wechat")
    order = pending_order(user=member)

    response = pay(client_for(member), order, "paypal")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["provider"]


def test_paying_needs_a_token(api, providers):
    member = member_with_identity("wechat")
    order = pending_order(user=member)

    assert pay(api, order).status_code == 401


def test_paying_again_costs_a_handful_of_queries_and_no_provider_call(providers, django_assert_max_num_queries):
    member = member_with_identity("wechat")
    order = pending_order(user=member)
    client = client_for(member)
    pay(client, order)

    with django_assert_max_num_queries(5):
        assert pay(client, order).status_code == 200
    assert len(providers["wechat"].calls_of("prepay")) == 1
