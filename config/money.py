"""The one money conversion of the kit.

Money is `Decimal` yuan in the database and the API, integer fen for WeChat Pay, and a
"12.50" string for Alipay. Floats are refused everywhere: a float reaching these
functions is a bug, not an input."""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
CURRENCY = "CNY"


def to_yuan(value) -> Decimal:
    """A Decimal, int or numeric string -> Decimal yuan with two places."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def yuan_to_fen(value) -> int:
    return int(to_yuan(value) * 100)


def fen_to_yuan(fen: int) -> Decimal:
    if not isinstance(fen, int):
        raise TypeError("fen must be an int")
    return (Decimal(fen) / 100).quantize(FEN)


def yuan_str(value) -> str:
    """ "12.50": the API's and Alipay's form."""
    return f"{to_yuan(value):.2f}"
