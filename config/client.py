"""The client's address, the same for every rate limit and every log that records one.

Behind reverse proxies the connection comes from the nearest proxy, and each proxy appends
the address it saw to `X-Forwarded-For`. Only the entries the kit's own proxies appended can
be trusted: anything to their left was written by the client and may be made up. With
`TRUSTED_PROXY_COUNT = n` the client is the n-th entry from the right; with 0 (the kit is
reached directly) the header is ignored and the connection's address counts. This is DRF's
rule for NUM_PROXIES, which the throttles use with the same setting.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The address of the client that sent `request` (a Django or DRF request)."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if not entries:
        return remote
    # Fewer entries than proxies: the outermost one is the best the proxies can tell.
    candidate = entries[-min(proxies, len(entries))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
