"""Loyalty data: the rules marketers set, and the points a member holds.

Points are money the brand owes, so they are kept like money:

- `Account`: one row per member with the three balances (`available` to spend, `pending`
  until an order completes, `reserved` by an order waiting for payment). Every change locks
  this row first (`select_for_update`); database checks keep each balance at or above zero.
- `Entry`: the append-only ledger. Each change of a balance is one entry with its deltas,
  the balances after it, a reason and what caused it (order, campaign reference, staff
  member). An entry caused by something that may be announced twice carries a `key`,
  unique per account, so a repeated notification cannot count twice.
- `Lot`: each grant of available points, with its own expiry and what is left of it.
  Spending draws from the lots that expire first; `LotDraw` records which entry took (or
  gave back) how much of which lot, so lots, ledger and account can be checked against each
  other (`manage.py verify_points`).
- `OrderPoints`: what one order earns and spends, the state of each, and how much of it
  refunds have taken back.
- `CheckIn`: one row per member and Shanghai calendar day (unique), with the streak.

The rules: `Rules` (one row: earning rate, spending rate and caps, expiry, tier basis,
check-in points), `Promotion` (scheduled multipliers), `Tier`, `BonusRule`, `CheckInReward`.
Verbose names are Chinese: these screens are for the brand's marketers.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- rules -----------------------------------------------------------------------------------
class Rules(models.Model):
    """The one set of points rules (primary key 1). Read through `selectors.current_rules`,
    which answers the defaults below when marketers have not saved the rules yet."""

    class Expiry(models.TextChoices):
        END_OF_NEXT_YEAR = "end_of_next_year", "次年年底过期（12月31日 23:59:59）"
        DAYS = "days", "发放后固定天数过期"
        NEVER = "never", "永不过期"

    class TierBasis(models.TextChoices):
        LIFETIME_POINTS = "lifetime_points", "累计获得积分"
        SPEND_12_MONTHS = "spend_12_months", "近12个月消费金额（元）"

    class Downgrade(models.TextChoices):
        NEVER = "never", "永不降级"
        AFTER_PERIOD = "after_period", "低于门槛满一段时间后降级"

    class Cycle(models.TextChoices):
        WEEK = "week", "按自然周（周一至周日）"
        MONTH = "month", "按自然月"

    earn_enabled = models.BooleanField("开启购物得积分", default=True)
    earn_points_per_yuan = models.DecimalField(
        "每实付1元得积分",
        max_digits=6,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text="按实付商品金额计算（扣除优惠和积分抵扣，不含运费），乘以等级倍率和活动倍率后向下取整。",
    )
    available_after_days = models.PositiveSmallIntegerField(
        "付款后自动入账天数",
        null=True,
        blank=True,
        help_text="留空：订单完成时入账。填写天数：订单完成或付款满该天数时入账，以先到者为准。",
    )
    redeem_enabled = models.BooleanField("开启积分抵现", default=True)
    redeem_points_per_yuan = models.PositiveIntegerField(
        "多少积分抵1元", default=100, help_text="例如 100：100 积分抵 1 元。抵扣金额按分向下取整。"
    )
    redeem_max_share = models.DecimalField(
        "最多抵扣商品金额的百分比", max_digits=5, decimal_places=2, default=Decimal("50.00")
    )
    redeem_min_points = models.PositiveIntegerField("单笔最少使用积分", default=100)
    expiry = models.CharField("有效期规则", max_length=20, choices=Expiry.choices, default=Expiry.END_OF_NEXT_YEAR)
    expiry_days = models.PositiveIntegerField("有效天数", default=365, help_text="有效期规则为“固定天数”时使用。")
    tier_basis = models.CharField(
        "会员等级依据", max_length=20, choices=TierBasis.choices, default=TierBasis.LIFETIME_POINTS
    )
    tier_downgrade = models.CharField("降级规则", max_length=20, choices=Downgrade.choices, default=Downgrade.NEVER)
    tier_downgrade_months = models.PositiveSmallIntegerField(
        "低于门槛多少个月后降级", default=3, help_text="降级规则为“满一段时间后降级”时使用。"
    )
    check_in_points = models.PositiveIntegerField("每日签到积分", default=5)
    check_in_cycle = models.CharField(
        "签到奖励周期",
        max_length=10,
        choices=Cycle.choices,
        default=Cycle.WEEK,
        help_text="连续和累计签到天数按周期重新计算。",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="修改人",
    )

    class Meta:
        verbose_name = "积分规则"
        verbose_name_plural = "积分规则"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="loyalty_rules_single_row"),
            models.CheckConstraint(
                condition=Q(earn_points_per_yuan__gte=0), name="loyalty_rules_earn_rate_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(redeem_points_per_yuan__gt=0), name="loyalty_rules_redeem_rate_positive"
            ),
            models.CheckConstraint(
                condition=Q(redeem_max_share__gte=0, redeem_max_share__lte=100), name="loyalty_rules_share_is_percent"
            ),
            models.CheckConstraint(condition=Q(expiry_days__gt=0), name="loyalty_rules_expiry_days_positive"),
        ]

    def __str__(self):
        return "积分规则"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    def expiry_for(self, granted_at: dt.datetime) -> dt.datetime | None:
        """When points granted at `granted_at` expire (the last moment they can be used)."""
        if self.expiry == self.Expiry.NEVER:
            return None
        if self.expiry == self.Expiry.DAYS:
            return granted_at + dt.timedelta(days=self.expiry_days)
        year = granted_at.astimezone(SHANGHAI).year + 1
        return dt.datetime(year, 12, 31, 23, 59, 59, tzinfo=SHANGHAI)


class Promotion(models.Model):
    """Scheduled extra points ("double points weekend"): a multiplier on the points of the
    order lines it covers, for orders placed between its start and end. Where several apply
    to one line, the highest multiplier counts (they do not multiply each other)."""

    name = models.CharField("活动名称", max_length=100)
    multiplier = models.DecimalField("积分倍率", max_digits=4, decimal_places=2, default=Decimal("2.00"))
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    all_products = models.BooleanField("全部商品", default=False)
    categories = models.ManyToManyField(
        "catalogue.Category", blank=True, related_name="+", verbose_name="指定分类", help_text="含其子分类。"
    )
    products = models.ManyToManyField(
        "catalogue.Product", blank=True, related_name="+", verbose_name="指定商品", help_text="含其所有规格（SKU）。"
    )
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = "积分活动"
        verbose_name_plural = "积分活动"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="loyalty_promotion_ends_after_start"),
            models.CheckConstraint(condition=Q(multiplier__gt=0), name="loyalty_promotion_multiplier_positive"),
        ]

    def __str__(self):
        return f"{self.name}（×{self.multiplier}）"


class Tier(models.Model):
    """A membership level, reached at `threshold` (points or yuan, by `Rules.tier_basis`)."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32)
    threshold = models.PositiveIntegerField("门槛", unique=True, help_text="累计积分，或近12个月消费金额（元）。")
    multiplier = models.DecimalField("积分倍率", max_digits=4, decimal_places=2, default=Decimal("1.00"))
    benefits = models.TextField("会员权益", blank=True)

    class Meta:
        ordering = ["threshold"]
        verbose_name = "会员等级"
        verbose_name_plural = "会员等级"
        constraints = [
            models.CheckConstraint(condition=Q(multiplier__gt=0), name="loyalty_tier_multiplier_positive"),
        ]

    def __str__(self):
        return self.name


