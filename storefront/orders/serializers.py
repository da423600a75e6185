"""Output of the shopper's orders and input of the order actions."""

from rest_framework import serializers

from config import private_media
from config.text import CleanCharField
from storefront.orders.models import AfterSalesRequest

MONEY = {"max_digits": 12, "decimal_places": 2}


class OrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    image = serializers.CharField(allow_null=True, help_text="List-size thumbnail, absolute URL.")
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(**MONEY)
    line_total = serializers.DecimalField(**MONEY, help_text="After discounts.")


class OrderSummarySerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    total = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    placed_at = serializers.DateTimeField()
    pay_before = serializers.DateTimeField(allow_null=True)
    fulfilment = serializers.CharField()
    num_items = serializers.IntegerField()
    lines = OrderLineSerializer(many=True)


class StatusCountsSerializer(serializers.Serializer):
    pending_payment = serializers.IntegerField()
    paid = serializers.IntegerField()
    partially_shipped = serializers.IntegerField()
    shipped = serializers.IntegerField()
    delivered = serializers.IntegerField()
    completed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    refunding = serializers.IntegerField()
    refunded = serializers.IntegerField()


class OrderPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = OrderSummarySerializer(many=True)
    counts = StatusCountsSerializer(help_text="Orders per status over all of the member's orders (for badges).")


class OrderListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=list(StatusCountsSerializer().fields), required=False)


class DeliveryAddressSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField()
    detail = serializers.CharField()
    postcode = serializers.CharField()


class PickupStoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    phone = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6)


class AfterSalesPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField(
        help_text=(
            "Absolute URL for this shopper only, usable as <image src> without headers; it expires after "
            "PRIVATE_MEDIA_URL_SECONDS (15 minutes by default): fetch the order again for fresh URLs."
        )
    )

    def get_url(self, photo) -> str:
        # The private storage answers a URL for this viewer: the signed view's on disk, a
        # presigned one on object storage (config/private_media.py).
        request = self.context.get("request")
        return private_media.url_for(photo.image, getattr(request, "user", None), request)


class AfterSalesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    lines = serializers.ListField(child=serializers.DictField())
    photos = AfterSalesPhotoSerializer(many=True)
    decision_note = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class OrderDetailSerializer(OrderSummarySerializer):
    items = serializers.DecimalField(**MONEY, help_text="Goods before discounts.")
    discount = serializers.DecimalField(**MONEY)
    shipping = serializers.DecimalField(**MONEY)
    shipping_method = serializers.CharField()
    payment_method = serializers.CharField(allow_null=True)
    note = serializers.CharField()
    address = DeliveryAddressSerializer(allow_null=True)
    store = PickupStoreSerializer(allow_null=True)
    pickup_code = serializers.CharField(
        allow_null=True, help_text="Shown once the order is paid; staff hand the order over against it."
    )
    paid_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    can_cancel = serializers.BooleanField()
    can_confirm_receipt = serializers.BooleanField()
    can_request_refund = serializers.BooleanField()
    after_sales = AfterSalesSerializer(many=True)
    payments = serializers.ListField(child=serializers.DictField(), help_text="Filled by the payments app.")
    shipments = serializers.ListField(child=serializers.DictField(), help_text="Filled by the logistics app.")
    points = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="Filled by the loyalty app: points earned and used."
    )


class RefundLineSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000)


class RefundRequestInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=AfterSalesRequest.Kind.choices)
    # Read by support: line breaks kept, invisible and direction-control characters refused.
    reason = CleanCharField(multiline=True, max_length=500)
    lines = RefundLineSerializer(many=True, required=False)
    # Plain files: an ImageField would decode the whole image before the pixel limit is
    # read; every photo goes through config/images.py instead (storefront/orders/photos.py).
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=6,
        help_text="Up to 6 photos (multipart): JPEG, PNG or WebP, at most 10 MB and 50 megapixels each.",
    )
