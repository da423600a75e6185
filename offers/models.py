"""Coupons: the batches marketers set up and the coupons members hold.

- `CouponBatch`: one kind of coupon (an amount off or a percentage, a minimum spend, the
  products or categories it covers), how many there are (`total`, `remaining`), how many one
  member may hold (`per_member_limit`), who may claim it and how long a claimed coupon is
  valid. The discount itself is Oscar's: each batch keeps a `ConditionalOffer` (type "User",
  so Oscar never applies it by itself) with a `Condition` (the minimum spend, or one item)
  and a `Benefit` (fixed or percentage) over a `Range` of the covered products and
  categories; `services.sync_offer` writes them from the batch.
- `MemberCoupon`: one coupon a member holds, numbered per batch and member
  (`claim_number`, unique with them), so the per-member limit is a unique constraint, not a
  count. It is `available` or `used` (by one order, unique); "expired" is an available coupon
  past `expires_at`.

Database checks keep `remaining` between 0 and `total`. Verbose names are Chinese: these
screens are for the brand's marketers.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class CouponBatch(models.Model):
    class Kind(models.TextChoices):
        AMOUNT = "amount", "满减（减固定金额）"
        PERCENTAGE = "percentage", "折扣（按百分比）"

    class Audience(models.TextChoices):
        ANYONE = "anyone", "所有会员"
        NEW_MEMBERS = "new_members", "新会员（从未下过已付款订单）"
        TIER = "tier", "指定会员等级"

    class Validity(models.TextChoices):
        FIXED = "fixed", "固定日期"
        DAYS = "days", "领取后 N 天内有效"

    name = models.CharField("券名称", max_length=60)
    description = models.CharField("使用说明", max_length=200, blank=True)
    kind = models.CharField("优惠类型", max_length=12, choices=Kind.choices, default=Kind.AMOUNT)
    value = models.DecimalField(
        "优惠额度", max_digits=10, decimal_places=2, help_text="满减：减多少元；折扣：减百分之几（如 20 即八折）。"
    )
    min_spend = models.DecimalField(
        "使用门槛（元）", max_digits=10, decimal_places=2, default=Decimal("0.00"), help_text="0：无门槛。"
    )
    all_products = models.BooleanField("全部商品可用", default=True)
    products = models.ManyToManyField(
        "catalogue.Product", blank=True, related_name="+", verbose_name="指定商品", help_text="含其所有规格（SKU）。"
    )
    categories = models.ManyToManyField(
        "catalogue.Category", blank=True, related_name="+", verbose_name="指定分类", help_text="含其子分类。"
    )
    total = models.PositiveIntegerField("发放总量")
    remaining = models.PositiveIntegerField("剩余数量", editable=False, default=0)
    per_member_limit = models.PositiveSmallIntegerField("每人限领", default=1)
    audience = models.CharField("可领取人群", max_length=12, choices=Audience.choices, default=Audience.ANYONE)
    tier = models.ForeignKey(
        "loyalty.Tier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="会员等级",
        help_text="可领取人群为“指定会员等级”时使用：该等级及以上。",
    )
    claim_starts_at = models.DateTimeField("开始领取时间")
    claim_ends_at = models.DateTimeField("结束领取时间")
    validity = models.CharField("有效期类型", max_length=8, choices=Validity.choices, default=Validity.FIXED)
    valid_from = models.DateTimeField("生效时间", null=True, blank=True)
    valid_until = models.DateTimeField("失效时间", null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField("领取后有效天数", null=True, blank=True)
    is_public = models.BooleanField("在领券中心展示", default=True, help_text="不展示的券只能由运营发放。")
    is_active = models.BooleanField("启用", default=True)
    offer = models.OneToOneField(
        "offer.ConditionalOffer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="coupon_batch",
        verbose_name="优惠规则",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["-claim_starts_at", "-pk"]
        verbose_name = "优惠券批次"
        verbose_name_plural = "优惠券批次"
        constraints = [
            models.CheckConstraint(condition=Q(remaining__gte=0), name="offers_batch_remaining_not_negative"),
            models.CheckConstraint(condition=Q(remaining__lte=F("total")), name="offers_batch_remaining_within_total"),
            models.CheckConstraint(condition=Q(value__gt=0), name="offers_batch_value_positive"),
            models.CheckConstraint(
                condition=Q(kind="amount") | Q(value__lte=100), name="offers_batch_percentage_at_most_100"
            ),
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="offers_batch_min_spend_not_negative"),
            models.CheckConstraint(condition=Q(per_member_limit__gte=1), name="offers_batch_limit_positive"),
            models.CheckConstraint(
                condition=Q(claim_ends_at__gt=F("claim_starts_at")), name="offers_batch_claim_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(validity="days", valid_days__gt=0)
                | Q(validity="fixed", valid_from__isnull=False, valid_until__gt=F("valid_from")),
                name="offers_batch_validity_complete",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self._state.adding and not self.remaining:
            self.remaining = self.total
        super().save(*args, **kwargs)

    @property
    def claimed(self) -> int:
        return self.total - self.remaining

    def rule_text(self) -> str:
        """The rule as the coupon shows it: 满100元减15元, 无门槛减5元, 满199元8.5折."""
        off = f"减{_yuan(self.value)}元" if self.kind == self.Kind.AMOUNT else f"{(100 - self.value) / 10:g}折"
        return f"满{_yuan(self.min_spend)}元{off}" if self.min_spend else f"无门槛{off}"


def _yuan(amount) -> str:
    text = f"{amount:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class MemberCoupon(models.Model):
    class Status(models.TextChoices):
        AVAILABLE = "available", "未使用"
        USED = "used", "已使用"

    class Source(models.TextChoices):
        CLAIMED = "claimed", "会员领取"
        GRANTED = "granted", "运营发放"

    batch = models.ForeignKey(CouponBatch, on_delete=models.PROTECT, related_name="coupons", verbose_name="批次")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coupons", verbose_name="会员"
    )
    claim_number = models.PositiveSmallIntegerField("第几张", help_text="该会员领取本批次的第几张（受每人限领约束）。")
    source = models.CharField("来源", max_length=8, choices=Source.choices, default=Source.CLAIMED)
    reason = models.CharField("发放原因", max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    claimed_at = models.DateTimeField("领取时间", auto_now_add=True)
    starts_at = models.DateTimeField("生效时间")
    expires_at = models.DateTimeField("失效时间")
    order = models.ForeignKey(
        "order.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="使用订单",
    )
    saving = models.DecimalField("优惠金额", max_digits=10, decimal_places=2, default=Decimal("0.00"))
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    returned_times = models.PositiveSmallIntegerField("退回次数", default=0, help_text="订单取消或全额退款后退回。")
    expiry_notified_at = models.DateTimeField("到期提醒时间", null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        verbose_name = "会员优惠券"
        verbose_name_plural = "会员优惠券"
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "member", "claim_number"], name="offers_one_coupon_per_claim_number"
            ),
            models.UniqueConstraint(
                fields=["member", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="offers_one_claim_per_idempotency_key",
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(order__isnull=False), name="offers_one_coupon_per_order"
            ),
            models.CheckConstraint(condition=Q(claim_number__gte=1), name="offers_claim_number_positive"),
            models.CheckConstraint(
                condition=Q(status="available", order__isnull=True) | Q(status="used"),
                name="offers_available_coupon_has_no_order",
            ),
            models.CheckConstraint(condition=Q(saving__gte=0), name="offers_saving_not_negative"),
        ]
        indexes = [models.Index(fields=["member", "status", "expires_at"], name="offers_member_status_expiry")]

    def __str__(self):
        return f"{self.batch.name} #{self.claim_number}"
