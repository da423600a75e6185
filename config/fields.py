"""Serializer fields shared by the API's inputs."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.money import YUAN_PATTERN, MoneyFormatError, parse_yuan, yuan_str


@extend_schema_field({"type": "string", "format": "decimal", "pattern": YUAN_PATTERN, "example": "128.00"})
class MoneyField(serializers.Field):
    """Money in a request, as the API writes money: a string of yuan with at most two decimals
    ("128", "128.5", "128.00") -> Decimal with two places.

    Anything else is refused, never rounded: a JSON number (128.0, 1.28e2; the JSON parser has
    made it a float already), a sign, spaces, an exponent, leading zeros or a third decimal.
    Answers are written as "128.00"."""

    default_error_messages = {
        "not_a_string": 'Money is a string in yuan, like "128.00", not a number.',
        "invalid": (
            'An amount in yuan with at most two decimals, like "128.00": digits only, '
            "no sign, spaces, exponent or leading zero."
        ),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        try:
            return parse_yuan(data)
        except MoneyFormatError:
            self.fail("invalid")

    def to_representation(self, value):
        return yuan_str(value)
