"""The values of subscribe-message keywords: the types they have, the rule each type's value
must meet on WeChat, and how the kit turns a Python value (Decimal, aware datetime, text) into
a value of that type.

WeChat types a keyword by its name (`thing2` is a thing, `amount3` an amount) and refuses the
whole message (47003) when one value breaks its type's rule. Alipay's keywords (`keyword1`...)
carry no type on the wire, only a limit of 50 characters, so a template declares each keyword's
type and the kit formats the value for it. The rules are WeChat's table "订阅消息参数值内容限制说明"
(developers.weixin.qq.com, subscribeMessage.send). The sandbox checks them with its own code
(platforms/sandbox/wechat_views.py), so a mistake here is not repeated there.

This module imports no shop app: the notice service, the admin and the WeChat adapter share it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# type -> (label, Chinese first, as the admin shows it)
TYPES = {
    "thing": "事物 thing：20 个以内字符，超出部分以 … 截断",
    "number": "数字 number：32 位以内数字，可带小数点",
    "letter": "字母 letter：32 位以内纯字母",
    "symbol": "符号 symbol：5 位以内纯符号",
    "character_string": "字符串 character_string：32 位以内数字、字母或符号（如订单号）",
    "time": "时间 time：24 小时制，如 15:01 或 2019-10-01 15:01（带时区的时间按北京时间）",
    "date": "日期 date：如 2019-10-01，或 2019-10-01 15:01",
    "amount": "金额 amount：币种符号加 10 位以内数字，两位小数，如 ¥12.50",
    "phone_number": "电话 phone_number：17 位以内数字和符号",
    "car_number": "车牌 car_number：8 位以内，首尾可为汉字，其余为字母或数字",
    "name": "姓名 name：10 个以内汉字，或 20 个以内字母或符号",
    "phrase": "汉字 phrase：5 个以内纯汉字，如 配送中",
}
TYPE_CHOICES = list(TYPES.items())
ALIPAY_MAX_CHARS = 50  # templatemessage.send: each keyword's value at most 50 characters (PLATFORMS.md)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_DATE = (
    r"(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日"
    r"|\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{4}\.\d{1,2}\.\d{1,2}|\d{4}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2})"
)
_CLOCK = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?"
# "时间格式支持HH:MM:SS或者HH:MM", dates as y年m月d日, y年m月, m月d日 or joined with - / .; a time
# may carry a date and a date a time; either may be a range "a~b".
_TIME_POINT = rf"(?:{_DATE}\s*)?{_CLOCK}"
_DATE_POINT = rf"{_DATE}(?:\s*{_CLOCK})?"
RULES = {
    "number": re.compile(r"\d{1,32}(?:\.\d+)?"),
    "letter": re.compile(r"[A-Za-z]{1,32}"),
    "character_string": re.compile(r"[\x21-\x7e]{1,32}"),
    "time": re.compile(rf"{_TIME_POINT}(?:\s*~\s*{_TIME_POINT})?"),
    "date": re.compile(rf"{_DATE_POINT}(?:\s*~\s*{_DATE_POINT})?"),
    "amount": re.compile(r"[¥￥$€£]\d{1,10}(?:\.\d{1,2})?元?|\d{1,10}(?:\.\d{1,2})?元"),
    "phone_number": re.compile(r"(?=.*\d)[0-9+\-()*# ]{1,17}"),
    "car_number": re.compile(rf"[{_CJK}A-Za-z0-9][A-Za-z0-9]{{0,6}}[{_CJK}A-Za-z0-9]?"),
    "phrase": re.compile(rf"[{_CJK}]{{1,5}}"),
}


class FieldValueError(ValueError):
    """A value that cannot be made into a valid value of its keyword's type."""


def wechat_type(keyword: str) -> str:
    """The type WeChat gives a keyword by its name ("thing2" -> "thing"), or "" when unknown."""
    kind = keyword.rstrip("0123456789")
    return kind if kind in TYPES else ""


def _formatted(keyword: str, kind: str, value) -> str:
    try:
        return format_value(kind, value)
    except FieldValueError as exc:
        raise FieldValueError(f"{keyword} ({kind}) {exc}") from None


def _has_chinese(text: str) -> bool:
    return re.search(f"[{_CJK}]", text) is not None