class BonusRule(models.Model):
    """Points for something a member does, at most once per rule and reference (first login
    and phone binding once ever, birthday once a year, a UGC approval or poll answer once per
    campaign). Campaigns call `loyalty.services.award_bonus`."""

    class Kind(models.TextChoices):
        FIRST_LOGIN = "first_login", "首次登录"
        PHONE_BOUND = "phone_bound", "绑定手机号"
        BIRTHDAY_MONTH = "birthday_month", "生日月"
        UGC_APPROVED = "ugc_approved", "UGC 内容通过审核"
        POLL_ANSWERED = "poll_answered", "参与问卷"

    kind = models.CharField("奖励类型", max_length=20, choices=Kind.choices, unique=True)
    points = models.PositiveIntegerField("奖励积分")
    is_active = models.BooleanField("启用", default=True)
    starts_at = models.DateTimeField("生效时间", null=True, blank=True)
    ends_at = models.DateTimeField("截止时间", null=True, blank=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = "奖励规则"
        verbose_name_plural = "奖励规则"
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="loyalty_bonus_points_positive")]

    def __str__(self):
        return f"{self.get_kind_display()} +{self.points}"


class CheckInReward(models.Model):
    """Extra points on top of the daily check-in points: on the Nth consecutive day of the
    cycle (`streak`) or on the Nth check-in of the cycle (`cumulative`)."""

    class Kind(models.TextChoices):
        STREAK = "streak", "连续签到第N天"
        CUMULATIVE = "cumulative", "周期内累计签到第N天"

    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    day = models.PositiveSmallIntegerField("第N天")
    points = models.PositiveIntegerField("额外积分")

    class Meta:
        ordering = ["kind", "day"]
        verbose_name = "签到奖励"
        verbose_name_plural = "签到奖励"
        constraints = [
            models.UniqueConstraint(fields=["kind", "day"], name="loyalty_one_check_in_reward_per_day"),
            models.CheckConstraint(condition=Q(day__gte=1, day__lte=31), name="loyalty_check_in_reward_day_in_cycle"),
            models.CheckConstraint(condition=Q(points__gt=0), name="loyalty_check_in_reward_points_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.day}：+{self.points}"


# --- a member's points -------------------------------------------------------------------------
class Account(models.Model):
    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="loyalty_account", verbose_name="会员"
    )
    available = models.BigIntegerField("可用积分", default=0)
    pending = models.BigIntegerField("待入账积分", default=0)
    reserved = models.BigIntegerField("已冻结积分", default=0, help_text="待付款订单使用的积分。")
    lifetime_points = models.BigIntegerField("累计获得积分", default=0, help_text="用于会员等级：不因使用或过期减少。")
    tier = models.ForeignKey(
        Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="accounts", verbose_name="会员等级"
    )
    tier_since = models.DateTimeField("当前等级起始", null=True, blank=True)
    below_tier_since = models.DateTimeField("低于等级门槛起始", null=True, blank=True)
    created_at = models.DateTimeField("开户时间", auto_now_add=True)
    updated_at = models.DateTimeField("最后变动", auto_now=True)

    class Meta:
        verbose_name = "积分账户"
        verbose_name_plural = "积分账户"
        permissions = [("adjust_points", "可以人工调整会员积分")]
        constraints = [
            models.CheckConstraint(condition=Q(available__gte=0), name="loyalty_account_available_not_negative"),
            models.CheckConstraint(condition=Q(pending__gte=0), name="loyalty_account_pending_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="loyalty_account_reserved_not_negative"),
            models.CheckConstraint(condition=Q(lifetime_points__gte=0), name="loyalty_account_lifetime_not_negative"),
        ]

    def __str__(self):
        return f"{self.member} 的积分"


class Entry(models.Model):
    """One change of an account's balances. Never updated or deleted."""

    class Kind(models.TextChoices):
        EARN = "earn", "购物获得（待入账）"
        EARN_CONFIRMED = "earn_confirmed", "购物积分入账"
        EARN_VOIDED = "earn_voided", "订单取消，待入账作废"
        CLAWBACK = "clawback", "退款扣回"
        BONUS = "bonus", "奖励"
        CHECK_IN = "check_in", "签到"
        REDEEM_RESERVE = "redeem_reserve", "下单抵扣（冻结）"
        REDEEM_CONSUME = "redeem_consume", "抵扣生效（已付款）"
        REDEEM_RELEASE = "redeem_release", "订单取消，抵扣退回"
        REDEEM_RETURN = "redeem_return", "退款，抵扣退回"
        EXPIRE = "expire", "过期"
        ADJUST = "adjust", "人工调整"
        MERGE_IN = "merge_in", "会员合并转入"
        MERGE_OUT = "merge_out", "会员合并转出"
        ERASE = "erase", "注销清零"
        GIVEAWAY_ENTRY = "giveaway_entry", "参与抽奖"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries", verbose_name="积分账户")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    delta = models.BigIntegerField("可用变动")
    pending_delta = models.BigIntegerField("待入账变动", default=0)
    reserved_delta = models.BigIntegerField("冻结变动", default=0)
    balance_after = models.BigIntegerField("变动后可用")
    pending_after = models.BigIntegerField("变动后待入账")
    reserved_after = models.BigIntegerField("变动后冻结")
    reason = models.CharField("原因", max_length=200, blank=True)
    order = models.ForeignKey(
        "order.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="订单"
    )
    reference = models.CharField("关联", max_length=64, blank=True, help_text="退款单号、活动或其他来源。")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    # What makes the entry happen once: "earn:order:12", "check_in:2026-05-01", ...
    key = models.CharField("幂等键", max_length=100, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "积分明细"
        verbose_name_plural = "积分明细"
        indexes = [models.Index(fields=["account", "-id"], name="loyalty_entry_account_newest")]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], condition=~Q(key=""), name="loyalty_entry_once_per_key"),
            # What an order does to an account happens once per kind, whatever the key says.
            models.UniqueConstraint(
                fields=["account", "kind", "order"],
                condition=Q(
                    kind__in=[
                        "earn",
                        "earn_confirmed",
                        "earn_voided",
                        "redeem_reserve",
                        "redeem_consume",
                        "redeem_release",
                    ]
                ),
                name="loyalty_entry_once_per_order_and_kind",
            ),
            models.CheckConstraint(
                condition=~Q(delta=0, pending_delta=0, reserved_delta=0), name="loyalty_entry_changes_something"
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0, pending_after__gte=0, reserved_after__gte=0),
                name="loyalty_entry_balances_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjust") | (Q(staff__isnull=False) & ~Q(reason="")),
                name="loyalty_adjustment_has_staff_and_reason",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.delta:+d}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Ledger entries are append-only.")


