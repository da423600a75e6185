from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "campaigns.polls"
    label = "polls"
    verbose_name = "问卷与调查"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from campaigns.polls import receivers

        receivers.connect()
