"""Alipay payments for the mini program behind `PaymentProvider`.

alipay.trade.create (JSAPI_PAY) gives the trade_no that my.tradePay takes; query, close,
refund (out_request_no keeps a partial refund idempotent) and refund query are the trade
APIs of the same name. Notifications are the trade_status_sync form Alipay POSTs to the
notify_url of the trade, for payments and for refunds (a refund's carries out_biz_no);
statements come from the daily bill file (alipay.data.dataservice.bill.downloadurl.query).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

from django.http import HttpResponse
from django.utils import timezone

from config.money import to_yuan, yuan_str
from platforms.alipay.client import PLATFORM, build_client
from platforms.alipay.miniprogram import is_user_id
from platforms.base import (
    SHANGHAI,
    InvalidNotification,
    PaymentNotification,
    PaymentProvider,
    PlatformError,
    Prepay,
    RefundState,
    StatementLine,
    TradeState,
)

TRADE_STATES = {
    "WAIT_BUYER_PAY": "not_paid",
    "TRADE_SUCCESS": "paid",
    "TRADE_FINISHED": "paid",
    "TRADE_CLOSED": "closed",
}


def _amount(value, *, error=PlatformError) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return to_yuan(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        raise error(f"Alipay amount {value!r} is not a number", code="bad_amount", platform=PLATFORM) from None


def _alipay_time(value: str) -> dt.datetime | None:
    """Alipay's "2026-11-25 12:30:00" (Beijing time; refunds add milliseconds)."""
    if not value:
        return None
    try:
        return dt.datetime.strptime(value.split(".")[0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None


class AlipayPay(PaymentProvider):
    name = PLATFORM

    def __init__(self):
        self.client, self.credentials = build_client()

    # --- trades ------------------------------------------------------------------------------------
    def prepay(self, *, out_trade_no, amount, description, payer_id, expires_at, notify_url) -> Prepay:
        biz = {
            "out_trade_no": out_trade_no,
            "total_amount": yuan_str(amount),
            "subject": description[:256],
            "product_code": "JSAPI_PAY",
            "op_app_id": self.credentials.app_id,
            "buyer_id" if is_user_id(payer_id) else "buyer_open_id": payer_id,
        }
        if expires_at is not None:
            biz["time_expire"] = timezone.localtime(expires_at, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        body = self.client.call("alipay.trade.create", biz, notify_url=notify_url)
        trade_no = body.get("trade_no")
        if not trade_no:
            raise PlatformError("Alipay trade.create answered without trade_no", code="bad_response", platform=PLATFORM)
        return Prepay(
            provider=PLATFORM,
            out_trade_no=out_trade_no,
            reference=trade_no,
            client_params={"tradeNO": trade_no},
            expires_at=expires_at,
        )

    def _trade_state(self, fields: dict, *, state: str) -> TradeState:
        return TradeState(
            provider=PLATFORM,
            out_trade_no=fields.get("out_trade_no", ""),
            state=state,
            transaction_id=fields.get("trade_no", ""),
            amount=_amount(fields.get("total_amount")),
            app_id=fields.get("app_id") or self.credentials.app_id,
            merchant_id=fields.get("seller_id") or self.credentials.seller_id,
            payer_id=fields.get("buyer_id") or fields.get("buyer_user_id") or fields.get("buyer_open_id") or "",
            paid_at=_alipay_time(fields.get("gmt_payment") or fields.get("send_pay_date") or ""),
            raw=dict(fields),
        )

    def query(self, out_trade_no: str) -> TradeState:
        try:
            body = self.client.call("alipay.trade.query", {"out_trade_no": out_trade_no})
        except PlatformError as exc:
            # Alipay knows no trade until trade.create (or the cashier) made one: nothing was paid.
            if exc.code == "ACQ.TRADE_NOT_EXIST":
                return TradeState(provider=PLATFORM, out_trade_no=out_trade_no, state="not_found", raw=exc.raw or {})
            raise
        # The answer is signed by Alipay for our own app: its ids are ours.
        return self._trade_state(body, state=TRADE_STATES.get(body.get("trade_status", ""), "unknown"))

    def close(self, out_trade_no: str) -> None:
        try:
            self.client.call("alipay.trade.close", {"out_trade_no": out_trade_no})
        except PlatformError as exc:
            if exc.code != "ACQ.TRADE_NOT_EXIST":  # never created: nothing to close
                raise

    # --- refunds -----------------------------------------------------------------------------------
    def refund(self, *, out_trade_no, out_refund_no, amount, total, reason="", notify_url="") -> RefundState:
        """Alipay refunds synchronously; notify_url is not used (its notification goes to the trade's)."""
        biz = {"out_trade_no": out_trade_no, "refund_amount": yuan_str(amount), "out_request_no": out_refund_no}
        if reason:
            biz["refund_reason"] = reason[:256]
        body = self.client.call("alipay.trade.refund", biz)
        return RefundState(
            provider=PLATFORM,
            out_trade_no=out_trade_no,
            out_refund_no=out_refund_no,
            state="success",
            amount=to_yuan(amount),
            refund_id=body.get("trade_no", ""),
            raw=body,
        )

    def query_refund(self, *, out_trade_no: str, out_refund_no: str) -> RefundState:
        body = self.client.call(
            "alipay.trade.fastpay.refund.query", {"out_trade_no": out_trade_no, "out_request_no": out_refund_no}
        )
        # Alipay's rule: an answer with refund_amount (refund_status empty or REFUND_SUCCESS) is a
        # refund done; without one the refund did not happen and may be sent again.
        done = bool(body.get("refund_amount")) and body.get("refund_status", "REFUND_SUCCESS") == "REFUND_SUCCESS"
        return RefundState(
            provider=PLATFORM,
            out_trade_no=out_trade_no,
            out_refund_no=out_refund_no,
            state="success" if done else "failed",
            amount=_amount(body.get("refund_amount")),
            refund_id=body.get("trade_no", ""),
            raw=body,
        )

    # --- notifications -----------------------------------------------------------------------------
    def parse_notification(self, *, headers: dict, body: bytes) -> PaymentNotification:
        def refuse(code, message):
            return InvalidNotification(f"Alipay notification: {message}", code=code, platform=PLATFORM)

        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            raise refuse("malformed", "not a UTF-8 form") from None
        fields = dict(pairs)
        if len(fields) != len(pairs):
            raise refuse("malformed", "a field appears twice")
        if not fields.get("sign"):
            raise refuse("missing_signature", "no sign")
        if not self.client.verify_fields(fields):
            raise refuse("invalid_signature", "the signature does not verify")
        if fields.get("app_id") != self.credentials.app_id:
            raise refuse("wrong_app_id", f"app_id {fields.get('app_id')!r} is not ours")
        if fields.get("seller_id") != self.credentials.seller_id:
            raise refuse("wrong_merchant", f"seller_id {fields.get('seller_id')!r} is not ours")
        status = fields.get("trade_status", "")
        if status not in TRADE_STATES:
            raise refuse("unknown_status", f"trade_status {status!r}")
        for name in ("notify_id", "out_trade_no", "trade_no", "total_amount"):
            if not fields.get(name):
                raise refuse("malformed", f"no {name}")
        amount = _amount(fields["total_amount"], error=InvalidNotification)

        refund = None
        state = TRADE_STATES[status]
        if fields.get("out_biz_no") and (fields.get("send_back_fee") or fields.get("refund_fee")):
            refunded = _amount(fields.get("refund_fee"), error=InvalidNotification)
            if status == "TRADE_CLOSED" and refunded == amount:
                state = "refunded"
            refund = RefundState(
                provider=PLATFORM,
                out_trade_no=fields["out_trade_no"],
                out_refund_no=fields["out_biz_no"],
                state="success",
                # send_back_fee is this refund; refund_fee is the trade's refunded total so far.
                amount=_amount(fields.get("send_back_fee") or fields.get("refund_fee"), error=InvalidNotification),
                refund_id=fields["trade_no"],
                raw=fields,
            )
        trade = self._trade_state(fields, state=state)
        return PaymentNotification(
            provider=PLATFORM,
            notification_id=fields["notify_id"],
            kind="refund" if refund else "payment",
            trade=trade,
            refund=refund,
            raw=fields,
        )

    def acknowledge(self, *, ok: bool, message: str = ""):
        """Alipay stops retrying only on the plain text "success"."""
        if ok:
            return HttpResponse("success", content_type="text/plain; charset=utf-8")
        return HttpResponse("fail", status=400, content_type="text/plain; charset=utf-8")

    # --- statements --------------------------------------------------------------------------------
    def statement(self, day: dt.date) -> list[StatementLine]:
        body = self.client.call(
            "alipay.data.dataservice.bill.downloadurl.query", {"bill_type": "trade", "bill_date": day.isoformat()}
        )
        url = body.get("bill_download_url")
        if not url:
            raise PlatformError("Alipay answered without bill_download_url", code="bad_response", platform=PLATFORM)
        return parse_bill(self.client.download(url, "bill"))


BILL_COLUMNS = {
    "trade_no": "支付宝交易号",
    "out_trade_no": "商户订单号",
    "kind": "业务类型",
    "finished": "完成时间",
    "amount": "订单金额（元）",
    "out_request_no": "退款批次号/请求号",
}


def parse_bill(archive: bytes) -> list[StatementLine]:
    """Alipay's bill zip -> lines. The detail CSV is GBK, framed by '#' lines, its cells padded with tabs."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            names = [n for n in bundle.namelist() if n.endswith(".csv") and "汇总" not in n]
            if not names:
                raise PlatformError("Alipay bill has no detail file", code="bad_bill", platform=PLATFORM)
            text = bundle.read(names[0]).decode("gbk")
    except zipfile.BadZipFile as exc:
        raise PlatformError("Alipay bill is not a zip file", code="bad_bill", platform=PLATFORM) from exc
    rows = csv.reader(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    header = [cell.strip() for cell in next(rows, [])]
    try:
        index = {key: header.index(title) for key, title in BILL_COLUMNS.items()}
    except ValueError as exc:
        raise PlatformError(f"Alipay bill header: {exc}", code="bad_bill", platform=PLATFORM) from exc
    lines = []
    for row in rows:
        cells = [cell.strip() for cell in row]
        if len(cells) < len(header):
            continue
        is_refund = cells[index["kind"]] == "退款"
        amount = _amount(cells[index["amount"]])
        lines.append(
            StatementLine(
                provider=PLATFORM,
                kind="refund" if is_refund else "payment",
                out_trade_no=cells[index["out_trade_no"]],
                transaction_id=cells[index["trade_no"]],
                amount=abs(amount) if amount is not None else Decimal("0.00"),
                out_refund_no=cells[index["out_request_no"]] if is_refund else "",
                happened_at=_alipay_time(cells[index["finished"]]),
            )
        )
    return lines
