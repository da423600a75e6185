from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "投放与归因"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from campaigns import receivers

        receivers.connect()
