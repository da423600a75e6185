"""The audit log: a marketer lowers a SKU's price in the console and the stock record's
history page says who did it, when (Beijing time) and from what to what; a member's points
account shows the manual adjustments; a sale through the shopper API writes no audit entry."""

import re

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from console import audit
from loyalty.services import adjust_points
from tests.factories import MemberFactory, StaffFactory, sku, stock_of

pytestmark = pytest.mark.django_db


def form_data(response) -> dict:
    """What the browser would post back from an admin change form, unchanged."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        data[name] = value
    return data


def marketer() -> Client:
    staff = StaffFactory(nickname="市场 小林")
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_stockrecord", "change_stockrecord"]))
    client = Client()
    client.force_login(staff)
    return client


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_price_change_in_the_console_is_on_the_stock_records_history_page():
    record = stock_of(sku(price="100.00", stock=20))
    client = marketer()
    page = client.get(f"/admin/partner/stockrecord/{record.pk}/change/")
    data = {**form_data(page), "price": "88.00", "num_in_stock": "15"}

    saved = client.post(f"/admin/partner/stockrecord/{record.pk}/change/", data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved

    history = client.get(f"/admin/partner/stockrecord/{record.pk}/history/")
    assert history.status_code == 200
    text = text_of(history)
    assert "修改记录（审计日志）" in text
    assert "市场 小林" in text
    assert "100.00 → 88.00" in text and "20 → 15" in text
    entry = LogEntry.objects.get_for_object(record).get(action=LogEntry.Action.UPDATE)
    # The time shown is Beijing time, to the second.
    assert timezone.localtime(entry.timestamp).strftime("%Y-%m-%d %H:%M:%S") in text


def test_a_manual_points_adjustment_is_on_the_accounts_history_page():
    member = MemberFactory()
    boss = StaffFactory(nickname="店长 老王", is_superuser=True)
    entry = adjust_points(member=member, points=300, reason="开业老顾客积分补录", staff=boss)
    client = Client()
    client.force_login(boss)

    history = client.get(f"/admin/loyalty/account/{entry.account_id}/history/")

    assert history.status_code == 200
    text = text_of(history)
    assert "人工调整积分" in text and "店长 老王" in text and "+300（开业老顾客积分补录）" in text


def test_changes_outside_the_console_write_no_audit_entry_and_the_consoles_name_the_staff():
    record = stock_of(sku(price="100.00", stock=20))
    staff = StaffFactory(nickname="运营 小周")

    def sell_one(request):
        record.num_in_stock -= 1
        record.save()
        return HttpResponse("ok")

    middleware = audit.AuditMiddleware(sell_one)
    api_request = RequestFactory().post("/api/v1/orders/")
    api_request.user = MemberFactory()
    middleware(api_request)
    assert not LogEntry.objects.get_for_object(record).exists()

    console_request = RequestFactory().post(f"/admin/partner/stockrecord/{record.pk}/change/")
    console_request.user = staff
    middleware(console_request)
    assert LogEntry.objects.get_for_object(record).get().actor == staff


def test_the_named_models_are_audited_when_their_app_is_installed():
    from auditlog.registry import auditlog

    labels = {model._meta.label for model in audit.audited_models()}
    assert {
        "partner.StockRecord",
        "catalogue.Product",
        "offer.ConditionalOffer",
        "offer.Benefit",
        "offer.Condition",
        "offer.Range",
        "offers.CouponBatch",
        "flashsales.FlashSale",
        "campaigns.EntryPoint",
        "loyalty.Rules",
        "loyalty.Tier",
        "loyalty.BonusRule",
        "loyalty.Promotion",
        "loyalty.CheckInReward",
    } <= labels
    assert all(auditlog.contains(model) for model in audit.audited_models())
