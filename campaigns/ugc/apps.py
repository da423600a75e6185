from django.apps import AppConfig


class UgcConfig(AppConfig):
    name = "campaigns.ugc"
    label = "ugc"
    verbose_name = "用户投稿与投票"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from campaigns.ugc import receivers

        receivers.connect()
