from django.apps import AppConfig


class PlatformsConfig(AppConfig):
    name = "platforms"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Notice grants and logs belong to a member: they follow a phone merge, appear in the
        # personal data export and are erased with the account.
        from platforms import services
        from storefront.members import privacy as members_privacy
        from storefront.members import services as members

        members.MERGE_HOOKS.append(services.move_notice_data)
        members_privacy.EXPORT_HOOKS.append(services.export_notice_data)
        members_privacy.ERASE_HOOKS.append(services.erase_notice_data)
