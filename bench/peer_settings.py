"""Settings of the peer server: the same settings plus django-oscar-api, the REST layer a
Python shop would otherwise put on Oscar. Installed only in the benchmark's own
virtualenv (bench/.work/venv), never a runtime dependency of the kit."""

from bench.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "oscarapi"]  # noqa: F405
ROOT_URLCONF = "bench.peer_urls"
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
_KIT_AUTHENTICATION = REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
# oscar-api's own defaults for everything but two things a shop would set the same way as
# the kit, so both sides do the same work: the same bearer tokens (members of the same
# database, authenticated by the same knox lookup; session auth stays for oscar-api's
# anonymous baskets) and a page of 20 (oscar-api paginates nothing by default).
for key in (
    "DEFAULT_AUTHENTICATION_CLASSES",
    "DEFAULT_PERMISSION_CLASSES",
    "DEFAULT_PAGINATION_CLASS",
    "EXCEPTION_HANDLER",
):
    REST_FRAMEWORK.pop(key, None)
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    *_KIT_AUTHENTICATION,
    "rest_framework.authentication.SessionAuthentication",
]
REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] = "rest_framework.pagination.PageNumberPagination"
REST_FRAMEWORK["PAGE_SIZE"] = 20
MIDDLEWARE = [*MIDDLEWARE, "oscarapi.middleware.ApiBasketMiddleWare"]  # noqa: F405
OSCARAPI_BLOCK_ADMIN_API_ACCESS = True
