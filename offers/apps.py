from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "offers"
    label = "offers"
    verbose_name = "领券中心"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from offers import receivers

        receivers.connect()
