from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = "会员积分"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from loyalty import receivers

        receivers.connect()
