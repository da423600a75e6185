"""URL map: shopper API under /api/v1/, platform callbacks under /api/v1/notify/, the
console (the Django admin) for marketers and operations, and the sandbox when it is switched
on. Oscar's own dashboard is not mounted: the console replaced it (docs/console.md)."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, reverse
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import private_media
from config.views import healthz


class StorefrontLinkToStaffPage(RedirectView):
    """Oscar's models link to storefront pages (get_absolute_url: "View on site", "Account")
    that this headless kit does not serve; each such link leads to the matching console page.
    `kwargs_from` maps the staff URL's kwargs to the storefront URL's kwargs."""

    permanent = False
    kwargs_from: dict = {}

    def get_redirect_url(self, *args, **kwargs):
        return reverse(self.pattern_name, kwargs={ours: kwargs[theirs] for ours, theirs in self.kwargs_from.items()})


def _to_staff(route, name, pattern_name, **kwargs_from):
    view = StorefrontLinkToStaffPage.as_view(pattern_name=pattern_name, kwargs_from=kwargs_from)
    return path(route, view, name=name)


# Oscar's HTML shop is not mounted: /basket/, /checkout/ and /accounts/register/ would let
# anyone open a password account and place orders that bypass the kit's checkout (stock
# locks, payment). These names are what Oscar's models (get_absolute_url) reverse.
oscar_storefront_links = [
    path(
        "catalogue/",
        include(
            (
                [
                    _to_staff("", "index", "admin:catalogue_product_changelist"),
                    _to_staff(
                        "<str:product_slug>_<int:pk>/", "detail", "admin:catalogue_product_change", object_id="pk"
                    ),
                    _to_staff(
                        "category/<path:category_slug>_<int:pk>/",
                        "category",
                        "admin:catalogue_category_change",
                        object_id="pk",
                    ),
                    _to_staff("ranges/<str:slug>/", "range", "admin:offer_range_changelist"),
                    _to_staff(
                        "<str:product_slug>_<int:product_pk>/reviews/<int:pk>/",
                        "reviews-detail",
                        "admin:reviews_productreview_change",
                        object_id="pk",
                    ),
                ],
                "catalogue",
            )
        ),
    ),
    path(
        "offers/",
        include(
            (
                [
                    _to_staff("", "list", "admin:offer_conditionaloffer_changelist"),
                    _to_staff("<str:slug>/", "detail", "admin:offer_conditionaloffer_changelist"),
                ],
                "offer",
            )
        ),
    ),
    path(
        "accounts/",
        include(
            (
                [
                    _to_staff("", "summary", "admin:index"),
                    _to_staff("login/", "login", "admin:login"),
                    _to_staff("wishlists/<str:key>/", "wishlists-detail", "admin:index"),
                ],
                "customer",
            )
        ),
    ),
]

api_v1 = [
    path("", include("storefront.urls")),
    path("", include("loyalty.urls")),
    path("", include("offers.urls")),
    path("", include("flashsales.urls")),
    path("", include("campaigns.urls")),
    path("", include("campaigns.giveaways.notify")),
    path("", include("logistics.urls")),
    path("", include("platforms.urls")),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/api/docs/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    # Private uploads (after-sales photos): signed, expiring, checked per viewer; never a listing.
    path("private-media/<str:token>/<str:filename>", private_media.serve, name="private-media"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The few Oscar URLs its models link to, each leading to a console page.
    path("", include(oscar_storefront_links)),
]
if settings.PLATFORM_SANDBOX:
    urlpatterns.insert(0, path("sandbox/", include("platforms.sandbox.urls")))
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.site_header = settings.OSCAR_SHOP_NAME
admin.site.site_title = settings.OSCAR_SHOP_NAME

handler400 = "config.errors.api_bad_request"
handler404 = "config.errors.api_not_found"
handler500 = "config.errors.api_server_error"
