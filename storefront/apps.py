from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "storefront"
    verbose_name = "Storefront"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        import config.schema  # noqa: F401  registers the bearer scheme with drf-spectacular

        from . import signals  # noqa: F401
