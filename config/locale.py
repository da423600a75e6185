"""The console speaks Chinese unless the staff member chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language before LANGUAGE_CODE, so a
marketer whose browser is set to English would get an English console. For the staff pages
(the admin, Oscar's dashboard, the sandbox) only the language picked with the switch in the
admin header (Django's language cookie, set by /i18n/setlang/) counts, and then
LANGUAGE_CODE (Chinese). The shopper API keeps Django's negotiation: a client that asks for
English in Accept-Language gets English messages, and Chinese otherwise.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

CONSOLE_PREFIXES = ("/admin/", "/dashboard/", "/sandbox/")


def console_language(request) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class ConsoleLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if not request.path_info.startswith(CONSOLE_PREFIXES):
            return super().process_request(request)
        translation.activate(console_language(request))
        request.LANGUAGE_CODE = translation.get_language()
