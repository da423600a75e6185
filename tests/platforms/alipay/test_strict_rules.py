"""The Alipay sandbox refuses what Alipay refuses, with Alipay's own codes, and the kit never
sends it: refunds that only settle later (fund_change=N) and repeated refund requests, the
GBK-named bill zips, trade.create's field rules and time_expire, refund notifications that
carry only the cumulative refund_fee, no bill before 09:00 the next day, and qrcode.create's
required fields.

Each rule has two sides: a raw, correctly signed request straight to the sandbox's gateway
(the adapter's own checks bypassed) gets the platform's code, and the production adapter
formats or refuses the value before any call is made."""

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from django.utils import timezone
from freezegun import freeze_time

from platforms.alipay.pay import entry_name, parse_bill
from platforms.base import PlatformError
from platforms.sandbox import delivery, faults
from platforms.sandbox.alipay_gateway import notification_content, rsa2_sign
from platforms.sandbox.alipay_models import AlipayRefund, AlipayTrade
from platforms.sandbox.alipay_notify import TradeStateError, pay_trade, settle_refunds
from platforms.sandbox.alipay_views import bill_csv, bill_summary_csv, bill_zip
from platforms.sandbox.models import Delivery
from tests.platforms.alipay.conftest import NOTIFY_URL

BUYER = "2088000011112222"
ORDER = "A20261125001"
BEIJING = dt.timezone(dt.timedelta(hours=8))


def beijing(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BEIJING)


def raw_call(client, pay, method: str, biz: dict, **params) -> dict:
    """A correctly signed gateway request built by hand (the adapter's checks bypassed): the
    body Alipay answers under "<method>_response"."""
    data = pay.client.build_body(method, dict(biz), **params)
    answer = client.get("/sandbox/alipay/gateway.do?" + pay.client.sign_data(data))
    assert answer.status_code == 200
    return answer.json()[method.replace(".", "_") + "_response"]


