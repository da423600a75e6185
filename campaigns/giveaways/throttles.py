"""Rate limits of giveaway entries: per member and per client IP (a bot farm behind one
address). Rates from settings GIVEAWAY_ENTRY_RATE_MEMBER / GIVEAWAY_ENTRY_RATE_IP; a throttled
entry answers 429 `rate_limited`."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from config.client import client_ip


class EntryMemberThrottle(SimpleRateThrottle):
    scope = "giveaway_entry_member"

    def get_rate(self):
        return getattr(settings, "GIVEAWAY_ENTRY_RATE_MEMBER", "20/min")

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class EntryIPThrottle(SimpleRateThrottle):
    scope = "giveaway_entry_ip"

    def get_rate(self):
        return getattr(settings, "GIVEAWAY_ENTRY_RATE_IP", "1200/min")

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or ""}
