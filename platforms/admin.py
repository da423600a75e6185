"""Admin for marketers (subscribe-message templates) and operations (grants, notice log)."""

from django.contrib import admin

from platforms.models import NoticeGrant, NoticeLog, NoticeTemplate


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "event", "platform", "template_id", "page", "is_active"]
    list_filter = ["platform", "is_active", "event"]
    search_fields = ["title", "event", "template_id"]


@admin.register(NoticeGrant)
class NoticeGrantAdmin(admin.ModelAdmin):
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
class NoticeLogAdmin(admin.ModelAdmin):
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
