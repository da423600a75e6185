"""Admin for marketers (subscribe-message templates) and operations (grants, notice log)."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from config import console
from platforms import notice_fields
from platforms.models import NoticeGrant, NoticeLog, NoticeTemplate


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(console.ModelAdmin):
    """Each keyword has a type (the WeChat field name's prefix, or declared for Alipay's
    keyword1...), and the kit formats the event's value for it. Saving checks the mapping
    (NoticeTemplate.clean); a mapping the event cannot fill is refused at send time, before a
    grant is spent, and shows in the notice log as failed / notice_unfillable."""

    list_display = ["title", "event", "platform", "template_id", "keywords", "page", "is_active"]
    list_filter = ["platform", "is_active", "event"]
    search_fields = ["title", "event", "template_id"]
    readonly_fields = ["keyword_rules"]
    fieldsets = [
        (None, {"fields": ["platform", "event", "title", "template_id", "is_active"]}),
        (_("消息内容 Message"), {"fields": ["field_map", "field_types", "keyword_rules", "page"]}),
    ]

    @admin.display(description=_("关键词 keywords"))
    def keywords(self, obj):
        return ", ".join(f"{keyword}: {obj.keyword_type(keyword)}" for keyword in obj.field_map or {})

    @admin.display(description=_("关键词规则 keyword rules"))
    def keyword_rules(self, obj):
        rows = [
            (keyword, text, notice_fields.TYPES.get(obj.keyword_type(keyword), "?"))
            for keyword, text in (obj.field_map or {}).items()
        ]
        if not rows:
            return format_html("<p>{}</p>", "; ".join(notice_fields.TYPES.values()))
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            _("关键词 keyword"),
            _("内容 text"),
            _("类型 type"),
            format_html_join("", "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>", rows),
        )


@admin.register(NoticeGrant)
class NoticeGrantAdmin(console.ModelAdmin):
    list_display = ["member", "platform", "template_id", "remaining", "accepted_total", "rejected_total", "updated_at"]
    list_filter = ["platform"]
    search_fields = ["template_id", "member__username", "member__nickname"]
    list_select_related = ["member"]
    readonly_fields = [
        "member",
        "platform",
        "template_id",
        "remaining",
        "accepted_total",
        "rejected_total",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(NoticeLog)
class NoticeLogAdmin(console.ModelAdmin):
    list_display = ["created_at", "event", "platform", "member", "status", "attempts", "error_code", "sent_at"]
    list_filter = ["status", "platform", "event"]
    search_fields = ["openid", "template_id", "member__username", "member__nickname"]
    list_select_related = ["member"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in NoticeLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
