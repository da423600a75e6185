"""Output of the loyalty API (the shopper's endpoints take no body). They never write."""

from rest_framework import serializers

MONEY = {"max_digits": 12, "decimal_places": 2}


class TierSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    multiplier = serializers.DecimalField(
        max_digits=4, decimal_places=2, help_text="Points earned are multiplied by it."
    )
    benefits = serializers.CharField()


class NextTierSerializer(TierSerializer):
    threshold = serializers.IntegerField()
    basis = serializers.CharField(help_text="`lifetime_points` or `spend_12_months` (whole yuan).")
    progress = serializers.IntegerField(help_text="Where the member stands on the basis.")
    remaining = serializers.IntegerField(help_text="Still to go to reach this tier.")


class ExpiringDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    points = serializers.IntegerField()


class ExpiringSoonSerializer(serializers.Serializer):
    points = serializers.IntegerField(help_text="Points that expire within `days` days.")
    days = serializers.IntegerField()
    by_date = ExpiringDaySerializer(many=True)


class RedeemRulesSerializer(serializers.Serializer):
    redeem_points_per_yuan = serializers.IntegerField(help_text="Points worth one yuan at checkout.")
    redeem_min_points = serializers.IntegerField()
    redeem_max_share = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="Percent of the goods.")


class AccountSerializer(serializers.Serializer):
    available = serializers.IntegerField(help_text="Points that can be spent now.")
    pending = serializers.IntegerField(help_text="Points of paid orders, available once the order completes.")
    reserved = serializers.IntegerField(help_text="Points held by orders waiting for payment.")
    lifetime_points = serializers.IntegerField()
    value = serializers.DecimalField(**MONEY, help_text="What `available` is worth at checkout, in yuan.")
    currency = serializers.CharField()
    tier = TierSerializer(allow_null=True)
    next_tier = NextTierSerializer(allow_null=True, help_text="null at the top tier.")
    expiring_soon = ExpiringSoonSerializer()
    checked_in_today = serializers.BooleanField()
    streak = serializers.IntegerField(help_text="Consecutive days checked in, up to today or yesterday.")
    rules = RedeemRulesSerializer()


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    delta = serializers.IntegerField(help_text="Change of the available points.")
    pending_delta = serializers.IntegerField()
    reserved_delta = serializers.IntegerField()
    balance_after = serializers.IntegerField(help_text="Available points after this entry.")
    reason = serializers.CharField()
    order_number = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_order_number(self, entry) -> str | None:
        return entry.order.number if entry.order_id else None


class LedgerPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = EntrySerializer(many=True)


class CheckInSerializer(serializers.Serializer):
    awarded = serializers.IntegerField(source="points")
    streak = serializers.IntegerField()
    cycle_streak = serializers.IntegerField(help_text="Consecutive days within this week or month.")
    cycle_count = serializers.IntegerField(help_text="Check-ins within this week or month.")
    available = serializers.IntegerField()
    day = serializers.DateField()


class TierListEntrySerializer(TierSerializer):
    threshold = serializers.IntegerField()
    current = serializers.BooleanField()


class TierListSerializer(serializers.Serializer):
    basis = serializers.CharField(help_text="`lifetime_points` or `spend_12_months` (whole yuan).")
    downgrade = serializers.CharField(help_text="`never` or `after_period`.")
    downgrade_months = serializers.IntegerField(allow_null=True)
    results = TierListEntrySerializer(many=True)
