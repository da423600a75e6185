"""Input and output of the coupon API. They never write."""

from django.conf import settings
from rest_framework import serializers

from offers import selectors

MONEY = {"max_digits": 12, "decimal_places": 2}
MAX_BIG_ID = 2**63 - 1


class CouponListQuerySerializer(serializers.Serializer):
    product = serializers.IntegerField(
        min_value=1, max_value=MAX_BIG_ID, required=False, help_text="Only the coupons that cover this product."
    )


class MyCouponsQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=selectors.STATUSES, required=False, help_text="Absent: all.")


class CouponRulesMixin(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField(help_text="`amount` (yuan off) or `percentage` (percent off).")
    value = serializers.DecimalField(**MONEY, help_text="Yuan off, or percent off (20.00: 20% off).")
    min_spend = serializers.DecimalField(**MONEY, help_text="Goods total the coupon needs (0.00: none).")
    rule = serializers.CharField(
        source="rule_text", help_text="The rule in words, as the coupon shows it (满100元减10元)."
    )
    all_products = serializers.BooleanField(help_text="False: only some products or categories.")
    currency = serializers.SerializerMethodField()

    def get_currency(self, obj) -> str:
        return settings.OSCAR_DEFAULT_CURRENCY


class ClaimableCouponSerializer(CouponRulesMixin):
    id = serializers.IntegerField(help_text="The batch id to claim with `POST coupons/{id}/claim/`.")
    total = serializers.IntegerField()
    remaining = serializers.IntegerField()
    per_member_limit = serializers.IntegerField()
    held = serializers.IntegerField(help_text="How many of these the member already holds.")
    audience = serializers.CharField(help_text="`anyone`, `new_members` or `tier`.")
    tier = serializers.CharField(source="tier.code", allow_null=True, default=None)
    claim_starts_at = serializers.DateTimeField()
    claim_ends_at = serializers.DateTimeField()
    validity = serializers.CharField(
        help_text="`fixed` (valid_from to valid_until) or `days` (valid_days from the claim)."
    )
    valid_from = serializers.DateTimeField(allow_null=True)
    valid_until = serializers.DateTimeField(allow_null=True)
    valid_days = serializers.IntegerField(allow_null=True)
    can_claim = serializers.SerializerMethodField(help_text="False when sold out or the member's limit is reached.")

    def get_can_claim(self, batch) -> bool:
        return batch.remaining > 0 and batch.held < batch.per_member_limit


class ClaimablePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ClaimableCouponSerializer(many=True)


class MemberCouponSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The coupon's id: `coupon_id` at checkout.")
    batch_id = serializers.IntegerField()
    name = serializers.CharField(source="batch.name")
    description = serializers.CharField(source="batch.description")
    kind = serializers.CharField(source="batch.kind")
    value = serializers.DecimalField(**MONEY, source="batch.value")
    min_spend = serializers.DecimalField(**MONEY, source="batch.min_spend")
    rule = serializers.CharField(source="batch.rule_text")
    all_products = serializers.BooleanField(source="batch.all_products")
    status = serializers.SerializerMethodField(help_text="`available`, `used` or `expired`.")
    source = serializers.CharField(help_text="`claimed` or `granted` (sent by the brand).")
    claimed_at = serializers.DateTimeField()
    starts_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    used_at = serializers.DateTimeField(allow_null=True)
    order_number = serializers.SerializerMethodField()
    saving = serializers.DecimalField(**MONEY, help_text="What it took off its order (0.00 unless used).")
    currency = serializers.SerializerMethodField()

    def get_status(self, coupon) -> str:
        return selectors.status_of(coupon)

    def get_order_number(self, coupon) -> str | None:
        return coupon.order.number if coupon.order_id else None

    def get_currency(self, coupon) -> str:
        return settings.OSCAR_DEFAULT_CURRENCY


class MemberCouponPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = MemberCouponSerializer(many=True)
