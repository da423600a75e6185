from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "storefront"
    verbose_name = "Storefront"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Every receiver of the storefront is connected here, and only here.
        import config.schema  # noqa: F401  registers the bearer scheme with drf-spectacular
        from storefront.basket import offers as basket_offers
        from storefront.catalog import receivers as catalog_receivers  # noqa: F401  (model signals)
        from storefront.orders import receivers as orders_receivers
        from storefront.payments import receivers as payments_receivers
        from storefront.stores import receivers as stores_receivers  # noqa: F401  (model signals)

        orders_receivers.connect()
        basket_offers.connect()
        payments_receivers.connect()
