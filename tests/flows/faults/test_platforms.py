"""The platform times out, fails or says "busy" in the middle of a shopper's or an operator's
step: the step ends with a clear error or is retried, and nothing is lost or done twice.

Faults come from the sandbox (platforms/sandbox/faults.py): "timeout" (the transport raises
ReadTimeout), "http_500" (WeChat's proxy page, WeChat Pay's SYSTEM_ERROR) and "busy"
(WeChat errcode -1, WeChat Pay SYSTEM_ERROR)."""

import datetime as dt

import pytest
import requests
from django.utils import timezone

from logistics.models import WechatShippingUpload
from logistics.services import due_wechat_uploads, ensure_default_carriers, ship_order, upload_shipping_to_wechat
from platforms import transport
from platforms.models import NoticeLog
from platforms.sandbox import faults
from platforms.sandbox.models import ContentCheck, PayRefund, PayTrade, ShippingUpload, SubscribeMessage
from storefront.payments.models import PaymentAttempt, PaymentTransaction, Refund
from storefront.payments.refunds import start_refund, sync_open_refunds
from tests.steps import add_address, add_to_basket, notice_templates, ok, order_of, pay_wechat, place_order

pytestmark = pytest.mark.django_db

OUTAGES = ["timeout", "http_500", "busy"]


def _unavailable(response):
    assert response.status_code == 503, (response.status_code, response.content[:500])
    assert response.json()["error"]["code"] == "platform_unavailable"


@pytest.mark.parametrize("mode", OUTAGES)
def test_wechat_pay_failing_at_prepay_answers_503_and_paying_again_pays_once(story, mode):
    number = story.place_pickup_order()

    faults.set_fault("wechatpay", mode)
    _unavailable(story.shopper.post(f"/api/v1/orders/{number}/pay/", {"provider": "wechat"}, format="json"))

    # Nothing is half-made: no prepay kept by the kit, the order still waits for payment.
    assert story.status(number) == "pending_payment"
    assert not PaymentAttempt.objects.filter(order__number=number).exists()

    # The shopper taps "pay" again: one prepay at WeChat Pay, one payment.
    pay_wechat(story.api, story.shopper, number, story.committed)
    assert story.status(number) == "paid"
    assert PayTrade.objects.filter(out_trade_no=number).count() == 1
    assert PaymentTransaction.objects.filter(order__number=number).count() == 1


@pytest.mark.parametrize("mode", OUTAGES)
def test_wechat_pay_failing_at_refund_leaves_it_pending_and_the_sweep_refunds_it_once(story, mode):
    number = story.paid_pickup_order()
    order = story.order(number)

    faults.set_fault("wechatpay", mode)
    with story.committed():
        refund = start_refund(order=order, key="faults-1", reason="顾客取消")

    # The provider did not take it: the refund waits, with the reason, and no money moved.
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING
    assert refund.error.split(":")[0] in {"timeout", "http_5xx", "platform_busy"}
    assert not PayRefund.objects.exists()
    assert story.status(number) == "refunding"

    # The periodic sweep sends it again; a second sweep finds nothing left to send.
    with story.committed():
        sync_open_refunds(older_than=dt.timedelta(0))
    with story.committed():
        sync_open_refunds(older_than=dt.timedelta(0))

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCESS
    assert PayRefund.objects.count() == 1
    assert Refund.objects.filter(order=order).count() == 1
    assert story.status(number) == "refunded"

    # Operations asking for the same refund again get the same one, not a second payout.
    with story.committed():
        again = start_refund(order=order, key="faults-1", reason="顾客取消")
    assert again.pk == refund.pk and PayRefund.objects.count() == 1


@pytest.mark.parametrize("mode", OUTAGES)
def test_wechat_failing_at_the_shipping_upload_is_retried_later_and_uploaded_once(story, mode):
    ensure_default_carriers()
    add_to_basket(story.shopper, story.shop.keemun.pk, 1)
    address = add_address(story.shopper)
    body = {"address_id": address["id"], "shipping_method": "standard", "payment_method": "wechat"}
    placed, _preview, _key = place_order(story.shopper, body)
    number = placed["number"]
    pay_wechat(story.api, story.shopper, number, story.committed)
    # Shipped; the upload is the sweep's to send (the commit's own attempt is not run here).
    ship_order(order=story.order(number), carrier="ZTO", tracking_number="731234567890121")
    upload = WechatShippingUpload.objects.get(order__number=number)
    assert upload.state == WechatShippingUpload.State.PENDING and not ShippingUpload.objects.exists()

    # The first attempt meets the outage: kept pending with the reason and a later try.
    faults.set_fault("wechat", mode)
    assert due_wechat_uploads() == [upload.pk]
    upload_shipping_to_wechat(upload_id=upload.pk)
    upload.refresh_from_db()
    assert upload.state == WechatShippingUpload.State.PENDING
    assert upload.error_code in {"timeout", "http_5xx", "platform_busy"}
    assert upload.next_attempt_at > timezone.now()
    assert due_wechat_uploads() == []
    assert not ShippingUpload.objects.exists()
    assert story.status(number) == "shipped"  # the parcel left; only WeChat's copy waits

    # At its next attempt it is uploaded, and a later sweep sends nothing more.
    for later in (upload.next_attempt_at + dt.timedelta(seconds=1), upload.next_attempt_at + dt.timedelta(hours=1)):
        for upload_id in due_wechat_uploads(now=later):
            upload_shipping_to_wechat(upload_id=upload_id, now=later)

    upload.refresh_from_db()
    assert (upload.state, upload.attempts, upload.error_code) == (WechatShippingUpload.State.UPLOADED, 2, "")
    assert ShippingUpload.objects.count() == 1


