"""Input and output of the giveaway API. They never write."""

from django.conf import settings
from rest_framework import serializers

from campaigns.giveaways import selectors
from storefront.catalog.serializers import absolute_url

MONEY = {"max_digits": 10, "decimal_places": 2}
MAX_BIG_ID = 2**63 - 1


class GiveawayListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=(selectors.ACTIVE, selectors.FINISHED), required=False, help_text="Absent: both."
    )


class ClaimInputSerializer(serializers.Serializer):
    address_id = serializers.IntegerField(
        min_value=1, max_value=MAX_BIG_ID, required=False, help_text="For a product prize: one of your addresses."
    )


class PrizeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="`product`, `points`, `coupon` or `cash`.")
    quantity = serializers.IntegerField()
    remaining = serializers.IntegerField(help_text="How many are left.")
    points = serializers.IntegerField(allow_null=True)
    cash_amount = serializers.DecimalField(**MONEY, allow_null=True, help_text="Yuan, for a cash prize.")
    sku = serializers.IntegerField(source="sku_id", allow_null=True)
    currency = serializers.SerializerMethodField()

    def get_currency(self, obj) -> str:
        return settings.OSCAR_DEFAULT_CURRENCY


class GiveawaySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    mode = serializers.CharField(help_text="`instant`, `first_come` or `draw`.")
    status = serializers.CharField(help_text="`published`, `closed` (entries frozen) or `drawn`.")
    banner = serializers.SerializerMethodField(help_text="Absolute URL, or empty.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    draw_at = serializers.DateTimeField(allow_null=True)
    entry_cost_points = serializers.IntegerField()
    prizes_left = serializers.SerializerMethodField()
    prizes = serializers.SerializerMethodField()
    commitment = serializers.CharField(help_text="sha256(seed), hex: shown from publishing (scheduled draws).")

    def get_banner(self, giveaway) -> str:
        return absolute_url(giveaway.banner.url) if giveaway.banner else ""

    def get_prizes_left(self, giveaway) -> int:
        return sum(p.remaining for p in giveaway.prizes.all())

    def get_prizes(self, giveaway) -> list[dict]:
        return PrizeSerializer(giveaway.prizes.all(), many=True).data


class GiveawayPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = GiveawaySerializer(many=True)


class StandingSerializer(serializers.Serializer):
    can_enter = serializers.BooleanField()
    reason = serializers.CharField(
        allow_null=True,
        help_text="Why not: not_authenticated, phone_required, tier, new_members_only, not_started, ended, limit_reached.",
    )
    entries = serializers.IntegerField()
    entries_left = serializers.IntegerField(allow_null=True)


class GiveawayDetailSerializer(GiveawaySerializer):
    rules_text = serializers.CharField()
    entries_per_member = serializers.IntegerField()
    entries_per_day = serializers.IntegerField(allow_null=True)
    win_chance = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="Percent, instant win.")
    phone_required = serializers.BooleanField()
    new_members_only = serializers.BooleanField()
    min_tier = serializers.CharField(source="min_tier.code", allow_null=True, default=None)
    claim_days = serializers.IntegerField()
    entries_hash = serializers.CharField(help_text="Shown from the close.")
    me = serializers.SerializerMethodField()

    def get_me(self, giveaway) -> dict:
        return StandingSerializer(self.context["standing"]).data


class EntryResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    giveaway = serializers.IntegerField(source="giveaway_id")
    result = serializers.CharField(help_text="`won`, `lost` or `entered` (waits for the draw).")
    prize = serializers.SerializerMethodField(help_text="The prize won, or null.")
    win = serializers.SerializerMethodField(help_text="The id to claim with `POST prizes/{id}/claim/`, or null.")
    points_spent = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def _win(self, entry):
        try:
            return entry.win
        except Exception:
            return None

    def get_prize(self, entry) -> dict | None:
        win = self._win(entry)
        return {"id": win.prize.pk, "name": win.prize.name, "kind": win.prize.kind} if win else None

    def get_win(self, entry) -> int | None:
        win = self._win(entry)
        return win.pk if win else None


class MyEntrySerializer(EntryResultSerializer):
    giveaway_title = serializers.CharField(source="giveaway.title")
    giveaway_slug = serializers.CharField(source="giveaway.slug")


class MyEntryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = MyEntrySerializer(many=True)


class WinSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    giveaway = serializers.IntegerField(source="giveaway_id")
    giveaway_title = serializers.CharField(source="giveaway.title")
    prize = PrizeSerializer()
    source = serializers.CharField()
    claim_status = serializers.CharField(help_text="`awaiting`, `claimed`, `lapsed` or `passed_on`.")
    claim_deadline = serializers.DateTimeField()
    fulfilment = serializers.CharField(help_text="`pending`, `in_progress`, `done` or `failed`.")
    order = serializers.CharField(source="order.number", allow_null=True, default=None)
    coupon = serializers.IntegerField(source="coupon_id", allow_null=True)
    transfer = serializers.SerializerMethodField(
        help_text="Cash: what wx.requestMerchantTransfer takes ({mchId, appId, package}) while it waits for you."
    )

    def get_transfer(self, win) -> dict | None:
        if not win.package_info or win.transfer_state != "WAIT_USER_CONFIRM":
            return None
        from platforms.wechat.transfer import get_merchant_transfer

        return get_merchant_transfer().confirm_params(win.package_info)


class WinPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = WinSerializer(many=True)


class ProofSerializer(serializers.Serializer):
    giveaway = serializers.IntegerField()
    algorithm = serializers.CharField()
    commitment = serializers.CharField()
    seed = serializers.CharField(help_text="Hex, revealed at the draw.")
    entries = serializers.ListField(child=serializers.IntegerField(), help_text="Entry ids ascending, from the close.")
    entry_members = serializers.DictField(
        child=serializers.CharField(), help_text="Entry id -> pseudonymous member reference (one per member)."
    )
    entries_hash = serializers.CharField()
    winners = serializers.ListField(child=serializers.IntegerField(), help_text="Winning entry ids, in order.")
    prizes = serializers.ListField(child=serializers.DictField(), help_text="In the order they are handed out.")