def _is_symbol(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "PS" or (char.isascii() and not char.isalnum() and char.isprintable() and char != " ")


def problem(kind: str, text: str) -> str | None:
    """Why WeChat would refuse `text` as a value of `kind`, or None."""
    if not text.strip():
        return "is empty (47003)"
    if any(unicodedata.category(c) == "Cc" for c in text):
        return "holds a control character such as a line break"
    if kind == "thing" and len(text) > 20:
        return "is longer than 20 characters"
    if kind == "symbol" and not (len(text) <= 5 and all(_is_symbol(c) for c in text)):
        return "must be at most 5 symbols"
    if kind == "name":
        chinese = _has_chinese(text)
        if chinese and (len(text) > 10 or not re.fullmatch(f"[{_CJK}A-Za-z·]+", text)):
            return "must be at most 10 Chinese characters"
        if not chinese and (len(text) > 20 or any(c.isdigit() for c in text)):
            return "must be at most 20 letters or symbols"
    if kind == "car_number" and len(text) > 8:
        return "is longer than 8 characters"
    rule = RULES.get(kind)
    if rule is not None and not rule.fullmatch(text):
        return f"does not fit {TYPES[kind]}"
    return None


def _local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise FieldValueError("is a datetime without a time zone; pass an aware datetime")
    return moment.astimezone(SHANGHAI)


def _decimal(value) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise FieldValueError("must be a Decimal, an int or a text, never a float")
    if isinstance(value, Decimal | int):
        return Decimal(value)
    text = str(value).strip().removesuffix("元").lstrip("¥￥").replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise FieldValueError(f"{value!r} is not an amount") from None


def _plain(value) -> str:
    """Text for a text-like type: dates in Beijing time, money with two decimals, no control characters."""
    if isinstance(value, dt.datetime):
        value = _local(value).strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, Decimal):
        value = f"{value:.2f}"
    text = "" if value is None else str(value)
    return " ".join(text.split()) if any(unicodedata.category(c) == "Cc" for c in text) else text.strip()


def format_value(kind: str, value) -> str:
    """The text of `value` as a value of `kind`: an amount from a Decimal ("¥12.50"), a time from
    an aware datetime (Beijing time, "2026-11-25 15:01"), a date from a date, a number without
    exponent; text as it is. Raises FieldValueError when the value cannot be of that kind."""
    if kind == "amount":
        if isinstance(value, str) and not value.strip():
            return ""
        amount = _decimal(value)
        if amount < 0 or not amount.is_finite():
            raise FieldValueError(f"{value!r} is not a payable amount")
        return f"¥{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"
    if kind == "number" and isinstance(value, Decimal | int) and not isinstance(value, bool):
        return format(Decimal(value), "f")
    if kind in ("time", "date") and isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M" if kind == "time" else "%Y-%m-%d")
    if kind == "date" and isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if kind == "time" and isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return _plain(value)


def fit(kind: str, text: str) -> str:
    """Cut a text-like value to its type's length on WeChat: a thing ends in "…" within 20, a name
    keeps 10 Chinese characters (or 20 letters), a character string 32. Other types are not cut:
    a shortened amount, time or number would say something else."""
    if kind == "thing" and len(text) > 20:
        return text[:19] + "…"
    if kind == "character_string":
        return text[:32]
    if kind == "name":
        return text[: 10 if _has_chinese(text) else 20]
    return text


def wechat_value(keyword: str, value, kind: str = "") -> str:
    """The value WeChat accepts for `keyword` (of `kind`, by default its name's type), or FieldValueError."""
    kind = kind or wechat_type(keyword)
    if not kind:
        return _plain(value)  # not a typed keyword: WeChat's template decides
    text = fit(kind, _formatted(keyword, kind, value))
    why = problem(kind, text)
    if why:
        raise FieldValueError(f"{keyword} ({kind}) {text!r} {why}")
    return text


def alipay_value(keyword: str, value, kind: str = "thing") -> str:
    """The value for an Alipay keyword: formatted for its declared type, at most 50 characters."""
    text = _formatted(keyword, kind or "thing", value)
    if not text.strip():
        raise FieldValueError(f"{keyword} is empty")
    if len(text) > ALIPAY_MAX_CHARS:
        if kind not in ("thing", "name", "character_string", "phrase", ""):
            raise FieldValueError(f"{keyword} ({kind}) is longer than {ALIPAY_MAX_CHARS} characters")
        text = text[: ALIPAY_MAX_CHARS - 1] + "…"
    return text
