"""Polls and feedback surveys: what a brand asks its customers, and what they answer.

- `Poll`: a quick poll or a longer survey, open between two dates, with an optional quota of
  responses (`responses_count` moves by one conditional UPDATE, so the quota holds under
  concurrency; a check constraint keeps it within the quota).
- `Question`: single choice, multiple choice (with at most `max_choices`), a rating from 1 to
  `rating_max`, or free text (checked by the platform's text check).
- `Choice`: one answer of a choice question.
- `Response`: one member's response to one poll (unique: one each).
- `Answer`: one answer of a response to a question; a multiple choice question has one row
  per chosen answer.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q


class Poll(models.Model):
    class Kind(models.TextChoices):
        POLL = "poll", "投票"
        SURVEY = "survey", "问卷调查"

    title = models.CharField("标题", max_length=80)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices, default=Kind.POLL)
    description = models.TextField("说明", blank=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    is_active = models.BooleanField("启用", default=True)
    quota = models.PositiveIntegerField("回收份数上限", null=True, blank=True, help_text="留空：不限。")
    responses_count = models.PositiveIntegerField("已回收份数", default=0, editable=False)
    results_public = models.BooleanField("会员可看结果", default=True, help_text="答完后在小程序中显示各选项占比。")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = "问卷"
        verbose_name_plural = "问卷"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="polls_poll_ends_after_start"),
            models.CheckConstraint(
                condition=Q(quota__isnull=True) | Q(responses_count__lte=F("quota")),
                name="polls_responses_within_quota",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "结束时间须晚于开始时间"})
        if self.pk and self.quota is not None and self.quota < self.responses_count:
            raise ValidationError({"quota": f"已回收 {self.responses_count} 份，上限不能少于此数"})

    def is_open(self, now) -> bool:
        return (
            self.is_active
            and self.starts_at <= now < self.ends_at
            and (self.quota is None or self.responses_count < self.quota)
        )


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "单选"
        MULTIPLE = "multiple", "多选"
        RATING = "rating", "评分"
        TEXT = "text", "填空"

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="questions", verbose_name="问卷")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    text = models.CharField("题目", max_length=200)
    kind = models.CharField("题型", max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    required = models.BooleanField("必答", default=True)
    max_choices = models.PositiveSmallIntegerField(
        "最多选几项", null=True, blank=True, help_text="多选题；留空：不限。"
    )
    rating_max = models.PositiveSmallIntegerField("满分", default=5, help_text="评分题：1 至满分。")
    max_length = models.PositiveIntegerField("最多字数", default=500, help_text="填空题。")

    class Meta:
        ordering = ["poll", "position", "pk"]
        verbose_name = "题目"
        verbose_name_plural = "题目"
        constraints = [
            models.CheckConstraint(
                condition=Q(rating_max__gte=2) & Q(rating_max__lte=10), name="polls_rating_max_2_to_10"
            ),
        ]

    def __str__(self):
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices", verbose_name="题目")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    text = models.CharField("选项", max_length=100)

    class Meta:
        ordering = ["question", "position", "pk"]
        verbose_name = "选项"
        verbose_name_plural = "选项"

    def __str__(self):
        return self.text


class Response(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="responses", verbose_name="问卷")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="poll_responses", verbose_name="会员"
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "答卷"
        verbose_name_plural = "答卷"
        constraints = [models.UniqueConstraint(fields=["poll", "member"], name="polls_one_response_per_member")]

    def __str__(self):
        return f"{self.poll} #{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", verbose_name="答卷")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers", verbose_name="题目")
    choice = models.ForeignKey(
        Choice, on_delete=models.CASCADE, null=True, blank=True, related_name="answers", verbose_name="选项"
    )
    rating = models.PositiveSmallIntegerField("评分", null=True, blank=True)
    text = models.TextField("文字", blank=True)

    class Meta:
        ordering = ["response", "question", "pk"]
        verbose_name = "回答"
        verbose_name_plural = "回答"
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "choice"],
                condition=Q(choice__isnull=False),
                name="polls_choice_once_per_answer",
            ),
            models.UniqueConstraint(
                fields=["response", "question"], condition=Q(choice__isnull=True), name="polls_one_open_answer"
            ),
        ]

    def __str__(self):
        return f"{self.question_id}: {self.choice_id or self.rating or self.text[:20]}"
