from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "logistics"
    verbose_name = "Logistics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from oscar.apps.order.signals import order_status_changed

        from storefront.orders.selectors import register_order_detail_section
        from storefront.payments.services import PAID_HOOKS, REFUND_SETTLED_HOOKS

        from . import serializers, services

        order_status_changed.connect(services.on_order_status_changed, dispatch_uid="logistics-pickup-upload")
        if services.on_order_paid not in PAID_HOOKS:
            PAID_HOOKS.append(services.on_order_paid)
        if services.on_refund_settled not in REFUND_SETTLED_HOOKS:
            REFUND_SETTLED_HOOKS.append(services.on_refund_settled)
        register_order_detail_section("shipments", serializers.order_detail_shipments)
