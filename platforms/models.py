"""Subscribe-message notices: which template says what (configured by marketers in the
admin), the one-time grants each shopper gave, and a log of every notice sent or skipped.

WeChat allows one message per one-time grant, so a grant is a counter the shopper raises
by accepting in wx.requestSubscribeMessage and a send lowers; the database refuses to let
it go below zero.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from platforms.base import Platform


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

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notice log entry")
        verbose_name_plural = _("notice log")

    def __str__(self):
        return f"{self.event} -> {self.openid or self.member_id} ({self.status})"