class Lot(models.Model):
    """Points granted at once, spent earliest-expiring first."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lots", verbose_name="积分账户")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="lots", verbose_name="来源明细")
    points = models.BigIntegerField("发放积分")
    remaining = models.BigIntegerField("剩余积分")
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)
    created_at = models.DateTimeField("发放时间", auto_now_add=True)

    class Meta:
        ordering = ["expires_at", "id"]
        verbose_name = "积分批次"
        verbose_name_plural = "积分批次"
        indexes = [
            models.Index(
                fields=["account", "expires_at"], condition=Q(remaining__gt=0), name="loyalty_lot_open_by_expiry"
            ),
            models.Index(fields=["expires_at"], condition=Q(remaining__gt=0), name="loyalty_lot_open_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="loyalty_lot_points_positive"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0, remaining__lte=F("points")), name="loyalty_lot_remaining_within_points"
            ),
        ]

    def __str__(self):
        return f"{self.remaining}/{self.points}"


class LotDraw(models.Model):
    """What one entry took from (positive) or gave back to (negative) one lot."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="draws", verbose_name="积分批次")
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="draws", verbose_name="积分明细")
    points = models.BigIntegerField("积分")

    class Meta:
        verbose_name = "批次扣减"
        verbose_name_plural = "批次扣减"
        constraints = [models.CheckConstraint(condition=~Q(points=0), name="loyalty_lot_draw_not_zero")]