def create_biz(**changes) -> dict:
    biz = {
        "out_trade_no": ORDER,
        "total_amount": "12.50",
        "subject": "Longjing 250 g",
        "product_code": "JSAPI_PAY",
        "buyer_id": BUYER,
        "time_expire": timezone.localtime(timezone.now() + dt.timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S"),
    }
    return {k: v for k, v in {**biz, **changes}.items() if v is not None}


def prepay(pay, out_trade_no=ORDER, amount="12.50", description="Longjing 250 g", minutes=30):
    return pay.prepay(
        out_trade_no=out_trade_no,
        amount=Decimal(amount),
        description=description,
        payer_id=BUYER,
        expires_at=timezone.now() + dt.timedelta(minutes=minutes),
        notify_url=NOTIFY_URL,
    )


def paid_trade(pay, amount="12.50"):
    result = prepay(pay, amount=amount)
    pay_trade(result.reference)
    return result


@pytest.fixture
def calls(pay, monkeypatch):
    """The gateway methods the adapter called (its one `call` wrapped)."""
    sent = []
    original = pay.client.call

    def spy(method, biz_content=None, **params):
        sent.append((method, dict(biz_content or {})))
        return original(method, biz_content, **params)

    monkeypatch.setattr(pay.client, "call", spy)
    return sent


def refund(pay, out_refund_no="R1", amount="2.50", total="12.50"):
    return pay.refund(out_trade_no=ORDER, out_refund_no=out_refund_no, amount=Decimal(amount), total=Decimal(total))


# --- 3. refunds: fund_change, pending refunds and repeated requests ----------------------------------------------
def test_the_sandbox_answers_fund_change_n_for_a_pending_refund_and_shows_it_only_once_settled(client, pay):
    paid_trade(pay)
    faults.set_fault("alipay", "refund_pending")
    biz = {"out_trade_no": ORDER, "refund_amount": "2.50", "out_request_no": "R1"}
    answer = raw_call(client, pay, "alipay.trade.refund", biz)
    assert (answer["code"], answer["fund_change"], answer["send_back_fee"]) == ("10000", "N", "0.00")
    assert AlipayRefund.objects.get().settled_at is None
    assert not Delivery.objects.filter(event_type__startswith="refund").exists()  # no money moved, no notice

    query = {"out_trade_no": ORDER, "out_request_no": "R1"}
    pending = raw_call(client, pay, "alipay.trade.fastpay.refund.query", query)
    assert pending["code"] == "10000" and "refund_status" not in pending and "refund_amount" not in pending

    assert [r.out_request_no for r in settle_refunds(trade_no=AlipayTrade.objects.get().trade_no)] == ["R1"]
    settled = raw_call(client, pay, "alipay.trade.fastpay.refund.query", query)
    assert (settled["refund_status"], settled["refund_amount"]) == ("REFUND_SUCCESS", "2.50")
    assert Delivery.objects.filter(event_type__startswith="refund").count() == 1


def test_the_settle_control_endpoint_settles_pending_refunds(api, pay):
    paid_trade(pay)
    faults.set_fault("alipay", "refund_pending")
    refund(pay)
    answer = api.post("/sandbox/alipay/refunds/settle/", {"out_request_no": "R1"}, format="json")
    assert answer.status_code == 200 and answer.json() == {"settled": ["R1"]}
    assert pay.query_refund(out_trade_no=ORDER, out_refund_no="R1").state == "success"


def test_a_repeated_out_request_no_refunds_once_and_answers_fund_change_n(client, pay):
    paid_trade(pay)
    biz = {"out_trade_no": ORDER, "refund_amount": "2.50", "out_request_no": "R1"}
    first = raw_call(client, pay, "alipay.trade.refund", biz)
    again = raw_call(client, pay, "alipay.trade.refund", biz)
    assert (first["code"], first["fund_change"], first["send_back_fee"]) == ("10000", "Y", "2.50")
    assert (again["code"], again["fund_change"], again["send_back_fee"]) == ("10000", "N", "0.00")
    assert first["refund_fee"] == again["refund_fee"] == "2.50"
    assert AlipayRefund.objects.count() == 1
    assert AlipayTrade.objects.get().refunded_amount == Decimal("2.50")


def test_a_repeated_out_request_no_with_another_amount_is_refused(client, pay):
    paid_trade(pay)
    raw_call(
        client, pay, "alipay.trade.refund", {"out_trade_no": ORDER, "refund_amount": "2.50", "out_request_no": "R1"}
    )
    answer = raw_call(
        client, pay, "alipay.trade.refund", {"out_trade_no": ORDER, "refund_amount": "3.00", "out_request_no": "R1"}
    )
    assert (answer["code"], answer["sub_code"]) == ("40004", "ACQ.DISCORDANT_REPEAT_REQUEST")
    assert AlipayTrade.objects.get().refunded_amount == Decimal("2.50")


def test_a_partial_refund_without_out_request_no_is_refused(client, pay):
    paid_trade(pay)
    answer = raw_call(client, pay, "alipay.trade.refund", {"out_trade_no": ORDER, "refund_amount": "2.50"})
    assert (answer["code"], answer["sub_code"]) == ("40004", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL")


def test_the_adapter_reports_a_fund_change_n_refund_processing_until_the_query_says_refund_success(pay):
    paid_trade(pay)
    faults.set_fault("alipay", "refund_pending")
    started = refund(pay)
    assert started.state == "processing" and started.amount == Decimal("2.50")
    assert pay.query_refund(out_trade_no=ORDER, out_refund_no="R1").state == "processing"
    settle_refunds()
    done = pay.query_refund(out_trade_no=ORDER, out_refund_no="R1")
    assert (done.state, done.amount) == ("success", Decimal("2.50"))


def test_the_adapter_reads_a_repeated_refund_as_processing_and_the_query_confirms_it(pay):
    paid_trade(pay)
    assert refund(pay).state == "success"  # fund_change=Y: the money moved now
    assert refund(pay).state == "processing"  # fund_change=N: nothing moved this time
    assert pay.query_refund(out_trade_no=ORDER, out_refund_no="R1").state == "success"
    assert AlipayTrade.objects.get().refunded_amount == Decimal("2.50")


def test_the_adapter_refuses_an_amount_alipay_would_refuse_without_calling(pay, calls):
    paid_trade(pay)
    calls.clear()
    with pytest.raises(PlatformError) as caught:
        refund(pay, amount="0.00")
    assert caught.value.code == "invalid_amount"
    assert calls == []


def kit_order_paid_with_alipay(api, committed, price="10.00", quantity=2):
    from tests.conftest import client_for
    from tests.factories import member_with_identity, pending_order

    member = member_with_identity("alipay")
    order = pending_order(user=member, price=Decimal(price), quantity=quantity, method="alipay")
    answer = client_for(member).post(f"/api/v1/orders/{order.number}/pay/", {"provider": "alipay"}, format="json")
    assert answer.status_code == 200, answer.json()
    with committed():
        api.post("/sandbox/alipay/complete/", {"trade_no": answer.json()["trade_no"]}, format="json")
    order.refresh_from_db()
    assert order.status == "paid"
    return order


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def test_the_kit_keeps_a_fund_change_n_refund_in_flight_and_asks_until_it_settles(api, committed):
    from storefront.payments.models import Refund
    from storefront.payments.refunds import start_refund, sync_open_refunds

    order = kit_order_paid_with_alipay(api, committed)
    faults.set_fault("alipay", "refund_pending")
    with committed():
        started = start_refund(order=order, amount=Decimal("5.00"), key="AS1")
    started.refresh_from_db()
    order.refresh_from_db()
    assert (started.status, order.status) == (Refund.Status.PROCESSING, "refunding")

    sync_open_refunds()  # Alipay shows nothing yet: still in flight, never "failed"
    started.refresh_from_db()
    assert started.status == Refund.Status.PROCESSING

    faults.set_fault("alipay", "delayed_notification")  # the notification is late: the query finds it
    settle_refunds()
    sync_open_refunds()
    started.refresh_from_db()
    order.refresh_from_db()
    assert (started.status, started.amount, order.status) == (Refund.Status.SUCCESS, Decimal("5.00"), "paid")
    delivery.flush()  # the late notification changes nothing more
    started.refresh_from_db()
    assert started.status == Refund.Status.SUCCESS


# --- 4. bill files: GBK names, recognised by their header ---------------------------------------------------------
def test_the_sandbox_bill_zip_has_gbk_names_without_the_utf8_flag_summary_first(pay):
    paid_trade(pay)
    _, content = bill_zip(timezone.localdate())
    with zipfile.ZipFile(io.BytesIO(content)) as bundle:
        infos = bundle.infolist()
        assert all(not info.flag_bits & 0x800 for info in infos)
        names = [entry_name(info) for info in infos]
        assert names[0].endswith("_业务明细(汇总).csv") and names[1].endswith("_业务明细.csv")
        assert all(name.startswith(pay.credentials.seller_id) for name in names)
        assert bundle.read(infos[0]).decode("gbk").startswith("#支付宝业务汇总查询")
        assert bundle.read(infos[1]).decode("gbk").startswith("#支付宝业务明细查询")


def zip_of(entries, *, utf8_names: bool) -> bytes:
    from platforms.sandbox.alipay_views import GbkNamedEntry

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries:
            archive.writestr(name if utf8_names else GbkNamedEntry(name), text.encode("gbk"))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "names, utf8_names",
    [
        (("2088_20261125_业务明细(汇总).csv", "2088_20261125_业务明细.csv"), False),
        (("2088_20261125_业务明细(汇总).csv", "2088_20261125_业务明细.csv"), True),
        (("a.csv", "b.csv"), False),
        (("明细.csv", "汇总.csv"), False),  # names that lie
    ],
)
def test_the_bill_reader_finds_the_detail_by_its_header_whatever_the_names_and_order(pay, names, utf8_names):
    paid_trade(pay)
    refund(pay)
    day = timezone.localdate()
    expected = parse_bill(zip_of([("detail.csv", bill_csv(day))], utf8_names=True))
    assert {line.kind for line in expected} == {"payment", "refund"}
    for entries in ([(names[0], bill_summary_csv(day)), (names[1], bill_csv(day))],):
        assert parse_bill(zip_of(entries, utf8_names=utf8_names)) == expected
        assert parse_bill(zip_of(entries[::-1], utf8_names=utf8_names)) == expected


def test_a_bill_with_only_the_summary_is_refused_naming_its_files_in_gbk(pay):
    archive = zip_of([("2088_20261125_业务明细(汇总).csv", bill_summary_csv(timezone.localdate()))], utf8_names=False)
    with pytest.raises(PlatformError) as caught:
        parse_bill(archive)
    assert caught.value.code == "bad_bill"
    assert "业务明细(汇总).csv" in caught.value.message


# --- 7. trade.create: out_trade_no, subject, amounts, time_expire -----------------------------------------------
@pytest.mark.parametrize(
    "changes",
    [
        {"out_trade_no": "A2026-1125"},
        {"out_trade_no": "A" * 65},
        {"out_trade_no": "订单1"},
        {"subject": "Tea / Co"},
        {"subject": "a=b"},
        {"subject": "Tea & Co"},
        {"subject": "x" * 257},
        {"total_amount": "12.5"},
        {"total_amount": "12.505"},
        {"total_amount": "0.00"},
        {"total_amount": "100000000.01"},
        {"total_amount": "-1.00"},
        {"time_expire": "2026-11-25T12:00:00+08:00"},
        {"time_expire": "2026/11/25 12:00"},
        {"time_expire": "2020-01-01 00:00:00"},
    ],
)
def test_the_sandbox_refuses_a_trade_create_alipay_refuses(client, pay, changes):
    answer = raw_call(client, pay, "alipay.trade.create", create_biz(**changes), notify_url=NOTIFY_URL)
    assert (answer["code"], answer["sub_code"]) == ("40004", "ACQ.INVALID_PARAMETER")
    assert not AlipayTrade.objects.exists()


def test_the_sandbox_takes_the_largest_amount_and_a_64_character_out_trade_no(client, pay):
    biz = create_biz(out_trade_no="A_" + "9" * 62, total_amount="100000000.00")
    answer = raw_call(client, pay, "alipay.trade.create", biz, notify_url=NOTIFY_URL)
    assert answer["code"] == "10000" and answer["trade_no"]


def test_no_payment_after_time_expire_and_the_trade_closes(client, pay, api):
    result = prepay(pay, minutes=1)
    trade = AlipayTrade.objects.get()
    assert trade.time_expire is not None
    with freeze_time(timezone.now() + dt.timedelta(minutes=2)):
        with pytest.raises(TradeStateError):
            pay_trade(result.reference)
        answer = api.post("/sandbox/alipay/complete/", {"trade_no": result.reference}, format="json")
        assert answer.status_code == 409
        assert pay.query(ORDER).state == "closed"
        again = raw_call(client, pay, "alipay.trade.create", create_biz(), notify_url=NOTIFY_URL)
        assert again["sub_code"] == "ACQ.TRADE_HAS_CLOSE"
        pay.close(ORDER)  # closing what time_expire closed is fine for the kit
    assert not Delivery.objects.exists()


def test_the_adapter_sends_time_expire_in_beijing_time_to_the_second(pay, calls):
    expires = timezone.now() + dt.timedelta(minutes=30)
    pay.prepay(
        out_trade_no=ORDER, amount=Decimal("12.50"), description="x", payer_id=BUYER, expires_at=expires, notify_url=""
    )
    sent = calls[0][1]["time_expire"]
    assert sent == expires.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    assert AlipayTrade.objects.get().time_expire == expires.replace(microsecond=0)


def test_the_adapter_strips_slash_equals_and_ampersand_from_the_subject(pay, calls):
    prepay(pay, description="Tea & Co / 茶=好 A20261125001")
    assert calls[0][1]["subject"] == "Tea Co 茶 好 A20261125001"
    assert AlipayTrade.objects.get().subject == "Tea Co 茶 好 A20261125001"


def test_the_adapter_shortens_a_long_subject_and_never_sends_an_empty_one(pay, calls):
    prepay(pay, out_trade_no="A1", description="茶" * 300)
    prepay(pay, out_trade_no="A2", description="/&=")
    assert len(calls[0][1]["subject"]) == 256
    assert calls[1][1]["subject"] == "A2"


@pytest.mark.parametrize("out_trade_no", ["A2026-1125", "A" * 65, "", "订单1"])
def test_the_adapter_refuses_an_out_trade_no_alipay_refuses_without_calling(pay, calls, out_trade_no):
    with pytest.raises(PlatformError) as caught:
        prepay(pay, out_trade_no=out_trade_no)
    assert caught.value.code == "invalid_out_trade_no"
    assert calls == []


@pytest.mark.parametrize("amount", ["0.00", "100000000.01"])
def test_the_adapter_refuses_an_amount_outside_alipays_range_without_calling(pay, calls, amount):
    with pytest.raises(PlatformError) as caught:
        prepay(pay, amount=amount)
    assert caught.value.code == "invalid_amount"
    assert calls == []


def test_the_shop_name_with_forbidden_characters_still_pays(api, committed, settings):
    settings.OSCAR_SHOP_NAME = "Tea & Co / 茶=好"
    order = kit_order_paid_with_alipay(api, committed)
    assert AlipayTrade.objects.get(out_trade_no=order.number).subject == f"Tea Co 茶 好 {order.number}"


# --- 14. refund notifications: refund_fee is cumulative -------------------------------------------------------------
def refund_notification_without_send_back_fee(**changes) -> bytes:
    """The last refund notification, as Alipay sends it when it carries no send_back_fee
    (re-signed with the sandbox's Alipay key)."""
    form = dict(parse_qsl(Delivery.objects.filter(event_type__startswith="refund").latest("id").body))
    form = {k: v for k, v in {**form, **changes}.items() if k not in ("sign", "sign_type", "send_back_fee")}
    return urlencode({**form, "sign_type": "RSA2", "sign": rsa2_sign(notification_content(form))}).encode()


def test_a_refund_notification_without_send_back_fee_has_no_amount_not_the_cumulative_refund_fee(pay):
    paid_trade(pay)
    refund(pay, "R1", "2.50")
    refund(pay, "R2", "3.00")
    note = pay.parse_notification(headers={}, body=refund_notification_without_send_back_fee())
    assert note.kind == "refund" and note.refund.out_refund_no == "R2"
    assert note.refund.amount is None  # not 5.50, the trade's refunded total
    assert note.trade.state == "paid"


def test_the_kit_books_its_own_refund_amount_when_the_notification_has_only_refund_fee(api, client, committed):
    from storefront.payments.models import Refund
    from storefront.payments.refunds import start_refund

    order = kit_order_paid_with_alipay(api, committed)  # 20.00
    with committed():
        start_refund(order=order, amount=Decimal("5.00"), key="AS1")
    faults.set_fault("alipay", "refund_pending")
    with committed():
        second = start_refund(order=order, amount=Decimal("3.00"), key="AS2")
    faults.set_fault("alipay", "delayed_notification")
    settle_refunds()  # the sandbox's own notification is held back
    body = refund_notification_without_send_back_fee()
    assert dict(parse_qsl(body.decode()))["refund_fee"] == "8.00"

    answer = client.post("/api/v1/notify/alipay/", body, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200 and answer.content == b"success"
    second.refresh_from_db()
    assert (second.status, second.amount) == (Refund.Status.SUCCESS, Decimal("3.00"))
    source = order.sources.get()
    assert source.amount_refunded == Decimal("8.00")


# --- 15. no bill before it exists; qrcode.create's required fields ------------------------------------------------
def test_the_sandbox_has_no_bill_for_today_and_yesterdays_only_from_nine(client, pay):
    today = timezone.localdate()
    biz = {"bill_type": "trade", "bill_date": today.isoformat()}
    assert (
        raw_call(client, pay, "alipay.data.dataservice.bill.downloadurl.query", biz)["sub_code"] == "isp.bill_not_exist"
    )
    with freeze_time(beijing(today + dt.timedelta(days=1), 8, 59)):
        early = raw_call(client, pay, "alipay.data.dataservice.bill.downloadurl.query", biz)
    with freeze_time(beijing(today + dt.timedelta(days=1), 9, 0)):
        ready = raw_call(client, pay, "alipay.data.dataservice.bill.downloadurl.query", biz)
    assert (early["code"], early["sub_code"]) == ("40004", "isp.bill_not_exist")
    assert ready["code"] == "10000" and ready["bill_download_url"]
    old = {"bill_type": "trade", "bill_date": "2015-12-31"}
    assert (
        raw_call(client, pay, "alipay.data.dataservice.bill.downloadurl.query", old)["sub_code"] == "isp.bill_not_exist"
    )


def test_the_adapter_does_not_ask_for_a_bill_before_nine_the_next_day(pay, calls):
    today = timezone.localdate()
    for moment in (timezone.now(), beijing(today + dt.timedelta(days=1), 8, 59)):
        with freeze_time(moment), pytest.raises(PlatformError) as caught:
            pay.statement(today)
        assert caught.value.code == "bill_not_ready" and caught.value.retryable
    assert calls == []
    with freeze_time(beijing(today + dt.timedelta(days=1), 9, 0)):
        assert pay.statement(today) == []
    assert [method for method, _ in calls] == ["alipay.data.dataservice.bill.downloadurl.query"]


def test_a_late_bill_is_bill_not_ready_for_the_kit(pay, monkeypatch):
    from platforms.sandbox import alipay_gateway

    monkeypatch.setattr(alipay_gateway, "BILL_READY_AT", dt.time(23, 59))  # Alipay is late today
    with freeze_time(beijing(timezone.localdate() + dt.timedelta(days=1), 10, 0)), pytest.raises(PlatformError) as e:
        pay.statement(timezone.localdate())
    assert e.value.code == "bill_not_ready" and e.value.retryable


QR = {"url_param": "pages/giveaway/index", "query_param": "scene=g=42", "describe": "g=42"}


@pytest.mark.parametrize(
    "changes",
    [
        {"url_param": None},
        {"query_param": None},
        {"describe": None},
        {"describe": ""},
        {"describe": "x" * 33},
        {"url_param": "p/" * 129},
        {"query_param": "q" * 257},
    ],
)
def test_the_sandbox_refuses_a_qrcode_create_without_its_required_fields(client, pay, changes):
    biz = {k: v for k, v in {**QR, **changes}.items() if v is not None}
    answer = raw_call(client, pay, "alipay.open.app.qrcode.create", biz)
    assert (answer["code"], answer["sub_code"]) == ("40004", "INVALID_PARAMETER")


def test_the_sandbox_takes_a_32_character_describe(client, pay):
    answer = raw_call(client, pay, "alipay.open.app.qrcode.create", {**QR, "describe": "码" * 32})
    assert answer["code"] == "10000" and answer["qr_code_url"]


@pytest.fixture
def mp_calls(miniprogram, monkeypatch):
    sent = []
    original = miniprogram.client.call

    def spy(method, biz_content=None, **params):
        sent.append((method, dict(biz_content or {})))
        return original(method, biz_content, **params)

    monkeypatch.setattr(miniprogram.client, "call", spy)
    return sent


def test_the_adapter_sends_every_qrcode_field_with_a_short_describe(miniprogram, mp_calls):
    miniprogram.unlimited_code(scene="", page="/pages/a-very-long-campaign-folder/landing-page/index?from=poster")
    biz = mp_calls[0][1]
    assert biz["url_param"] == "pages/a-very-long-campaign-folder/landing-page/index"
    assert biz["query_param"] == "scene=&from=poster"
    assert 0 < len(biz["describe"]) <= 32


@pytest.mark.parametrize(
    "scene, page, code",
    [("g=1", "", "invalid_page"), ("g=1", "/", "invalid_page"), ("g" * 300, "pages/index/index", "invalid_scene")],
)
def test_the_adapter_refuses_a_code_alipay_would_refuse_without_calling(miniprogram, mp_calls, scene, page, code):
    with pytest.raises(PlatformError) as caught:
        miniprogram.unlimited_code(scene=scene, page=page)
    assert caught.value.code == code
    assert mp_calls == []


def test_the_settle_button_is_on_the_sandbox_page(client, pay):
    paid_trade(pay)
    faults.set_fault("alipay", "refund_pending")
    refund(pay)
    page = client.get("/sandbox/").content.decode()
    assert "Pending refunds (fund_change=N)" in page and "/sandbox/alipay/refunds/settle/" in page
    assert json.dumps("R1")[1:-1] in page
