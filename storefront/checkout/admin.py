"""Console screen of checkout: the delivery charges operations set without a deploy."""

from django.contrib import admin

from config import console
from storefront.checkout.models import ShippingRates
from storefront.checkout.shipping import current_rates


@admin.register(ShippingRates)
class ShippingRatesAdmin(console.ModelAdmin):
    """One row: the delivery charges checkout uses from the moment it is saved."""

    list_display = ("__str__", "standard_charge", "express_charge", "free_threshold", "remote_surcharge", "updated_at")
    fields = ("standard_charge", "express_charge", "free_threshold", "remote_surcharge", "remote_provinces")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ShippingRates.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        rates = current_rates()
        return {
            "standard_charge": rates.standard,
            "express_charge": rates.express,
            "free_threshold": rates.free_threshold,
            "remote_surcharge": rates.remote_surcharge,
            "remote_provinces": ",".join(rates.remote_provinces),
        }
