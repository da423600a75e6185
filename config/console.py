"""The console's base classes: every admin screen of the kit derives from these, so the
console's look (its theme, django-unfold; docs/decisions/0007-console-theme.md) and its shared
behaviour (the audit log on each object's history page) are set in one place."""

from zoneinfo import ZoneInfo

from csp.middleware import CSPMiddleware
from django.utils import timezone
from unfold import admin as unfold

CONSOLE_PREFIX = "/admin/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(value) -> str:
    """A time as staff read it: Beijing time to the minute, or a dash."""
    return timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else "—"


class ConsoleCSPMiddleware(CSPMiddleware):
    """The kit's content security policy, with one addition on the console's pages only: the
    theme's menus, tabs and dropdowns are Alpine.js expressions written in the templates'
    attributes, which Alpine turns into functions at run time ('unsafe-eval'). Scripts still
    come from our own static files only and no inline script runs; the shopper API, the API
    docs and the sandbox keep the strict policy."""

    def process_response(self, request, response):
        if request.path_info.startswith(CONSOLE_PREFIX):
            update = dict(getattr(response, "_csp_update", None) or {})
            update["script-src"] = [*update.get("script-src", []), "'unsafe-eval'"]
            response._csp_update = update
        return super().process_response(request, response)


class HistoryWithAuditLog:
    """Each object's history page (the theme's 历史 button) lists the audit log's entries for
    it, newest first: who, when (Asia/Shanghai) and which fields changed from what to what."""

    object_history_template = "admin/console/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        from console.audit import entries_for

        extra_context = {**(extra_context or {}), "audit_entries": entries_for(self.model, object_id)}
        return super().history_view(request, object_id, extra_context=extra_context)


class ModelAdmin(HistoryWithAuditLog, unfold.ModelAdmin):
    pass


class TabularInline(unfold.TabularInline):
    pass


class StackedInline(unfold.StackedInline):
    pass


class ReadOnlyAdmin(ModelAdmin):
    """A screen to look at records the kit writes itself: nobody adds, edits or deletes them
    here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
