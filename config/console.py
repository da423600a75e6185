"""The console's base classes: every admin screen of the kit derives from these, so the
console's look (its theme) and its shared behaviour are set in one place."""

from django.contrib import admin


class ModelAdmin(admin.ModelAdmin):
    pass


class TabularInline(admin.TabularInline):
    pass


class StackedInline(admin.StackedInline):
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
