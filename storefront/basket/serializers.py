"""Input and output of the basket API."""

from rest_framework import serializers

MAX_QUANTITY_INPUT = 10_000  # anything larger is a typo or an attack; the real limit is a setting
MAX_ID = 2**31 - 1  # Oscar's product ids are 32-bit: a larger id is bad input, not a database error


class BasketLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.IntegerField(help_text="The SKU (child or standalone product) id.")
    product_id = serializers.IntegerField(help_text="The product to open for this line (the SKU's parent).")
    title = serializers.CharField()
    image = serializers.CharField(allow_null=True, help_text="List-size thumbnail, absolute URL.")
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="After discounts.")
    line_total_before_discounts = serializers.DecimalField(max_digits=12, decimal_places=2)
    available = serializers.BooleanField(help_text="False when the stock no longer covers the quantity.")


class DiscountSerializer(serializers.Serializer):
    name = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    voucher_code = serializers.CharField(allow_null=True)


class BasketSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    lines = BasketLineSerializer(many=True)
    num_items = serializers.IntegerField()
    items = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Goods before discounts.")
    discount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Total taken off by offers and vouchers."
    )
    total = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Goods after discounts; never below zero."
    )
    discounts = DiscountSerializer(many=True)
    vouchers = serializers.ListField(child=serializers.CharField())
    currency = serializers.CharField()


class AddLineSerializer(serializers.Serializer):
    sku = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY_INPUT, default=1)


class ChangeLineSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY_INPUT)


class VoucherSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=128, trim_whitespace=True)


class OptionalVoucherSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=128, required=False, allow_blank=True)
