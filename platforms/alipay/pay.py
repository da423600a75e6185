"""Alipay payments for the mini program behind `PaymentProvider`.

alipay.trade.create (JSAPI_PAY) gives the trade_no that my.tradePay takes; query, close,
refund (out_request_no keeps a partial refund idempotent) and refund query are the trade
APIs of the same name. Notifications are the trade_status_sync form Alipay POSTs to the
notify_url of the trade, for payments and for refunds (a refund's carries out_biz_no);
statements come from the daily bill file (alipay.data.dataservice.bill.downloadurl.query).

What Alipay refuses is checked or formatted here first, so it is never sent: out_trade_no
(at most 64 of [A-Za-z0-9_]), the subject (no / = &: they are replaced), amounts (two
decimals, 0.01 to 100000000.00), time_expire ("yyyy-MM-dd HH:mm:ss", Beijing time), and no
bill asked before it exists (a day's bill from 09:00 Beijing time the next day).

Every amount Alipay sends (notifications, trade.query, refund answers, bills) is read by
`alipay_yuan` only: yuan as Alipay writes them, "68", "68.5" or "68.00", and nothing else
("68.004", "6.8e1", "+68.00", " 68.00", "068" are refused, never rounded). A notification with
such an amount, or a paid one without trade_no, is an InvalidNotification and changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import zipfile
from decimal import Decimal
from urllib.parse import parse_qsl

from django.http import HttpResponse
from django.utils import timezone

from config.money import MoneyFormatError, parse_yuan, to_yuan, yuan_str
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

# trade.create: "64个字符以内, 仅支持字母、数字、下划线" (opendocs.alipay.com, alipay.trade.create).
OUT_TRADE_NO = re.compile(r"[A-Za-z0-9_]{1,64}")
# trade.create: subject "不可使用特殊字符, 如 /, =, & 等", at most 256 characters (same page).
SUBJECT_FORBIDDEN = re.compile(r"[/=&]")
SUBJECT_MAX = 256
# Price: "精确到小数点后两位, 取值范围[0.01,100000000]" (same page).
AMOUNT_MIN, AMOUNT_MAX = Decimal("0.01"), Decimal("100000000.00")
# The amount fields (yuan strings) of trade_status_sync notifications and of the trade.query,
# trade.refund and fastpay.refund.query answers: each one present is read by alipay_yuan.
AMOUNT_FIELDS = (
    "total_amount",
    "receipt_amount",
    "buyer_pay_amount",
    "invoice_amount",
    "point_amount",
    "discount_amount",
    "mdiscount_amount",
    "refund_fee",
    "send_back_fee",
    "refund_amount",
)
# Bills: none for today; "当日数据一般于次日 9 点前生成" (alipay.data.dataservice.bill.downloadurl.query).
BILL_READY_AT = dt.time(9, 0)

TRADE_STATES = {
    "WAIT_BUYER_PAY": "not_paid",
    "TRADE_SUCCESS": "paid",
    "TRADE_FINISHED": "paid",
    "TRADE_CLOSED": "closed",
}


logger = logging.getLogger(__name__)


def _platform_error(code: str, message: str) -> PlatformError:
    return PlatformError(message, code=code, platform=PLATFORM)


def alipay_yuan(value, *, name: str = "amount", signed: bool = False, error=_platform_error) -> Decimal:
    """The one reader of an amount Alipay sends: a str of yuan ("68", "68.5", "68.00"; with
    `signed`, as bills write refunds, also "-68.00") -> Decimal with two places. Anything else
    raises error("bad_amount", message): PlatformError unless the caller says otherwise."""
    try:
        return parse_yuan(value, signed=signed)
    except MoneyFormatError:
        raise error("bad_amount", f"{name} {value!r} is not yuan with at most two decimals") from None


def _amounts(fields: dict, *, error=_platform_error) -> dict[str, Decimal | None]:
    """Every amount field of a notification or an answer, read by alipay_yuan; an absent (or
    empty) one is None. One malformed field refuses the whole, even one the kit does not use."""
    return {
        name: alipay_yuan(fields[name], name=name, error=error) if fields.get(name, "") != "" else None
        for name in AMOUNT_FIELDS
    }


def _alipay_time(value: str) -> dt.datetime | None:
    """Alipay's "2026-11-25 12:30:00" (Beijing time; refunds add milliseconds)."""
    if not value:
        return None
    try:
        return dt.datetime.strptime(value.split(".")[0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None


def _refuse(message: str, code: str) -> PlatformError:
    return PlatformError(message, code=code, platform=PLATFORM)


def alipay_subject(text: str, *, fallback: str) -> str:
    """The trade subject Alipay accepts: the shop and product names without / = & (replaced by
    spaces), at most 256 characters."""
    subject = " ".join(SUBJECT_FORBIDDEN.sub(" ", text or "").split())[:SUBJECT_MAX].strip()
    return subject or fallback


def alipay_amount(amount, name: str) -> str:
    """Decimal yuan -> Alipay's "12.50", refused before sending when outside 0.01..100000000.00."""
    value = to_yuan(amount)
    if not AMOUNT_MIN <= value <= AMOUNT_MAX:
        raise _refuse(f"Alipay {name} {value} is outside 0.01..100000000.00", "invalid_amount")
    return yuan_str(value)


def bill_ready_at(day: dt.date) -> dt.datetime:
    """When Alipay's bill of `day` can be downloaded: 09:00 Beijing time the next day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), BILL_READY_AT, tzinfo=SHANGHAI)


class AlipayPay(PaymentProvider):
    name = PLATFORM

    def __init__(self):
        self.client, self.credentials = build_client()

    # --- trades ------------------------------------------------------------------------------------
    def prepay(self, *, out_trade_no, amount, description, payer_id, expires_at, notify_url) -> Prepay:
        if not OUT_TRADE_NO.fullmatch(out_trade_no or ""):
            raise _refuse(
                f"Alipay out_trade_no {out_trade_no!r} is not 1 to 64 of [A-Za-z0-9_]", "invalid_out_trade_no"
            )
        biz = {
            "out_trade_no": out_trade_no,
            "total_amount": alipay_amount(amount, "total_amount"),
            "subject": alipay_subject(description, fallback=out_trade_no),
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

    def _trade_state(self, fields: dict, *, state: str, error=_platform_error) -> TradeState:
        """A notification's or trade.query's fields as a TradeState. Refused (error(code,
        message)) when an amount is not in Alipay's format, or a paid trade has no trade_no."""
        amounts = _amounts(fields, error=error)
        trade_no = fields.get("trade_no", "")
        if state in ("paid", "refunded") and not (isinstance(trade_no, str) and trade_no.strip()):
            raise error("missing_transaction_id", f"a {fields.get('trade_status')} trade without trade_no")
        return TradeState(
            provider=PLATFORM,
            out_trade_no=fields.get("out_trade_no", ""),
            state=state,
            transaction_id=trade_no,
            amount=amounts["total_amount"],
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
        return self._trade_state(
            body,
            state=TRADE_STATES.get(body.get("trade_status", ""), "unknown"),
            error=lambda code, message: _platform_error(code, f"Alipay trade.query of {out_trade_no}: {message}"),
        )

    def close(self, out_trade_no: str) -> None:
        try:
            self.client.call("alipay.trade.close", {"out_trade_no": out_trade_no})
        except PlatformError as exc:
            if exc.code == "ACQ.TRADE_NOT_EXIST":  # never created: nothing to close
                return
            # Already closed (its time_expire passed, or closed before) is what closing wants;
            # paid is not, and stays an error.
            if exc.code == "ACQ.TRADE_STATUS_ERROR" and self.query(out_trade_no).state == "closed":
                return
            raise

    # --- refunds -----------------------------------------------------------------------------------
    def refund(self, *, out_trade_no, out_refund_no, amount, total, reason="", notify_url="") -> RefundState:
        """notify_url is not used (Alipay's refund notification goes to the trade's notify_url).

        code 10000 only says Alipay took the request; fund_change=Y says the money moved now.
        fund_change=N (a refund not settled yet, or a repeat of an out_request_no Alipay already
        has) is `processing`: the refund query says when it is done (REFUND_SUCCESS)."""
        if not out_refund_no or len(out_refund_no) > 64:
            raise _refuse(f"Alipay out_request_no {out_refund_no!r} is not 1 to 64 characters", "invalid_out_refund_no")
        biz = {
            "out_trade_no": out_trade_no,
            "refund_amount": alipay_amount(amount, "refund_amount"),
            "out_request_no": out_refund_no,
        }
        if reason:
            biz["refund_reason"] = reason[:256]
        body = self.client.call("alipay.trade.refund", biz)
        state = "success" if body.get("fund_change") == "Y" else "processing"
        try:
            _amounts(body)
        except PlatformError as exc:
            # Alipay took the request, so this is no refusal (a refused refund may be started
            # again under a new number, and this one could still settle): an answer whose
            # amounts are not Alipay's is not believed, and the refund query says when it is done.
            logger.warning("Alipay refund %s answered %s: kept in flight", out_refund_no, exc.message)
            state = "processing"
        return RefundState(
            provider=PLATFORM,
            out_trade_no=out_trade_no,
            out_refund_no=out_refund_no,
            state=state,
            amount=to_yuan(amount),
            refund_id=body.get("trade_no", ""),
            raw=body,
        )

    def query_refund(self, *, out_trade_no: str, out_refund_no: str) -> RefundState:
        body = self.client.call(
            "alipay.trade.fastpay.refund.query", {"out_trade_no": out_trade_no, "out_request_no": out_refund_no}
        )
        # refund.query: "REFUND_SUCCESS 退款处理成功; 未返回该字段表示退款请求未收到或者退款失败", and a
        # query too soon after the refund may not show it yet. So anything else stays `processing`
        # (asked again later), never `failed`: a failed refund may be started again under a new
        # number, and this one could still settle, paying the shopper twice.
        done = body.get("refund_status") == "REFUND_SUCCESS"
        amounts = _amounts(
            body,
            error=lambda code, message: _platform_error(code, f"Alipay refund query of {out_refund_no}: {message}"),
        )
        return RefundState(
            provider=PLATFORM,
            out_trade_no=out_trade_no,
            out_refund_no=out_refund_no,
            state="success" if done else "processing",
            amount=amounts["refund_amount"],
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
            if not fields.get(name, "").strip():
                raise refuse("malformed" if name != "trade_no" else "missing_transaction_id", f"no {name}")
        amounts = _amounts(fields, error=refuse)
        amount = amounts["total_amount"]

        refund = None
        state = TRADE_STATES[status]
        if fields.get("out_biz_no") and (amounts["send_back_fee"] is not None or amounts["refund_fee"] is not None):
            refunded = amounts["refund_fee"]
            if status == "TRADE_CLOSED" and refunded == amount:
                state = "refunded"
            refund = RefundState(
                provider=PLATFORM,
                out_trade_no=fields["out_trade_no"],
                out_refund_no=fields["out_biz_no"],
                state="success",
                # send_back_fee is this refund; refund_fee is the trade's refunded total so far, so
                # without send_back_fee the amount is unknown here (None): the kit books its own.
                amount=amounts["send_back_fee"],
                refund_id=fields["trade_no"],
                raw=fields,
            )
        trade = self._trade_state(fields, state=state, error=refuse)
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
        """The bill of `day`, from 09:00 Beijing time the next day on. Before that (and when Alipay
        is late with it: isp.bill_not_exist) PlatformError("bill_not_ready", retryable)."""
        if timezone.now() < bill_ready_at(day):
            raise PlatformError(
                f"Alipay's bill of {day} is ready from {bill_ready_at(day):%Y-%m-%d %H:%M} Beijing time",
                code="bill_not_ready",
                retryable=True,
                platform=PLATFORM,
            )
        try:
            body = self.client.call(
                "alipay.data.dataservice.bill.downloadurl.query", {"bill_type": "trade", "bill_date": day.isoformat()}
            )
        except PlatformError as exc:
            if exc.code != "isp.bill_not_exist":
                raise
            raise PlatformError(
                f"Alipay has no bill of {day} yet",
                code="bill_not_ready",
                retryable=True,
                platform=PLATFORM,
                raw=exc.raw,
            ) from exc
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


UTF8_NAME_FLAG = 0x800  # zip general purpose bit 11: the entry name is UTF-8


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's real name. Alipay's statement zips store GBK names with the UTF-8 flag off,
    which zipfile reads as cp437; its bytes are recovered and read as GBK."""
    if info.flag_bits & UTF8_NAME_FLAG:
        return info.filename
    return info.filename.encode("cp437").decode("gbk", errors="replace")


def _rows(text: str):
    """The CSV rows of a bill file, without its '#' lines, cells stripped of their tab padding."""
    lines = (line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return ([cell.strip() for cell in row] for row in csv.reader(lines))


def detail_file(archive: bytes) -> tuple[str, list[str], list[list[str]]]:
    """(name, header, rows) of the detail CSV in Alipay's bill zip: the file whose header names
    the detail columns (the summary file next to it has other columns); names and entry order
    are not relied on."""
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            files = [(entry_name(info), bundle.read(info)) for info in bundle.infolist() if not info.is_dir()]
    except zipfile.BadZipFile as exc:
        raise PlatformError("Alipay bill is not a zip file", code="bad_bill", platform=PLATFORM) from exc
    for name, content in files:
        try:
            text = content.decode("gbk")
        except UnicodeDecodeError:
            continue
        rows = _rows(text)
        header = next(rows, [])
        if all(title in header for title in BILL_COLUMNS.values()):
            return name, header, list(rows)
    names = ", ".join(name for name, _ in files) or "none"
    raise PlatformError(f"Alipay bill has no detail file (files: {names})", code="bad_bill", platform=PLATFORM)


def parse_bill(archive: bytes) -> list[StatementLine]:
    """Alipay's bill zip -> lines. The detail CSV is GBK, framed by '#' lines, its cells padded with tabs."""
    _, header, rows = detail_file(archive)
    index = {key: header.index(title) for key, title in BILL_COLUMNS.items()}
    lines = []
    for cells in rows:
        if len(cells) < len(header):
            continue
        is_refund = cells[index["kind"]] == "退款"
        amount = alipay_yuan(
            cells[index["amount"]],
            name=f"bill amount of {cells[index['out_trade_no']]!r}",
            signed=True,
            error=lambda code, message: _platform_error("bad_bill", f"Alipay bill: {message}"),
        )
        lines.append(
            StatementLine(
                provider=PLATFORM,
                kind="refund" if is_refund else "payment",
                out_trade_no=cells[index["out_trade_no"]],
                transaction_id=cells[index["trade_no"]],
                amount=abs(amount),
                out_refund_no=cells[index["out_request_no"]] if is_refund else "",
                happened_at=_alipay_time(cells[index["finished"]]),
            )
        )
    return lines
