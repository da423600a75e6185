from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "logistics"
    verbose_name = "Logistics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers

        receivers.connect()
