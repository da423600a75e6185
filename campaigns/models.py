"""Entry points and attribution: where shoppers come from and what they bring.

- `EntryPoint`: one mini program code or link a marketer hands out (a poster, a table tent,
  a shop assistant's own code), pointing at a page with parameters. Its `scene` is the short
  id that a WeChat code carries (at most 32 characters of WeChat's allowed set).
- `Share`: a shopper's share of a product, a campaign or their own order; its `ref` travels
  in the share card and names the sharer.
- `Visit`: one launch of the mini program as the client reports it, anonymous or not, with
  the entry point and the share it came through.
- `Attribution` (one per member): first touch, last touch, the touch the member is bound to
  under the window in `AttributionRules`, and the entry point, staff member and store
  credited when the member joined.
- `OrderAttribution` (one per order): the entry point and sharer an order is credited to.
- `SearchPage`: a product or campaign page queued for WeChat search's page submission.
"""

import secrets
import string
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

SHANGHAI = ZoneInfo("Asia/Shanghai")
# WeChat's getwxacodeunlimit scene: at most 32 of these characters.
SCENE_CHARACTERS = set(string.ascii_letters + string.digits + "!#$&'()*+,/:;=?@-._~")
SCENE_MAX = 32
# Generated scenes: letters and digits only, so they pass through a URL unchanged.
GENERATED_SCENE_ALPHABET = string.ascii_letters + string.digits
GENERATED_SCENE_LENGTH = 8
SHARE_REF_LENGTH = 12


def new_scene() -> str:
    return "".join(secrets.choice(GENERATED_SCENE_ALPHABET) for _ in range(GENERATED_SCENE_LENGTH))


def new_share_ref() -> str:
    return "".join(secrets.choice(GENERATED_SCENE_ALPHABET) for _ in range(SHARE_REF_LENGTH))


def scene_problem(scene: str) -> str | None:
    """Why WeChat would refuse this scene, or None."""
    if not scene:
        return "empty"
    if len(scene) > SCENE_MAX:
        return "too_long"
    if not set(scene) <= SCENE_CHARACTERS:
        return "bad_characters"
    return None


def validate_scene(value):
    problem = scene_problem(value)
    if problem == "too_long":
        raise ValidationError(f"场景值最多 {SCENE_MAX} 个字符")
    if problem:
        raise ValidationError("场景值只能包含数字、英文字母和 !#$&'()*+,/:;=?@-._~")


def validate_page(value):
    if "?" in value or value.startswith("/"):
        raise ValidationError("页面路径不带开头的 / 和 ?参数（参数填在“页面参数”里）")


class EntryPoint(models.Model):
    class Kind(models.TextChoices):
        CAMPAIGN = "campaign", "活动"
        PRODUCT = "product", "商品"
        STORE = "store", "门店"
        STAFF = "staff", "店员"
        CHANNEL = "channel", "渠道"

    class Channel(models.TextChoices):
        NONE = "", "—"
        POSTER = "poster", "海报"
        ARTICLE = "article", "公众号文章"
        CARD = "card", "小程序卡片"
        PACKAGE = "package", "包装"
        TABLE = "table", "桌牌"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices, blank=True, default="")
    campaign = models.CharField(
        "活动", max_length=64, blank=True, help_text="活动的标识，如 giveaway:spring（抽奖）、coupon:new（优惠券）"
    )
    product = models.ForeignKey(
        "catalogue.Product", verbose_name="商品", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    store = models.ForeignKey(
        "storefront.Store", verbose_name="门店", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="店员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entry_points",
        help_text="店员的专属码：新会员记在这位店员名下",
    )
    page = models.CharField(
        "页面", max_length=128, validators=[validate_page], help_text="小程序页面路径，如 pages/product/detail"
    )
    params = models.JSONField("页面参数", default=dict, blank=True, help_text='如 {"id": 12}')
    scene = models.CharField(
        "场景值", max_length=SCENE_MAX, unique=True, default=new_scene, validators=[validate_scene]
    )
    starts_at = models.DateTimeField("开始时间", null=True, blank=True)
    ends_at = models.DateTimeField("结束时间", null=True, blank=True, help_text="过期后扫码打开首页")
    is_active = models.BooleanField("启用", default=True)
    submit_to_search = models.BooleanField("提交微信搜索", default=False, help_text="发布时提交到微信搜一搜")
    link = models.URLField("URL Link", blank=True)
    link_expires_at = models.DateTimeField("链接过期时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "投放入口"
        verbose_name_plural = "投放入口"

    def __str__(self):
        return self.name

    def clean(self):
        # Each kind names what it points at: a staff member's code needs the staff member.
        field = {
            self.Kind.PRODUCT: "product",
            self.Kind.STORE: "store",
            self.Kind.STAFF: "staff",
            self.Kind.CAMPAIGN: "campaign",
            self.Kind.CHANNEL: "channel",
        }.get(self.kind)
        if field:
            value = getattr(self, f"{field}_id") if field in ("product", "store", "staff") else getattr(self, field)
            if not value:
                raise ValidationError(
                    {field: f"“{self.get_kind_display()}”入口须填写{self._meta.get_field(field).verbose_name}"}
                )
        if self.ends_at and self.starts_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "结束时间须晚于开始时间"})


