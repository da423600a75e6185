"""URL map: shopper API under /api/v1/, platform callbacks under /api/v1/notify/, the
Django admin for marketers and operations, Oscar's dashboard for catalog work, and the
sandbox when it is switched on."""

from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.views import healthz

api_v1 = [
    path("", include("storefront.urls")),
    path("", include("loyalty.urls")),
    path("", include("campaigns.urls")),
    path("", include("logistics.urls")),
    path("", include("platforms.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/api/docs/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Oscar's dashboard (catalog work) and the few Oscar URLs its pages link to.
    path("", include(apps.get_app_config("oscar").urls[0])),
]
if settings.PLATFORM_SANDBOX:
    urlpatterns.insert(0, path("sandbox/", include("platforms.sandbox.urls")))
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.site_header = settings.OSCAR_SHOP_NAME
admin.site.site_title = settings.OSCAR_SHOP_NAME

handler404 = "config.errors.api_not_found"
handler500 = "config.errors.api_server_error"
