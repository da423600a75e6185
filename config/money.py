"""The one money conversion of the kit.

Money is `Decimal` yuan in the database and the API, integer fen for WeChat Pay, and a
"12.50" string for Alipay. Floats are refused everywhere: a float reaching these
functions is a bug, not an input.

Amounts that come from outside (a platform's notification or answer, a shopper's request)
are read with `parse_yuan` or `parse_fen`, which take only the exact form and refuse
everything else: "68.004", "6.8e1", "+68.00", " 68.00", "068", True, 68.0, -1."""

import re
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
CURRENCY = "CNY"

# Yuan as text: no sign, no leading zero, no exponent, no spaces, at most two decimals and
# at most ten digits before the point. [0-9], not \d: \d also matches other scripts' digits.
_YUAN_TEXT = r"(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?"
YUAN_PATTERN = f"^{_YUAN_TEXT}$"  # the same rule for the OpenAPI schema
_YUAN = re.compile(_YUAN_TEXT)
_SIGNED_YUAN = re.compile(f"-?{_YUAN_TEXT}")
# The most fen the yuan pattern allows (9999999999.99 yuan).
MAX_FEN = 10**12 - 1


class MoneyFormatError(ValueError):
    """An amount from outside that is not in the exact form expected."""


def to_yuan(value) -> Decimal:
    """A Decimal, int or numeric string -> Decimal yuan with two places."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def parse_yuan(text, *, signed: bool = False) -> Decimal:
    """Yuan as a platform or a shopper writes it ("68", "68.5", "68.00") -> Decimal with two
    places. Only a str matching YUAN_PATTERN (with `signed`, also a leading "-", as bills write
    refunds); anything else raises MoneyFormatError, never rounds."""
    pattern = _SIGNED_YUAN if signed else _YUAN
    # fullmatch: "$" alone would also let a trailing newline through.
    if not isinstance(text, str) or not pattern.fullmatch(text):
        raise MoneyFormatError(f"{text!r} is not an amount in yuan with at most two decimals")
    return Decimal(text).quantize(FEN)


def parse_fen(value) -> int:
    """Fen as WeChat Pay sends them in JSON: an int from 0 to MAX_FEN. A bool, float, string,
    None or negative raises MoneyFormatError."""
    if type(value) is not int or not 0 <= value <= MAX_FEN:
        raise MoneyFormatError(f"{value!r} is not a whole number of fen")
    return value


def yuan_to_fen(value) -> int:
    return int(to_yuan(value) * 100)


def fen_to_yuan(fen: int) -> Decimal:
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("fen must be an int")
    return (Decimal(fen) / 100).quantize(FEN)


def yuan_str(value) -> str:
    """ "12.50": the API's and Alipay's form."""
    return f"{to_yuan(value):.2f}"
