"""UGC campaigns: photos and words from real customers, checked by the platform, moderated by
the brand, shown in a gallery and voted on.

- `UgcCampaign`: the theme, banner, dates, rules and consent text, how many entries one member
  may send and with how many images, whether entries that pass the platform's check go
  straight to the gallery, voting (on or off, its period, a daily allowance) and how winners
  are chosen (by marketers or the top N by votes).
- `Submission`: one member's entry: text, images, the consent text they agreed to, the
  platform's verdict (`verdict`) and the brand's decision (`status`). `number` numbers a member's
  live (not rejected) entries of a campaign, so the per-member limit is a unique constraint.
- `SubmissionImage`: one re-encoded image and its thumbnail, with the trace id of WeChat's
  asynchronous image check and its verdict.
- `ImageCheck`: one verdict of WeChat's image check by trace id. The push can arrive before the
  call that started the check has answered: whichever of the two comes second finds the row
  the first wrote and completes it (both lock it).
- `Vote`: one member's vote for one entry (unique), with a slot of the member's daily allowance
  (unique per campaign, member and day), so neither can be exceeded under concurrency.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q


class UgcCampaign(models.Model):
    class Winners(models.TextChoices):
        MARKETERS = "marketers", "运营选出"
        VOTES = "votes", "按票数排名"

    title = models.CharField("活动主题", max_length=60)
    slug = models.SlugField("标识", max_length=60, unique=True)
    banner = models.ImageField("横幅图片", upload_to="ugc/banners/%Y/%m/", blank=True)
    description = models.TextField("活动介绍", blank=True)
    rules = models.TextField("活动规则", blank=True)
    consent_text = models.TextField(
        "授权说明", help_text="会员投稿前须同意的内容（如照片使用授权），投稿时记录其同意的文本。"
    )
    starts_at = models.DateTimeField("开始投稿时间")
    ends_at = models.DateTimeField("截止投稿时间")
    is_active = models.BooleanField("启用", default=True)
    submissions_per_member = models.PositiveSmallIntegerField("每人投稿数", default=1)
    max_images = models.PositiveSmallIntegerField("每篇最多图片", default=3)
    max_text_length = models.PositiveIntegerField("文字最多字数", default=500)
    publish_on_pass = models.BooleanField(
        "检测通过后直接展示", default=False, help_text="不勾选：平台检测通过的投稿也要人工审核后才展示。"
    )
    voting_enabled = models.BooleanField("开启投票", default=True)
    voting_starts_at = models.DateTimeField("投票开始时间", null=True, blank=True)
    voting_ends_at = models.DateTimeField("投票截止时间", null=True, blank=True)
    daily_votes = models.PositiveSmallIntegerField(
        "每人每天票数", default=3, help_text="每位会员每天最多投几票（每篇作品只能投一票）；0：不限。"
    )
    winners_by = models.CharField("获奖方式", max_length=12, choices=Winners.choices, default=Winners.VOTES)
    winners_count = models.PositiveSmallIntegerField("获奖名额", default=3)
    prize = models.CharField("奖品说明", max_length=120, blank=True)
    prize_award = models.ForeignKey(
        "giveaways.Prize",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ugc_campaigns",
        limit_choices_to={"giveaway__mode": "awarded"},
        verbose_name="获奖奖品",
        help_text="每位获奖者发放一份；奖品在“运营/其他活动发放”方式的赠品活动里设置，领取与发放同赠品活动。",
    )
    winners_chosen_at = models.DateTimeField("评奖时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = "UGC 活动"
        verbose_name_plural = "UGC 活动"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="ugc_campaign_ends_after_start"),
            models.CheckConstraint(condition=Q(submissions_per_member__gte=1), name="ugc_campaign_limit_positive"),
            models.CheckConstraint(
                condition=Q(max_images__gte=0) & Q(max_images__lte=9), name="ugc_campaign_images_at_most_9"
            ),
            models.CheckConstraint(
                condition=Q(voting_enabled=False)
                | Q(voting_starts_at__isnull=False, voting_ends_at__gt=F("voting_starts_at")),
                name="ugc_campaign_voting_period_complete",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        # The database checks these too; here they become a message on the form, not an error page.
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "截止投稿时间须晚于开始投稿时间"})
        if self.voting_enabled:
            if not self.voting_starts_at or not self.voting_ends_at:
                raise ValidationError({"voting_ends_at": "开启投票时请填写投票开始和截止时间"})
            if self.voting_ends_at <= self.voting_starts_at:
                raise ValidationError({"voting_ends_at": "投票截止时间须晚于投票开始时间"})
        if self.max_images is not None and self.max_images > 9:
            raise ValidationError({"max_images": "每篇最多 9 张图片"})

    def is_open(self, now) -> bool:
        return self.is_active and self.starts_at <= now < self.ends_at

    def voting_open(self, now) -> bool:
        return (
            self.is_active
            and self.voting_enabled
            and self.voting_starts_at is not None
            and self.voting_starts_at <= now < self.voting_ends_at
        )


class Verdict(models.TextChoices):
    """The platform's content check: WeChat's `suggest` values, and "checking" while none came."""

    CHECKING = "checking", "检测中"
    PASS = "pass", "通过"
    REVIEW = "review", "需人工复核"
    RISKY = "risky", "违规"


class Submission(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "已驳回"

    campaign = models.ForeignKey(UgcCampaign, on_delete=models.PROTECT, related_name="submissions", verbose_name="活动")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ugc_submissions", verbose_name="会员"
    )
    number = models.PositiveSmallIntegerField("第几篇", help_text="该会员在本活动中的第几篇（受每人投稿数约束）。")
    text = models.TextField("文字", blank=True)
    consent_text = models.TextField("同意的授权说明")
    consented_at = models.DateTimeField("同意授权时间")
    platform = models.CharField("检测平台", max_length=16, blank=True)
    verdict = models.CharField("平台检测", max_length=10, choices=Verdict.choices, default=Verdict.CHECKING)
    text_verdict = models.CharField("文字检测", max_length=10, choices=Verdict.choices, default=Verdict.CHECKING)
    risky_words = models.JSONField("违规词", default=list, blank=True)
    status = models.CharField("审核状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField("驳回原因", max_length=200, blank=True, help_text="会员能看到。")
    is_featured = models.BooleanField("精选", default=False)
    vote_count = models.PositiveIntegerField("票数", default=0)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审核人",
    )
    moderated_at = models.DateTimeField("审核时间", null=True, blank=True)
    approved_at = models.DateTimeField("通过时间", null=True, blank=True)
    won_at = models.DateTimeField("获奖时间", null=True, blank=True)
    rank = models.PositiveSmallIntegerField("名次", null=True, blank=True)
    won_by = models.CharField("评奖方式", max_length=12, choices=UgcCampaign.Winners.choices, blank=True)
    prize_win = models.ForeignKey(
        "giveaways.Win", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="所获奖品"
    )
    created_at = models.DateTimeField("投稿时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "投稿"
        verbose_name_plural = "投稿"
        constraints = [
            # Rejected entries free their number: the member may send another one.
            models.UniqueConstraint(
                fields=["campaign", "member", "number"],
                condition=~Q(status="rejected"),
                name="ugc_one_live_submission_per_number",
            ),
            models.UniqueConstraint(
                fields=["campaign", "rank"], condition=Q(rank__isnull=False), name="ugc_one_submission_per_rank"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="ugc_submission_number_positive"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | Q(won_at__isnull=True), name="ugc_rejected_never_wins"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "-approved_at"], name="ugc_gallery_newest"),
            models.Index(fields=["campaign", "status", "-vote_count"], name="ugc_gallery_most_voted"),
        ]

    def __str__(self):
        return f"{self.campaign} #{self.pk}"


class SubmissionImage(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="images", verbose_name="投稿")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    image = models.ImageField("图片", upload_to="ugc/%Y/%m/")
    thumbnail = models.ImageField("缩略图", upload_to="ugc/thumbs/%Y/%m/")
    width = models.PositiveIntegerField("宽", default=0)
    height = models.PositiveIntegerField("高", default=0)
    trace_id = models.CharField("检测追踪号", max_length=64, blank=True, db_index=True)
    verdict = models.CharField("图片检测", max_length=10, choices=Verdict.choices, default=Verdict.CHECKING)

    class Meta:
        ordering = ["submission", "position", "pk"]
        verbose_name = "投稿图片"
        verbose_name_plural = "投稿图片"

    def __str__(self):
        return self.image.name


class ImageCheck(models.Model):
    trace_id = models.CharField("检测追踪号", max_length=64, unique=True)
    image = models.OneToOneField(
        SubmissionImage,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="platform_check",
        verbose_name="图片",
    )
    suggest = models.CharField("检测结果", max_length=10, blank=True)
    label = models.CharField("标签", max_length=32, blank=True)
    pushed_at = models.DateTimeField("推送时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "图片检测结果"
        verbose_name_plural = "图片检测结果"

    def __str__(self):
        return self.trace_id


class Vote(models.Model):
    campaign = models.ForeignKey(UgcCampaign, on_delete=models.CASCADE, related_name="votes", verbose_name="活动")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="votes", verbose_name="作品")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ugc_votes", verbose_name="投票人"
    )
    day = models.DateField("投票日（北京时间）")
    slot = models.PositiveSmallIntegerField("当天第几票", null=True, blank=True)
    created_at = models.DateTimeField("投票时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "投票"
        verbose_name_plural = "投票"
        constraints = [
            models.UniqueConstraint(fields=["submission", "voter"], name="ugc_one_vote_per_member_per_entry"),
            models.UniqueConstraint(
                fields=["campaign", "voter", "day", "slot"],
                condition=Q(slot__isnull=False),
                name="ugc_daily_vote_slot_once",
            ),
        ]

    def __str__(self):
        return f"{self.voter_id} → {self.submission_id}"
