from django.apps import AppConfig


class GiveawaysConfig(AppConfig):
    name = "campaigns.giveaways"
    label = "giveaways"
    verbose_name = "抽奖与赠品"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from campaigns.giveaways import receivers

        receivers.connect()
