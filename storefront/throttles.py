"""Rate limits of the storefront API (rates in settings REST_FRAMEWORK DEFAULT_THROTTLE_RATES).

Login is limited twice: per client IP (a bot cycling through codes) and per login code
(one code hammered from many IPs). A throttled request answers 429 `rate_limited`.
"""

import hashlib

from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from config.client import client_ip


class ClientAddressMixin:
    """Anonymous clients are counted by their real address (config/client.py), never by a
    header they can vary."""

    def get_ident(self, request):
        return client_ip(request) or ""


class LoginIPThrottle(ClientAddressMixin, SimpleRateThrottle):
    scope = "login_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginCodeThrottle(SimpleRateThrottle):
    scope = "login_code"

    def get_cache_key(self, request, view):
        code = request.data.get("code") if hasattr(request.data, "get") else None
        if not code or not isinstance(code, str):
            return None  # nothing to count: the serializer rejects the request anyway
        digest = hashlib.sha256(code.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}


class UploadThrottle(ClientAddressMixin, UserRateThrottle):
    scope = "upload"


class ShopperWriteThrottle(ClientAddressMixin, UserRateThrottle):
    """Counts a shopper's writes only; reads of their own data stay unlimited."""

    scope = "shopper_write"

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return super().allow_request(request, view)
