"""Giveaways: what marketers set up, the entries shoppers make and the prizes members win.

- `Giveaway`: one campaign in one of four modes: instant win (each entry draws against the
  odds), first come first served (every eligible entry wins while prizes last), a scheduled
  draw (winners drawn from the entries after the end, provably fair: see `draw.py`), or
  prizes given by marketers and other campaigns (no entries; UGC winners get theirs this way).
  Its rules (schedule, eligibility, cost, limits, odds, prizes) are frozen once published.
- `Prize`: a kind (product SKU, points, coupon, cash) with a quantity and what is left
  (`remaining`, taken by a conditional UPDATE), listed in the marketer's order (`position`).
- `Entry`: one entry of a member, numbered per member (`number`, unique with them, so the
  total limit is a constraint) and per member and Shanghai day (`day_number`, the daily
  limit); the same `Idempotency-Key` is one entry.
- `Win`: a prize won by a member (drawn, instantly, first come, from the reserve list or
  awarded outside the draw), with its claim and fulfilment state; unique on (source,
  reference), so the same award is one win.

Verbose names are Chinese: these screens are for the brand's marketers.
"""

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Giveaway(models.Model):
    class Mode(models.TextChoices):
        INSTANT = "instant", "即时开奖（按中奖概率）"
        FIRST_COME = "first_come", "先到先得"
        DRAW = "draw", "定时开奖（可验证抽签）"
        AWARDED = "awarded", "运营/其他活动发放（无需参与）"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        CLOSED = "closed", "已截止（参与名单已冻结）"
        DRAWN = "drawn", "已开奖"
        CANCELLED = "cancelled", "已取消"

    class RiskFallback(models.TextChoices):
        REFUSE = "refuse", "拒绝参与"
        ALLOW_AND_FLAG = "allow_flag", "允许参与并标记"

    class Unclaimed(models.TextChoices):
        LAPSE = "lapse", "作废"
        RESERVE = "reserve", "顺延给候补名单"

    title = models.CharField("活动名称", max_length=60)
    slug = models.SlugField("标识", max_length=60, unique=True, help_text="小程序页面用它打开本活动。")
    banner = models.ImageField("横幅图", upload_to="giveaways/banners/", blank=True)
    rules_text = models.TextField("活动规则", blank=True)
    mode = models.CharField("开奖方式", max_length=12, choices=Mode.choices, default=Mode.FIRST_COME)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    publish_at = models.DateTimeField("定时发布时间", null=True, blank=True, help_text="留空则手动发布。")
    starts_at = models.DateTimeField("开始参与时间")
    ends_at = models.DateTimeField("结束参与时间")
    draw_at = models.DateTimeField("开奖时间", null=True, blank=True, help_text="定时开奖时必填，不早于结束时间。")
    # Eligibility
    phone_required = models.BooleanField("需绑定手机号", default=False)
    min_tier = models.ForeignKey(
        "loyalty.Tier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最低会员等级",
    )
    new_members_only = models.BooleanField("仅限新会员", default=False, help_text="从未有过已付款订单的会员。")
    max_risk_rank = models.PositiveSmallIntegerField(
        "微信风险等级上限",
        null=True,
        blank=True,
        help_text="0（低）至 4（高）：高于此等级的参与被拒绝；留空则不查询。",
    )
    risk_fallback = models.CharField(
        "风险未知时",
        max_length=10,
        choices=RiskFallback.choices,
        default=RiskFallback.REFUSE,
        help_text="微信返回 61010 或接口不可用时。",
    )
    # Cost and limits
    entry_cost_points = models.PositiveIntegerField("每次参与消耗积分", default=0)
    entries_per_member = models.PositiveSmallIntegerField("每人总参与次数", default=1)
    entries_per_day = models.PositiveSmallIntegerField(
        "每人每天参与次数", null=True, blank=True, help_text="留空不限。"
    )
    win_chance = models.DecimalField(
        "中奖概率（%）",
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        help_text="即时开奖用：每次参与的中奖概率，0.01 至 100。",
    )
    # Winners
    claim_days = models.PositiveSmallIntegerField("领奖期限（天）", default=7)
    unclaimed = models.CharField("逾期未领", max_length=8, choices=Unclaimed.choices, default=Unclaimed.LAPSE)
    # The provable draw (draw.py): shown once published, frozen at the close, revealed at the draw.
    seed = models.CharField("随机种子", max_length=64, blank=True, editable=False)
    commitment = models.CharField("种子承诺 sha256(seed)", max_length=64, blank=True, editable=False)
    entries_hash = models.CharField("参与名单哈希", max_length=64, blank=True, editable=False)
    entries_frozen = models.PositiveIntegerField("冻结时参与数", null=True, blank=True, editable=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)
    closed_at = models.DateTimeField("截止时间", null=True, blank=True, editable=False)
    drawn_at = models.DateTimeField("开奖完成时间", null=True, blank=True, editable=False)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="开奖人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = "抽奖活动"
        verbose_name_plural = "抽奖活动"
        permissions = [("run_draw", "可以开奖")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="giveaways_ends_after_start"),
            models.CheckConstraint(
                condition=~Q(mode="draw") | Q(draw_at__isnull=False, draw_at__gte=F("ends_at")),
                name="giveaways_draw_time_after_end",
            ),
            models.CheckConstraint(condition=Q(entries_per_member__gte=1), name="giveaways_entries_per_member"),
            models.CheckConstraint(
                condition=Q(entries_per_day__isnull=True) | Q(entries_per_day__gte=1), name="giveaways_entries_per_day"
            ),
            models.CheckConstraint(
                condition=Q(win_chance__gt=0, win_chance__lte=100), name="giveaways_win_chance_in_range"
            ),
            models.CheckConstraint(
                condition=Q(max_risk_rank__isnull=True) | Q(max_risk_rank__lte=4), name="giveaways_risk_rank_0_to_4"
            ),
            models.CheckConstraint(condition=Q(claim_days__gte=1), name="giveaways_claim_days_positive"),
        ]

    def __str__(self):
        return self.title

    # Fields that change who can win or what: frozen once published (admin and services).
    FROZEN_FIELDS = (
        "mode",
        "starts_at",
        "ends_at",
        "draw_at",
        "phone_required",
        "min_tier",
        "new_members_only",
        "max_risk_rank",
        "risk_fallback",
        "entry_cost_points",
        "entries_per_member",
        "entries_per_day",
        "win_chance",
        "claim_days",
        "unclaimed",
    )

    @property
    def is_published(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def takes_entries(self) -> bool:
        return self.mode != self.Mode.AWARDED


class Prize(models.Model):
    class Kind(models.TextChoices):
        PRODUCT = "product", "实物商品（0元订单发货）"
        POINTS = "points", "积分"
        COUPON = "coupon", "优惠券"
        CASH = "cash", "现金红包（微信商家转账）"

    giveaway = models.ForeignKey(Giveaway, on_delete=models.CASCADE, related_name="prizes", verbose_name="活动")
    position = models.PositiveSmallIntegerField("顺序", default=0, help_text="开奖时按此顺序发放。")
    name = models.CharField("奖品名称", max_length=40)
    kind = models.CharField("奖品类型", max_length=8, choices=Kind.choices)
    quantity = models.PositiveIntegerField("数量")
    remaining = models.PositiveIntegerField("剩余", default=0, editable=False)
    sku = models.ForeignKey(
        "catalogue.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="商品规格（SKU）",
    )
    points = models.PositiveIntegerField("积分数", null=True, blank=True)
    coupon_batch = models.ForeignKey(
        "offers.CouponBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="优惠券批次",
    )
    cash_amount = models.DecimalField("现金金额（元）", max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["giveaway", "position", "pk"]
        verbose_name = "奖品"
        verbose_name_plural = "奖品"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="giveaways_prize_quantity_positive"),
            models.CheckConstraint(condition=Q(remaining__lte=F("quantity")), name="giveaways_prize_remaining_le_qty"),
            models.CheckConstraint(
                condition=Q(kind="product", sku__isnull=False)
                | Q(kind="points", points__gt=0)
                | Q(kind="coupon", coupon_batch__isnull=False)
                # WeChat Pay's merchant transfer: at least 0.10 yuan; 2,000 yuan and above needs a real name.
                | Q(kind="cash", cash_amount__gte=Decimal("0.10"), cash_amount__lt=Decimal("2000")),
                name="giveaways_prize_kind_complete",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self._state.adding and not self.remaining:
            self.remaining = self.quantity
        super().save(*args, **kwargs)

    def as_public(self) -> dict:
        return {"id": self.pk, "name": self.name, "kind": self.kind, "quantity": self.quantity}


class Entry(models.Model):
    class Result(models.TextChoices):
        ENTERED = "entered", "已参与（待开奖）"
        WON = "won", "中奖"
        LOST = "lost", "未中奖"

    giveaway = models.ForeignKey(Giveaway, on_delete=models.PROTECT, related_name="entries", verbose_name="活动")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="giveaway_entries", verbose_name="会员"
    )
    number = models.PositiveSmallIntegerField("第几次参与")
    day = models.DateField("参与日期（北京时间）")
    day_number = models.PositiveSmallIntegerField("当天第几次")
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)
    result = models.CharField("结果", max_length=8, choices=Result.choices, default=Result.ENTERED)
    points_spent = models.PositiveIntegerField("消耗积分", default=0)
    client_ip = models.GenericIPAddressField("IP", null=True, blank=True)
    risk_rank = models.PositiveSmallIntegerField("风险等级", null=True, blank=True)
    flagged = models.BooleanField("风险未知已标记", default=False)
    created_at = models.DateTimeField("参与时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "参与记录"
        verbose_name_plural = "参与记录"
        constraints = [
            models.UniqueConstraint(fields=["giveaway", "member", "number"], name="giveaways_entry_number_once"),
            models.UniqueConstraint(
                fields=["giveaway", "member", "day", "day_number"], name="giveaways_entry_day_number_once"
            ),
            models.UniqueConstraint(
                fields=["giveaway", "member", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="giveaways_entry_once_per_key",
            ),
            models.CheckConstraint(condition=Q(number__gte=1, day_number__gte=1), name="giveaways_entry_numbers"),
        ]
        indexes = [models.Index(fields=["member", "-created_at"], name="giveaways_entry_member_newest")]

    def __str__(self):
        return f"{self.giveaway} #{self.pk}"


class Win(models.Model):
    class Source(models.TextChoices):
        DRAW = "draw", "开奖"
        INSTANT = "instant", "即时中奖"
        FIRST_COME = "first_come", "先到先得"
        RESERVE = "reserve", "候补顺延"
        UGC = "ugc", "UGC 活动"
        STAFF = "staff", "运营发放"

    class Claim(models.TextChoices):
        AWAITING = "awaiting", "待领取"
        CLAIMED = "claimed", "已领取"
        LAPSED = "lapsed", "逾期作废"
        PASSED_ON = "passed_on", "逾期顺延给候补"

    class Fulfilment(models.TextChoices):
        PENDING = "pending", "未发放"
        IN_PROGRESS = "in_progress", "发放中"
        DONE = "done", "已发放"
        FAILED = "failed", "发放失败"

    giveaway = models.ForeignKey(Giveaway, on_delete=models.PROTECT, related_name="wins", verbose_name="活动")
    prize = models.ForeignKey(Prize, on_delete=models.PROTECT, related_name="wins", verbose_name="奖品")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="giveaway_wins", verbose_name="会员"
    )
    entry = models.OneToOneField(
        Entry, on_delete=models.PROTECT, null=True, blank=True, related_name="win", verbose_name="参与记录"
    )
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    reference = models.CharField("来源标识", max_length=64, help_text="如 entry:42、submission:42。")
    claim_status = models.CharField("领取状态", max_length=10, choices=Claim.choices, default=Claim.AWAITING)
    claim_deadline = models.DateTimeField("领取截止")
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    address = models.ForeignKey(
        "storefront.Address",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="收货地址",
    )
    fulfilment = models.CharField("发放状态", max_length=12, choices=Fulfilment.choices, default=Fulfilment.PENDING)
    fulfilled_at = models.DateTimeField("发放完成时间", null=True, blank=True)
    fulfilment_error = models.CharField("发放失败原因", max_length=200, blank=True)
    order = models.ForeignKey(
        "order.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="奖品订单"
    )
    coupon = models.ForeignKey(
        "offers.MemberCoupon", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="优惠券"
    )
    out_bill_no = models.CharField("转账商户单号", max_length=32, blank=True)
    transfer_bill_no = models.CharField("微信转账单号", max_length=64, blank=True)
    transfer_state = models.CharField("转账状态", max_length=20, blank=True)
    package_info = models.TextField("确认收款参数", blank=True)
    notified_at = models.DateTimeField("中奖通知时间", null=True, blank=True)
    created_at = models.DateTimeField("中奖时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "中奖记录"
        verbose_name_plural = "中奖记录"
        constraints = [
            models.UniqueConstraint(fields=["source", "reference"], name="giveaways_win_once_per_reference"),
        ]
        indexes = [models.Index(fields=["member", "-created_at"], name="giveaways_win_member_newest")]

    def __str__(self):
        return f"{self.prize} · {self.giveaway}"