class OrderPoints(models.Model):
    """What one order earns and spends. Locked through its account (every change of it
    happens under the account's row lock)."""

    class EarnState(models.TextChoices):
        NOT_AWARDED = "not_awarded", "未发放"
        PENDING = "pending", "待入账"
        AVAILABLE = "available", "已入账"
        VOIDED = "voided", "已作废"

    class RedeemState(models.TextChoices):
        NONE = "none", "未使用积分"
        RESERVED = "reserved", "已冻结"
        CONSUMED = "consumed", "已抵扣"
        RELEASED = "released", "已退回"

    order = models.OneToOneField(
        "order.Order", on_delete=models.PROTECT, related_name="loyalty_points", verbose_name="订单"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="orders", verbose_name="积分账户")
    earn_state = models.CharField(
        "获得积分状态", max_length=12, choices=EarnState.choices, default=EarnState.NOT_AWARDED
    )
    earned = models.BigIntegerField("获得积分", default=0)
    clawed = models.BigIntegerField("已扣回积分", default=0)
    unrecovered = models.BigIntegerField("未能扣回积分", default=0, help_text="退款时已被使用、无法扣回的积分。")
    base = models.DecimalField("计分金额", max_digits=12, decimal_places=2, default=Decimal("0.00"))
    paid_total = models.DecimalField("实付金额", max_digits=12, decimal_places=2, default=Decimal("0.00"))
    refunded = models.DecimalField("已退款金额", max_digits=12, decimal_places=2, default=Decimal("0.00"))
    awarded_at = models.DateTimeField("发放时间", null=True, blank=True)
    confirm_due_at = models.DateTimeField("自动入账时间", null=True, blank=True, db_index=True)
    confirmed_at = models.DateTimeField("入账时间", null=True, blank=True)
    redeem_state = models.CharField("抵扣状态", max_length=12, choices=RedeemState.choices, default=RedeemState.NONE)
    used = models.BigIntegerField("使用积分", default=0)
    saving = models.DecimalField("抵扣金额", max_digits=12, decimal_places=2, default=Decimal("0.00"))
    returned = models.BigIntegerField("已退回积分", default=0)
    # The refunds already settled against this order's points: each counts once.
    refund_numbers = models.JSONField("已处理退款单号", default=list, blank=True)

    class Meta:
        verbose_name = "订单积分"
        verbose_name_plural = "订单积分"
        constraints = [
            models.CheckConstraint(
                condition=Q(earned__gte=0, clawed__gte=0, unrecovered__gte=0, used__gte=0, returned__gte=0),
                name="loyalty_order_points_not_negative",
            ),
            models.CheckConstraint(condition=Q(clawed__lte=F("earned")), name="loyalty_order_clawed_within_earned"),
            models.CheckConstraint(
                condition=Q(unrecovered__lte=F("clawed")), name="loyalty_order_unrecovered_within_clawed"
            ),
            models.CheckConstraint(condition=Q(returned__lte=F("used")), name="loyalty_order_returned_within_used"),
            models.CheckConstraint(
                condition=Q(saving__gte=0, refunded__gte=0), name="loyalty_order_money_not_negative"
            ),
        ]

    def __str__(self):
        # The order's number, as staff and the shopper know it (the admin inline shows it).
        return f"订单 {self.order.number}"

    @property
    def pending_points(self) -> int:
        return self.earned - self.clawed if self.earn_state == self.EarnState.PENDING else 0


