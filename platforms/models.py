"""Subscribe-message notices: which template says what (configured by marketers in the
admin), the one-time grants each shopper gave, and a log of every notice sent or skipped.

WeChat allows one message per one-time grant, so a grant is a counter the shopper raises
by accepting in wx.requestSubscribeMessage and a send lowers; the database refuses to let
it go below zero.
"""

import re
import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from platforms import notice_fields
from platforms.base import Platform

ALIPAY_KEYWORD = re.compile(r"^keyword\d+$")


class NoticeTemplate(models.Model):
    """One subscribe-message template, bound to a kit event such as "order_shipped"."""

    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices, default=Platform.WECHAT)
    event = models.SlugField(
        _("event"),
        max_length=64,
        help_text=_("The kit event that sends it, e.g. order_shipped, order_paid, giveaway_won."),
    )
    template_id = models.CharField(_("template id"), max_length=128)
    title = models.CharField(_("title"), max_length=100, blank=True)
    field_map = models.JSONField(
        _("field mapping"),
        default=dict,
        help_text=_(
            "Template field -> text with {placeholders} from the event, e.g. "
            '{"character_string1": "{order_number}", "thing2": "{carrier}"}.'
        ),
    )
    field_types = models.JSONField(
        _("keyword types"),
        default=dict,
        blank=True,
        help_text=_(
            "关键词类型 Template field -> its type, which decides how the kit formats the value: "
            '{"amount2": "amount", "time3": "time"}. On WeChat the type is the field name\'s prefix '
            "(thing2 is a thing) and may be left out; Alipay's keyword1, keyword2... need one each "
            "(thing when left out). Types: thing, number, letter, symbol, character_string, time, "
            "date, amount, phone_number, car_number, name, phrase."
        ),
    )
    page = models.CharField(
        _("page"),
        max_length=255,
        blank=True,
        help_text=_("Mini program page opened from the message, may use {placeholders}."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notice template")
        verbose_name_plural = _("notice templates")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "event"], condition=Q(is_active=True), name="one_active_template_per_platform_event"
            ),
            models.UniqueConstraint(fields=["platform", "template_id"], name="unique_platform_template_id"),
        ]

    def __str__(self):
        return f"{self.title or self.template_id} ({self.event})"

    def keyword_type(self, keyword: str) -> str:
        """The declared type of `keyword`; on WeChat its name's type, on Alipay "thing" by default."""
        declared = (self.field_types or {}).get(keyword)
        if declared:
            return declared
        return notice_fields.wechat_type(keyword) if self.platform == Platform.WECHAT else "thing"

    def clean(self):
        """Refuse a mapping the platform cannot take: unknown or mismatched types, keywords that are
        not the platform's, texts whose {placeholders} do not parse."""
        errors = {}
        if not isinstance(self.field_map, dict) or not self.field_map:
            errors["field_map"] = _('Map each template field to its text, e.g. {"thing2": "{carrier}"}.')
        elif not isinstance(self.field_types, dict):
            errors["field_types"] = _("A mapping of template field -> type.")
        else:
            problems = [p for keyword, text in self.field_map.items() if (p := self._keyword_problem(keyword, text))]
            problems += [
                f"{keyword}: not a field of the mapping"
                for keyword in self.field_types
                if keyword not in self.field_map
            ]
            if problems:
                errors["field_types"] = "; ".join(problems)
        if _placeholder_problem(self.page):
            errors["page"] = _placeholder_problem(self.page)
        if errors:
            raise ValidationError(errors)

    def _keyword_problem(self, keyword, text) -> str | None:
        declared = (self.field_types or {}).get(keyword)
        if declared and declared not in notice_fields.TYPES:
            return f"{keyword}: unknown type {declared!r}"
        if self.platform == Platform.WECHAT:
            named = notice_fields.wechat_type(keyword)
            if not named:
                return f"{keyword}: WeChat names each field by its type (thing1, amount2, time3...)"
            if declared and declared != named:
                return f"{keyword}: WeChat types it as {named}, not {declared}"
        elif not ALIPAY_KEYWORD.match(keyword):
            return f"{keyword}: Alipay's fields are keyword1, keyword2..."
        if not isinstance(text, str):
            return f"{keyword}: the text must be a string"
        problem = _placeholder_problem(text)
        return f"{keyword}: {problem}" if problem else None


def _placeholder_problem(text: str) -> str | None:
    try:
        list(string.Formatter().parse(text))
    except ValueError as exc:
        return f"the {{placeholders}} do not parse ({exc})"
    return None


class NoticeGrant(models.Model):
    """How many more messages of one template the shopper has allowed."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_grants")
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    template_id = models.CharField(_("template id"), max_length=128)
    remaining = models.PositiveIntegerField(_("remaining"), default=0)
    accepted_total = models.PositiveIntegerField(_("accepted in total"), default=0)
    rejected_total = models.PositiveIntegerField(_("rejected in total"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notice grant")
        verbose_name_plural = _("notice grants")
        constraints = [
            models.UniqueConstraint(fields=["member", "platform", "template_id"], name="one_grant_row_per_template"),
            models.CheckConstraint(condition=Q(remaining__gte=0), name="notice_grant_remaining_not_negative"),
        ]


class NoticeLog(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        NO_GRANT = "no_grant", _("no grant")
        NO_OPENID = "no_openid", _("no platform account")
        FAILED = "failed", _("failed")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="notice_logs"
    )
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    event = models.SlugField(_("event"), max_length=64)
    template_id = models.CharField(_("template id"), max_length=128, blank=True)
    openid = models.CharField(_("openid"), max_length=128, blank=True)
    page = models.CharField(_("page"), max_length=255, blank=True)
    data = models.JSONField(_("data"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # When the sweep (platforms.tasks.requeue_stuck_notices) queued it again, which it does once.
    requeued_at = models.DateTimeField(_("queued again"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notice log entry")
        verbose_name_plural = _("notice log")

    def __str__(self):
        return f"{self.event} -> {self.openid or self.member_id} ({self.status})"