@pytest.mark.parametrize("mode", OUTAGES)
def test_the_content_check_failing_answers_503_and_keeps_the_old_nickname(story, mode):
    before = ok(story.shopper.get("/api/v1/me/"))["nickname"]

    faults.set_fault("wechat", mode)
    _unavailable(story.shopper.patch("/api/v1/me/", {"nickname": "爱喝茶的猫"}, format="json"))
    assert ok(story.shopper.get("/api/v1/me/"))["nickname"] == before

    # Saved on the next try, checked once.
    assert ok(story.shopper.patch("/api/v1/me/", {"nickname": "爱喝茶的猫"}, format="json"))["nickname"] == "爱喝茶的猫"
    assert ContentCheck.objects.filter(openid=story.openid).count() == 1


def _grant_paid_notice(story):
    (paid, *_others) = notice_templates("wechat")
    ok(
        story.shopper.post(
            "/api/v1/notifications/grants/",
            {"platform": "wechat", "accepted": [paid.template_id], "rejected": []},
            format="json",
        )
    )
    return paid


@pytest.mark.parametrize("mode", OUTAGES)
def test_wechat_failing_once_at_a_notice_is_retried_and_the_notice_sent_once(story, mode, as_a_worker):
    template = _grant_paid_notice(story)
    number = story.place_pickup_order()

    faults.set_fault("wechat", mode)
    pay_wechat(story.api, story.shopper, number, story.committed)

    log = NoticeLog.objects.get(event="order_paid")
    assert (log.status, log.attempts) == (NoticeLog.Status.SENT, 2)
    assert SubscribeMessage.objects.filter(touser=story.openid, template_id=template.template_id).count() == 1


def test_a_wechat_outage_longer_than_the_retries_ends_the_notice_as_failed_with_its_reason(story, as_a_worker):
    _grant_paid_notice(story)
    number = story.place_pickup_order()

    faults.set_fault("wechat", "busy", times=None)
    pay_wechat(story.api, story.shopper, number, story.committed)
    faults.clear_faults()

    # The payment is not held back by the notice; the notice stops after its attempts.
    assert order_of(story.shopper, number)["status"] == "paid"
    log = NoticeLog.objects.get(event="order_paid")
    assert log.status == NoticeLog.Status.FAILED
    assert log.attempts == 5 and log.error_code
    assert not SubscribeMessage.objects.exists()


def test_a_prepay_made_at_wechat_pay_but_answered_too_late_is_reused_when_the_shopper_pays_again(story, monkeypatch):
    """WeChat Pay created the prepay, but its answer came after the kit's timeout: paying again
    sends the same out_trade_no, WeChat Pay answers the same prepay, and there is one trade."""
    number = story.place_pickup_order()
    real_send = transport.InProcessAdapter.send
    late = []

    def answered_too_late(adapter, request, **kwargs):
        response = real_send(adapter, request, **kwargs)
        if request.url.endswith("/v3/pay/transactions/jsapi") and not late:
            late.append(request.url)
            raise requests.exceptions.ReadTimeout("read timed out", request=request)
        return response

    monkeypatch.setattr(transport.InProcessAdapter, "send", answered_too_late)
    _unavailable(story.shopper.post(f"/api/v1/orders/{number}/pay/", {"provider": "wechat"}, format="json"))
    assert late and PayTrade.objects.filter(out_trade_no=number).count() == 1  # made at WeChat Pay

    pay_wechat(story.api, story.shopper, number, story.committed)
    assert story.status(number) == "paid"
    assert PayTrade.objects.filter(out_trade_no=number).count() == 1
    assert PaymentTransaction.objects.filter(order__number=number).count() == 1
