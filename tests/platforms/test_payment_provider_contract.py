"""The contract of `PaymentProvider`: one set of tests that every provider passes.

Each test runs for "wechat" and "alipay", the production adapters against the in-process
sandbox, and asserts only through the interface of platforms.base (Prepay, TradeState,
RefundState, PaymentNotification, InvalidNotification). What differs per platform is only
how the test plays the payer and the platform: the `Sandbox` drivers below, never an assertion.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from django.conf import settings
from django.utils import timezone

from platforms.base import (
    InvalidNotification,
    PaymentNotification,
    PlatformError,
    PlatformUnavailable,
    Prepay,
    RefundState,
    TradeState,
    get_payment_provider,
)
from platforms.sandbox import faults
from platforms.sandbox.models import Delivery

pytestmark = pytest.mark.django_db

NOTIFY_URL = settings.SITE_URL + "/test-only/payment-notify/"  # no view: the deliveries are read back
ORDER = "C20261125001"
AMOUNT = Decimal("128.05")
NEVER_SEEN = "C20261125999"


# --- how a test plays the payer and the platform, per sandbox -------------------------------------
def _tamper_wechatpay_amount(headers: dict, body: bytes) -> tuple[dict, bytes]:
    """The same notification with its amount lowered to 0.01, re-encrypted, under the original signature."""
    from wechatpayv3.utils import aes_decrypt

    from platforms.sandbox.wechat_keys import sandbox_keys
    from platforms.sandbox.wechatpay_views import notification_body

    envelope = json.loads(body)
    resource = envelope["resource"]
    plain = json.loads(
        aes_decrypt(
            nonce=resource["nonce"],
            ciphertext=resource["ciphertext"],
            associated_data=resource["associated_data"],
            apiv3_key=sandbox_keys().apiv3_key,
        )
    )
    plain["amount"].update(total=1, payer_total=1)
    return headers, notification_body(envelope["event_type"], plain).encode()


def _tamper_alipay_amount(headers: dict, body: bytes) -> tuple[dict, bytes]:
    """The same notification with its amount lowered to 0.01, under the original signature."""
    form = dict(parse_qsl(body.decode(), keep_blank_values=True))
    form["total_amount"] = "0.01"
    return headers, urlencode(form).encode()


def _unsign_wechatpay(headers: dict, body: bytes) -> tuple[dict, bytes]:
    """WeChat Pay signs in the Wechatpay-* headers: the same body without them."""
    return {k: v for k, v in headers.items() if not k.lower().startswith("wechatpay-")}, body


def _unsign_alipay(headers: dict, body: bytes) -> tuple[dict, bytes]:
    """Alipay signs in the form: the same form without sign and sign_type."""
    form = dict(parse_qsl(body.decode(), keep_blank_values=True))
    return headers, urlencode({k: v for k, v in form.items() if k not in ("sign", "sign_type")}).encode()


@dataclass(frozen=True)
class Sandbox:
    name: str  # the provider's name for get_payment_provider
    payer_id: str  # what the provider knows the payer by (openid, Alipay user id)
    complete_url: str  # the sandbox control that stands in for the payer's phone
    reference_field: str  # how that control names the prepay's reference
    transaction_field: str  # where its answer carries the provider's transaction id
    platform: str  # the sandbox's name of the platform, for its faults and deliveries
    id_settings: tuple[str, str]  # the settings with our app id and merchant id
    tamper_amount: Callable[[dict, bytes], tuple[dict, bytes]]
    unsign: Callable[[dict, bytes], tuple[dict, bytes]]

    @property
    def ids(self) -> tuple[str, str]:
        return getattr(settings, self.id_settings[0]), getattr(settings, self.id_settings[1])

    def pay(self, client, prepay: Prepay, *, result: str = "success") -> dict:
        """The payer pays (or fails) in the cashier; the answer of the sandbox's control."""
        answer = client.post(
            self.complete_url,
            {**prepay.client_params, self.reference_field: prepay.reference, "result": result},
            content_type="application/json",
        )
        assert answer.status_code == 200, answer.content
        return answer.json()

    def last_notification(self) -> tuple[dict, bytes]:
        sent = Delivery.objects.filter(platform=self.platform).order_by("-id").first()
        assert sent is not None, f"the {self.platform} sandbox sent no notification"
        return sent.headers, sent.body.encode()


SANDBOXES = {
    "wechat": Sandbox(
        name="wechat",
        payer_id="o_contract_payer",
        complete_url="/sandbox/wechatpay/complete/",
        reference_field="prepay_id",
        transaction_field="transaction_id",
        platform="wechatpay",
        id_settings=("WECHAT_APP_ID", "WECHATPAY_MCH_ID"),
        tamper_amount=_tamper_wechatpay_amount,
        unsign=_unsign_wechatpay,
    ),
    "alipay": Sandbox(
        name="alipay",
        payer_id="2088000011112222",
        complete_url="/sandbox/alipay/complete/",
        reference_field="trade_no",
        transaction_field="trade_no",
        platform="alipay",
        id_settings=("ALIPAY_APP_ID", "ALIPAY_SELLER_ID"),
        tamper_amount=_tamper_alipay_amount,
        unsign=_unsign_alipay,
    ),
}


