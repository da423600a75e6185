"""Races on the Alipay sandbox through the real adapters: a login code works once, one
order gets one trade, and a refund repeated at the same moment refunds once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from platforms.base import InvalidCode
from platforms.sandbox.alipay_gateway import issue_login_code
from platforms.sandbox.alipay_models import AlipayRefund, AlipayTrade
from platforms.sandbox.alipay_notify import pay_trade
from tests.concurrency import run_concurrently
from tests.platforms.alipay.conftest import NOTIFY_URL

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_one_login_code_used_five_times_at_once_logs_in_once(miniprogram):
    code = issue_login_code().code
    results = run_concurrently(lambda i: miniprogram.login(code), times=5)
    assert results.count_ok == 1
    assert len(results.errors_of(InvalidCode)) == 4


def test_the_same_prepay_sent_five_times_at_once_makes_one_trade(pay):
    def prepay(i):
        return pay.prepay(
            out_trade_no="A20261125001",
            amount=Decimal("12.50"),
            description="tea",
            payer_id="2088000011112222",
            expires_at=timezone.now() + dt.timedelta(minutes=30),
            notify_url=NOTIFY_URL,
        ).reference

    results = run_concurrently(prepay, times=5)
    assert results.errors == []
    assert len(set(results.values)) == 1
    assert AlipayTrade.objects.count() == 1


def test_the_same_refund_sent_five_times_at_once_refunds_once(pay):
    trade_no = pay.prepay(
        out_trade_no="A20261125001",
        amount=Decimal("12.50"),
        description="tea",
        payer_id="2088000011112222",
        expires_at=timezone.now() + dt.timedelta(minutes=30),
        notify_url="",
    ).reference
    pay_trade(trade_no)
    results = run_concurrently(
        lambda i: pay.refund(
            out_trade_no="A20261125001", out_refund_no="R1", amount=Decimal("5.00"), total=Decimal("12.50")
        ),
        times=5,
    )
    assert results.errors == []
    assert AlipayRefund.objects.count() == 1
    assert AlipayTrade.objects.get().refunded_amount == Decimal("5.00")
