"""The audit log's own screen (设置 › 审计日志): every logged change, newest first, filtered by
what kind of record and what was done; read only. Each object's history page shows its own
entries (config/console.py). Registered from the console's AppConfig.ready, in place of
django-auditlog's own English screen."""

from auditlog.models import LogEntry
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html_join

from config import console
from console.audit import ACTIONS, _person


class ContentTypeFilter(admin.SimpleListFilter):
    title = "记录类型"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        from console.audit import audited_models

        return [(model._meta.label_lower, str(model._meta.verbose_name)) for model in audited_models()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        app_label, _, model = self.value().partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)


class ActionFilter(admin.SimpleListFilter):
    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [(str(key), label) for key, label in ACTIONS.items() if key != 3]

    def queryset(self, request, queryset):
        return queryset.filter(action=int(self.value())) if self.value() else queryset


class AuditLogAdmin(console.ReadOnlyAdmin):
    list_display = ("when", "who", "record_type", "record", "what", "changes")
    list_filter = (ContentTypeFilter, ActionFilter)
    search_fields = ("object_repr",)
    list_select_related = ("actor", "content_type")
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description="时间（北京时间）", ordering="timestamp")
    def when(self, entry):
        return timezone.localtime(entry.timestamp).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description="操作人")
    def who(self, entry):
        return _person(entry.actor)

    @admin.display(description="记录类型")
    def record_type(self, entry):
        model = entry.content_type.model_class()
        return str(model._meta.verbose_name) if model else entry.content_type.model

    @admin.display(description="记录")
    def record(self, entry):
        return entry.object_repr

    @admin.display(description="操作")
    def what(self, entry):
        return ACTIONS.get(entry.action, "")

    @admin.display(description="修改内容")
    def changes(self, entry):
        model = entry.content_type.model_class()
        rows = []
        for name, values in (entry.changes_dict or {}).items():
            if not isinstance(values, (list, tuple)) or len(values) != 2:
                continue
            try:
                label = str(model._meta.get_field(name).verbose_name) if model else name
            except Exception:  # a field removed since
                label = name
            rows.append((label, values[0], values[1]))
        return format_html_join("", "<div><strong>{}</strong>：{} → {}</div>", rows) or "—"


def register():
    if admin.site.is_registered(LogEntry):
        admin.site.unregister(LogEntry)
    admin.site.register(LogEntry, AuditLogAdmin)
