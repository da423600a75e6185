from django.apps import AppConfig, apps

# The console shows each app's name above its screens (the page header); the apps whose name
# is English get a Chinese one here.
APP_NAMES = {
    "storefront": "商城",
    "logistics": "物流",
    "platforms": "平台对接",
    "auditlog": "审计日志",
}


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "控制台"

    def ready(self):
        from console import audit

        for label, name in APP_NAMES.items():
            if label in {config.label for config in apps.get_app_configs()}:
                apps.get_app_config(label).verbose_name = name
        audit.register_models()
        audit.attach_history()
        from console import audit_admin

        audit_admin.register()  # the audit log's own screen, in Chinese
