"""Input and output of checkout (preview and place)."""

from rest_framework import serializers

from platforms.base import Platform
from storefront.basket.serializers import BasketLineSerializer, DiscountSerializer

MAX_BIG_ID = 2**63 - 1


class CheckoutInputSerializer(serializers.Serializer):
    address_id = serializers.IntegerField(min_value=1, max_value=MAX_BIG_ID, required=False, allow_null=True)
    store_id = serializers.IntegerField(
        min_value=1, max_value=MAX_BIG_ID, required=False, allow_null=True, help_text="Pickup at this store."
    )
    shipping_method = serializers.CharField(max_length=32, required=False, allow_blank=True)
    payment_method = serializers.ChoiceField(choices=Platform.choices)

    def validate(self, attrs):
        if not attrs.get("address_id") and not attrs.get("store_id"):
            raise serializers.ValidationError({"address_id": "Give address_id (delivery) or store_id (pickup)."})
        if attrs.get("address_id") and attrs.get("store_id"):
            raise serializers.ValidationError({"store_id": "Give either address_id or store_id, not both."})
        return attrs


class PlaceOrderInputSerializer(CheckoutInputSerializer):
    expected_total = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="The preview's total. When it differs from the total now, the answer is 409 price_changed.",
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ShippingOptionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    charge = serializers.DecimalField(max_digits=12, decimal_places=2)


class PreviewSerializer(serializers.Serializer):
    items = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    shipping_method = serializers.CharField()
    shipping_methods = ShippingOptionSerializer(many=True)
    lines = BasketLineSerializer(many=True)
    discounts = DiscountSerializer(many=True)


class PlacedOrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2, source="total_incl_tax")
    currency = serializers.CharField()
    pay_before = serializers.DateTimeField(source="info.pay_before")
    payment_method = serializers.CharField(source="info.payment_method")