@pytest.fixture(params=sorted(SANDBOXES))
def sandbox(request):
    faults.clear_faults()
    yield SANDBOXES[request.param]
    faults.clear_faults()


@pytest.fixture
def provider(sandbox, db):
    return get_payment_provider(sandbox.name)


def prepay(provider, sandbox, number=ORDER, amount=AMOUNT, *, expires_at=None) -> Prepay:
    return provider.prepay(
        out_trade_no=number,
        amount=amount,
        description="明前龙井 250g",
        payer_id=sandbox.payer_id,
        expires_at=expires_at or timezone.now() + dt.timedelta(minutes=30),
        notify_url=NOTIFY_URL,
    )


def paid(provider, sandbox, client, number=ORDER, amount=AMOUNT) -> str:
    """A prepay the payer has paid; the sandbox's transaction id of the payment."""
    answer = sandbox.pay(client, prepay(provider, sandbox, number, amount))
    return answer[sandbox.transaction_field]


def assert_yuan(value, expected: Decimal) -> None:
    assert isinstance(value, Decimal) and value == expected and value.as_tuple().exponent == -2


# --- prepay ------------------------------------------------------------------------------------------------
def test_the_provider_is_the_one_asked_for(provider, sandbox):
    assert provider.name == sandbox.name


def test_prepay_answers_the_reference_and_the_client_params_that_carry_it(provider, sandbox):
    expires_at = timezone.now() + dt.timedelta(minutes=30)
    result = prepay(provider, sandbox, expires_at=expires_at)
    assert isinstance(result, Prepay)
    assert (result.provider, result.out_trade_no, result.expires_at) == (sandbox.name, ORDER, expires_at)
    assert isinstance(result.reference, str) and result.reference
    assert isinstance(result.client_params, dict) and result.client_params
    # The mini program's pay call names the prepay: the reference is in what it is given.
    assert any(result.reference in str(value) for value in result.client_params.values())


def test_prepay_twice_for_one_order_answers_the_same_reference(provider, sandbox):
    assert prepay(provider, sandbox).reference == prepay(provider, sandbox).reference


# --- query -------------------------------------------------------------------------------------------------
def test_a_prepay_not_paid_yet_is_not_paid(provider, sandbox):
    prepay(provider, sandbox)
    state = provider.query(ORDER)
    assert isinstance(state, TradeState)
    assert (state.provider, state.out_trade_no, state.state) == (sandbox.name, ORDER, "not_paid")
    assert not state.is_paid


def test_a_payer_who_fails_to_pay_leaves_it_not_paid(provider, sandbox, client):
    sandbox.pay(client, prepay(provider, sandbox), result="fail")
    state = provider.query(ORDER)
    assert state.state == "not_paid" and not state.is_paid


def test_a_paid_trade_is_paid_with_amount_ids_and_payer(provider, sandbox, client):
    transaction_id = paid(provider, sandbox, client)
    state = provider.query(ORDER)
    assert state.state == "paid" and state.is_paid
    assert (state.provider, state.out_trade_no) == (sandbox.name, ORDER)
    assert_yuan(state.amount, AMOUNT)
    assert state.currency == "CNY"
    assert transaction_id and state.transaction_id == transaction_id
    assert (state.app_id, state.merchant_id) == sandbox.ids
    assert state.payer_id == sandbox.payer_id
    assert state.paid_at is not None and timezone.is_aware(state.paid_at)
    assert abs(state.paid_at - timezone.now()) < dt.timedelta(minutes=2)


def test_a_trade_the_provider_never_saw_is_not_found_and_not_paid(provider, sandbox):
    """The one answer for "no such trade" whatever the provider: WeChat Pay's 404 ORDER_NOT_EXIST
    and Alipay's ACQ.TRADE_NOT_EXIST both read "not_found"."""
    state = provider.query(NEVER_SEEN)
    assert (state.provider, state.out_trade_no, state.state) == (sandbox.name, NEVER_SEEN, "not_found")
    assert not state.is_paid
    assert state.transaction_id == "" and state.amount is None


def test_not_found_is_only_for_the_trade_asked_about(provider, sandbox, client):
    paid(provider, sandbox, client)
    assert provider.query(NEVER_SEEN).state == "not_found"
    assert provider.query(ORDER).state == "paid"


def test_a_provider_that_cannot_answer_is_unavailable_not_not_found(provider, sandbox):
    faults.set_fault(sandbox.platform, "timeout")
    with pytest.raises(PlatformUnavailable):
        provider.query(NEVER_SEEN)
    assert provider.query(NEVER_SEEN).state == "not_found"


# --- close -------------------------------------------------------------------------------------------------
def test_close_of_an_unpaid_trade_leaves_it_closed_and_not_paid(provider, sandbox):
    prepay(provider, sandbox)
    assert provider.close(ORDER) is None
    state = provider.query(ORDER)
    assert state.state == "closed" and not state.is_paid


