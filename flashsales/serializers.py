"""Input and output of the flash-sale API. They never write."""

from rest_framework import serializers

from storefront.checkout.serializers import MAX_BIG_ID, PlaceOrderInputSerializer

MONEY = {"max_digits": 12, "decimal_places": 2}


class FlashSaleItemSerializer(serializers.Serializer):
    sku = serializers.IntegerField()
    title = serializers.CharField()
    sale_price = serializers.DecimalField(**MONEY)
    normal_price = serializers.DecimalField(**MONEY)
    quantity = serializers.IntegerField(help_text="Units set aside for the sale.")
    remaining = serializers.IntegerField(help_text="Units still to be had at the sale price.")
    sold_out = serializers.BooleanField()


class FlashSaleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=["upcoming", "running"])
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    server_time = serializers.DateTimeField(help_text="The server's clock, for the countdown.")
    seconds_to_start = serializers.IntegerField(help_text="0 once running.")
    seconds_to_end = serializers.IntegerField()
    per_member_limit = serializers.IntegerField(help_text="Units of each SKU one member may buy at the sale price.")
    items = FlashSaleItemSerializer(many=True)


class FlashSalePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    server_time = serializers.DateTimeField()
    results = FlashSaleSerializer(many=True)


class FlashSaleOrderInputSerializer(PlaceOrderInputSerializer):
    """What checkout takes (address or pickup store, payment method, note), plus the SKU and
    quantity; the total is the sale's, so `expected_total`, points and coupons are not taken."""

    sku = serializers.IntegerField(min_value=1, max_value=MAX_BIG_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=99, default=1)
    expected_total = None
    use_points = None
    coupon_id = None