class CheckIn(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="check_ins", verbose_name="积分账户")
    day = models.DateField("日期（北京时间）")
    streak = models.PositiveIntegerField("连续签到天数")
    cycle_streak = models.PositiveIntegerField("本周期连续天数")
    cycle_count = models.PositiveIntegerField("本周期累计天数")
    points = models.PositiveIntegerField("获得积分")
    created_at = models.DateTimeField("签到时间", auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = "签到记录"
        verbose_name_plural = "签到记录"
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="loyalty_one_check_in_per_day"),
            models.CheckConstraint(condition=Q(streak__gte=1), name="loyalty_check_in_streak_positive"),
        ]

    def __str__(self):
        return f"{self.day} +{self.points}"


class PointsLiability(Account):
    """The liability page of the admin (outstanding points and monthly flows); a proxy so
    that it has its own place and view permission in the admin."""

    class Meta:
        proxy = True
        verbose_name = "积分负债"
        verbose_name_plural = "积分负债"


class PointsCheck(models.Model):
    """One run of `verify_points`: ledger, lots and accounts compared for every member."""

    started_at = models.DateTimeField("检查时间", auto_now_add=True)
    accounts = models.PositiveIntegerField("检查账户数", default=0)
    drifted = models.PositiveIntegerField("不一致账户数", default=0)
    details = models.JSONField("不一致明细", default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "积分核对"
        verbose_name_plural = "积分核对"

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.drifted}/{self.accounts}"
