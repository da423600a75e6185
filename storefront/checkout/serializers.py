"""Input and output of checkout (preview and place)."""

from rest_framework import serializers

from config.fields import MoneyField
from config.text import CleanCharField
from platforms.base import Platform
from storefront.basket.serializers import BasketLineSerializer, DiscountSerializer

MAX_BIG_ID = 2**63 - 1
MAX_POINTS = 10**9


class CheckoutInputSerializer(serializers.Serializer):
    address_id = serializers.IntegerField(min_value=1, max_value=MAX_BIG_ID, required=False, allow_null=True)
    store_id = serializers.IntegerField(
        min_value=1, max_value=MAX_BIG_ID, required=False, allow_null=True, help_text="Pickup at this store."
    )
    shipping_method = serializers.CharField(max_length=32, required=False, allow_blank=True)
    payment_method = serializers.ChoiceField(choices=Platform.choices)
    use_points = serializers.IntegerField(
        min_value=0,
        max_value=MAX_POINTS,
        required=False,
        default=0,
        help_text="Points to pay with (a whole number; 0 or absent: none). The preview's `points` says how many may be used.",
    )

    coupon_id = serializers.IntegerField(
        min_value=0,
        max_value=MAX_BIG_ID,
        required=False,
        allow_null=True,
        help_text="One of the member's coupons (`GET me/coupons/`). Absent: the coupon that saves most, as the "
        "preview's `coupon_id` shows; null or 0: no coupon.",
    )

    def validate_use_points(self, value):
        # A JSON 1.5 (or true) must not become 1: points are whole numbers, given as such.
        raw = self.initial_data.get("use_points") if hasattr(self.initial_data, "get") else None
        if isinstance(raw, (bool, float)) or (isinstance(raw, str) and not raw.strip().isdigit()):
            raise serializers.ValidationError("A whole number of points.")
        return value

    def validate(self, attrs):
        if not attrs.get("address_id") and not attrs.get("store_id"):
            raise serializers.ValidationError({"address_id": "Give address_id (delivery) or store_id (pickup)."})
        if attrs.get("address_id") and attrs.get("store_id"):
            raise serializers.ValidationError({"store_id": "Give either address_id or store_id, not both."})
        return attrs


class PlaceOrderInputSerializer(CheckoutInputSerializer):
    expected_total = MoneyField(
        required=False,
        allow_null=True,
        help_text=(
            'The preview\'s total, as the preview wrote it: a string of yuan with at most two decimals ("68.00"; '
            "not a JSON number). When it differs from the total now, the answer is 409 price_changed."
        ),
    )
    # Read by the packers: line breaks kept, invisible and direction-control characters refused.
    note = CleanCharField(multiline=True, max_length=200, required=False, allow_blank=True, default="")


class ShippingOptionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    charge = serializers.DecimalField(max_digits=12, decimal_places=2)


class PointsPreviewSerializer(serializers.Serializer):
    available = serializers.IntegerField(help_text="The member's available points.")
    max_usable = serializers.IntegerField(help_text="The most points this order accepts (0: none can be used).")
    used = serializers.IntegerField(help_text="The points applied (`use_points`).")
    saving = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Yuan taken off the total by them.")
    rate = serializers.IntegerField(help_text="Points worth one yuan.")
    minimum = serializers.IntegerField(help_text="The fewest points that can be used at once.")


class CouponOptionSerializer(serializers.Serializer):
    coupon_id = serializers.IntegerField()
    name = serializers.CharField()
    rule = serializers.CharField(help_text="The coupon's rule in words (满100元减10元).")
    expires_at = serializers.DateTimeField()
    saving = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="What it would take off this order.")
    usable = serializers.BooleanField(help_text="False: it does not apply to this basket (see `reason`).")
    reason = serializers.CharField(
        help_text="Why not: `coupon_not_applicable`, `coupon_not_combinable`; empty if usable."
    )


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
    points = PointsPreviewSerializer()
    coupons = CouponOptionSerializer(many=True, help_text="The member's coupons usable now, with what each saves.")
    coupon_id = serializers.IntegerField(allow_null=True, help_text="The coupon applied (in `discount`); null: none.")


class PlacedOrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2, source="total_incl_tax")
    currency = serializers.CharField()
    pay_before = serializers.DateTimeField(source="info.pay_before")
    payment_method = serializers.CharField(source="info.payment_method")