class Share(models.Model):
    class Kind(models.TextChoices):
        PRODUCT = "product", "商品"
        CAMPAIGN = "campaign", "活动"
        ORDER = "order", "订单"

    ref = models.CharField("分享码", max_length=16, unique=True, default=new_share_ref)
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="分享人", on_delete=models.CASCADE, related_name="campaign_shares"
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    product = models.ForeignKey(
        "catalogue.Product", verbose_name="商品", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    entry_point = models.ForeignKey(
        EntryPoint, verbose_name="活动入口", null=True, blank=True, on_delete=models.CASCADE, related_name="shares"
    )
    order = models.ForeignKey(
        "order.Order", verbose_name="订单", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "分享"
        verbose_name_plural = "分享"
        constraints = [
            # One reference per sharer and target: sharing again gives the same one.
            models.UniqueConstraint(
                fields=["sharer", "product"], condition=Q(kind="product"), name="campaigns_share_once_per_product"
            ),
            models.UniqueConstraint(
                fields=["sharer", "entry_point"], condition=Q(kind="campaign"), name="campaigns_share_once_per_campaign"
            ),
            models.UniqueConstraint(
                fields=["sharer", "order"], condition=Q(kind="order"), name="campaigns_share_once_per_order"
            ),
        ]

    def __str__(self):
        return self.ref


class Visit(models.Model):
    """One launch of the mini program, reported by the client (`POST /api/v1/visits/`)."""

    visitor = models.CharField("访客标识", max_length=64, db_index=True)
    launch = models.CharField("启动标识", max_length=64, blank=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="会员",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="campaign_visits",
    )
    platform = models.CharField("平台", max_length=16, blank=True)
    scene_value = models.PositiveIntegerField("场景值", null=True, blank=True, help_text="如 1047 扫码、1007 卡片")
    path = models.CharField("页面", max_length=128, blank=True)
    query = models.JSONField("参数", default=dict, blank=True)
    entry_point = models.ForeignKey(
        EntryPoint, verbose_name="投放入口", null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    share = models.ForeignKey(
        Share, verbose_name="分享", null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="分享人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_crawler = models.BooleanField("微信爬虫", default=False)
    created_at = models.DateTimeField("访问时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "访问"
        verbose_name_plural = "访问"
        constraints = [
            # The same launch reported twice (a flaky network's retry) is one visit.
            models.UniqueConstraint(
                fields=["visitor", "launch"], condition=~Q(launch=""), name="campaigns_visit_once_per_launch"
            ),
        ]
        indexes = [models.Index(fields=["entry_point", "created_at"])]

    def __str__(self):
        return f"{self.scene_value or '—'} {self.path}"


class AttributionRules(models.Model):
    """One row: how long a member stays bound to the entry point and sharer that brought them."""

    class Window(models.TextChoices):
        PERMANENT = "permanent", "永久绑定（首次来源）"
        DAYS = "days", "绑定 N 天，到期后可被新来源替换"
        LAST_TOUCH = "last_touch", "最后来源（每次访问更新）"

    window = models.CharField("归因窗口", max_length=16, choices=Window.choices, default=Window.DAYS)
    days = models.PositiveIntegerField("天数", default=30, help_text="“绑定 N 天”时的天数")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "归因规则"
        verbose_name_plural = "归因规则"
        constraints = [models.CheckConstraint(condition=Q(days__gte=1), name="campaigns_rules_days_positive")]

    def __str__(self):
        return self.get_window_display()

    @classmethod
    def current(cls) -> "AttributionRules":
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class Attribution(models.Model):
    member = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.CASCADE, related_name="campaign_attribution"
    )
    first_visit = models.ForeignKey(Visit, null=True, on_delete=models.SET_NULL, related_name="+")
    first_entry_point = models.ForeignKey(
        EntryPoint, verbose_name="首次来源", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="首次分享人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_at = models.DateTimeField("首次访问", null=True)
    last_visit = models.ForeignKey(Visit, null=True, on_delete=models.SET_NULL, related_name="+")
    last_entry_point = models.ForeignKey(
        EntryPoint, verbose_name="最后来源", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="最后分享人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_at = models.DateTimeField("最后访问", null=True)
    # The touch credited with the member's orders under the window rule.
    bound_entry_point = models.ForeignKey(
        EntryPoint, verbose_name="绑定来源", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    bound_sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="绑定分享人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    bound_at = models.DateTimeField("绑定时间", null=True)
    # Credited once, when the member joined (a visit before their first login).
    joined_at = models.DateTimeField("成为会员", null=True)
    joined_entry_point = models.ForeignKey(
        EntryPoint, verbose_name="拉新来源", null=True, on_delete=models.SET_NULL, related_name="new_members"
    )
    credited_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="拉新店员", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    credited_store = models.ForeignKey(
        "storefront.Store", verbose_name="拉新门店", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "会员来源"
        verbose_name_plural = "会员来源"

    def __str__(self):
        return str(self.member)


class OrderAttribution(models.Model):
    order = models.OneToOneField(
        "order.Order", verbose_name="订单", on_delete=models.CASCADE, related_name="campaign_attribution"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="会员", on_delete=models.CASCADE, related_name="+"
    )
    entry_point = models.ForeignKey(
        EntryPoint, verbose_name="投放入口", null=True, on_delete=models.SET_NULL, related_name="orders"
    )
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="分享人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_entry_point = models.ForeignKey(
        EntryPoint, verbose_name="首次来源", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_entry_point = models.ForeignKey(
        EntryPoint, verbose_name="最后来源", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField("下单时间")
    paid_at = models.DateTimeField("付款时间", null=True)
    paid_total = models.DecimalField("实付金额（元）", max_digits=12, decimal_places=2, null=True)

    class Meta:
        verbose_name = "订单来源"
        verbose_name_plural = "订单来源"
        indexes = [models.Index(fields=["entry_point", "placed_at"])]

    def __str__(self):
        return str(self.order_id)


class Funnel(EntryPoint):
    """The funnel page of the admin; a proxy so that it has its own place and permission."""

    class Meta:
        proxy = True
        verbose_name = "投放漏斗"
        verbose_name_plural = "投放漏斗"


class SearchPage(models.Model):
    """A page queued for WeChat search (wxaapi_submitpages), sent in batches by a task."""

    class Status(models.TextChoices):
        PENDING = "pending", "待提交"
        SENT = "sent", "已提交"
        BLOCKED = "blocked", "被 sitemap 拒绝"
        FAILED = "failed", "失败"

    path = models.CharField("页面", max_length=128)
    query = models.CharField("参数", max_length=256, blank=True)
    data = models.JSONField("数据", default=dict)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("提交次数", default=0)
    last_error = models.CharField("最近错误", max_length=200, blank=True)
    queued_at = models.DateTimeField("加入时间", auto_now=True)
    sent_at = models.DateTimeField("提交时间", null=True)

    class Meta:
        ordering = ["queued_at", "id"]
        verbose_name = "微信搜索页面"
        verbose_name_plural = "微信搜索页面"
        constraints = [models.UniqueConstraint(fields=["path", "query"], name="campaigns_search_page_once")]

    def __str__(self):
        return f"{self.path}?{self.query}"