def test_close_of_a_trade_the_provider_never_saw_is_fine(provider, sandbox):
    provider.close(NEVER_SEEN)
    assert provider.query(NEVER_SEEN).state == "not_found"


def test_close_of_a_paid_trade_is_refused_and_it_stays_paid(provider, sandbox, client):
    paid(provider, sandbox, client)
    with pytest.raises(PlatformError) as caught:
        provider.close(ORDER)
    assert not isinstance(caught.value, PlatformUnavailable) and not caught.value.retryable
    assert provider.query(ORDER).is_paid


# --- refunds -----------------------------------------------------------------------------------------------
def test_a_refund_reaches_success_with_its_amount(provider, sandbox, client, django_capture_on_commit_callbacks):
    paid(provider, sandbox, client)
    with django_capture_on_commit_callbacks(execute=True):  # the provider settles it after answering
        started = provider.refund(
            out_trade_no=ORDER,
            out_refund_no="CR1",
            amount=Decimal("28.00"),
            total=AMOUNT,
            reason="少发一包",
            notify_url=NOTIFY_URL,
        )
    assert isinstance(started, RefundState)
    assert (started.provider, started.out_trade_no, started.out_refund_no) == (sandbox.name, ORDER, "CR1")
    assert started.state in ("processing", "success")
    assert_yuan(started.amount, Decimal("28.00"))

    settled = provider.query_refund(out_trade_no=ORDER, out_refund_no="CR1")
    assert (settled.provider, settled.out_trade_no, settled.out_refund_no) == (sandbox.name, ORDER, "CR1")
    assert settled.state == "success"
    assert_yuan(settled.amount, Decimal("28.00"))


def test_the_refund_notification_names_the_refund_and_its_amount(
    provider, sandbox, client, django_capture_on_commit_callbacks
):
    paid(provider, sandbox, client)
    with django_capture_on_commit_callbacks(execute=True):
        provider.refund(
            out_trade_no=ORDER, out_refund_no="CR1", amount=Decimal("28.00"), total=AMOUNT, notify_url=NOTIFY_URL
        )
    headers, body = sandbox.last_notification()
    note = provider.parse_notification(headers=headers, body=body)
    assert note.kind == "refund" and note.refund is not None
    assert (note.refund.out_trade_no, note.refund.out_refund_no, note.refund.state) == (ORDER, "CR1", "success")
    assert_yuan(note.refund.amount, Decimal("28.00"))


def test_refunding_more_than_was_paid_is_refused(provider, sandbox, client):
    paid(provider, sandbox, client)
    with pytest.raises(PlatformError) as caught:
        provider.refund(out_trade_no=ORDER, out_refund_no="CR1", amount=AMOUNT + Decimal("0.01"), total=AMOUNT)
    assert not isinstance(caught.value, PlatformUnavailable)


# --- notifications ----------------------------------------------------------------------------------------
def test_the_payment_notification_verifies_and_says_paid(provider, sandbox, client):
    transaction_id = paid(provider, sandbox, client)
    headers, body = sandbox.last_notification()
    note = provider.parse_notification(headers=headers, body=body)
    assert isinstance(note, PaymentNotification)
    assert note.provider == sandbox.name and note.kind == "payment" and note.notification_id
    trade = note.trade
    assert trade is not None and trade.state == "paid" and trade.is_paid
    assert (trade.out_trade_no, trade.transaction_id) == (ORDER, transaction_id)
    assert_yuan(trade.amount, AMOUNT)
    assert (trade.app_id, trade.merchant_id) == sandbox.ids


def test_a_notification_with_a_tampered_amount_is_refused(provider, sandbox, client):
    paid(provider, sandbox, client)
    headers, body = sandbox.last_notification()
    assert provider.parse_notification(headers=headers, body=body).trade.is_paid  # the genuine one passes
    forged_headers, forged_body = sandbox.tamper_amount(headers, body)
    assert forged_body != body
    with pytest.raises(InvalidNotification):
        provider.parse_notification(headers=forged_headers, body=forged_body)


def test_a_notification_signed_with_another_key_is_refused(provider, sandbox, client):
    payment = prepay(provider, sandbox)
    faults.set_fault(sandbox.platform, "wrong_signature")
    sandbox.pay(client, payment)
    headers, body = sandbox.last_notification()
    with pytest.raises(InvalidNotification):
        provider.parse_notification(headers=headers, body=body)


def test_a_notification_without_a_signature_is_refused(provider, sandbox, client):
    paid(provider, sandbox, client)
    headers, body = sandbox.last_notification()
    bare_headers, bare_body = sandbox.unsign(headers, body)
    assert (bare_headers, bare_body) != (headers, body)
    with pytest.raises(InvalidNotification):
        provider.parse_notification(headers=bare_headers, body=bare_body)


def test_acknowledgements_stop_retries_only_on_success(provider):
    assert 200 <= provider.acknowledge(ok=True).status_code < 300
    assert provider.acknowledge(ok=False, message="金额不符").status_code >= 400
