from django.apps import AppConfig


class FlashSalesConfig(AppConfig):
    name = "flashsales"
    label = "flashsales"
    verbose_name = "限时秒杀"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from flashsales import receivers

        receivers.connect()
