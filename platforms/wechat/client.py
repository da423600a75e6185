"""The one shared wechatpy `WeChatClient` of the kit, with its access token in the Django cache.

Every process (web workers, Celery workers) reads the same token from the cache, so a token
fetched by one is used by all, and a refresh after 40001/42001 by one is seen by the others.
The token comes from `/cgi-bin/stable_token` (normal mode: WeChat hands back the current token
instead of invalidating it, so two processes refreshing at once do not knock each other out).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.cache import cache
from wechatpy import WeChatClient
from wechatpy.session import SessionStorage

from platforms import transport

# Refresh this long before WeChat's expiry, so a token never expires in the middle of a call.
TOKEN_MARGIN_SECONDS = 300
_lock = threading.Lock()
_client: KitWeChatClient | None = None


class DjangoCacheStorage(SessionStorage):
    """wechatpy's session storage on django.core.cache (Redis in production)."""

    prefix = "wechatpy:"

    def get(self, key, default=None):
        return cache.get(self.prefix + key, default)

    def set(self, key, value, ttl=None):
        if value is None:
            return
        timeout = None if ttl is None else max(int(ttl) - TOKEN_MARGIN_SECONDS, 1)
        cache.set(self.prefix + key, value, timeout)

    def delete(self, key):
        cache.delete(self.prefix + key)


class KitWeChatClient(WeChatClient):
    API_BASE_URL = transport.BASE_URLS["wechat"] + "cgi-bin/"

    def __init__(self, appid, secret):
        # auto_retry off: the adapter retries once after refreshing, wechatpy would loop.
        super().__init__(
            appid, secret, session=DjangoCacheStorage(), timeout=transport.timeout_seconds(), auto_retry=False
        )
        self._http = transport.platform_session("wechat")

    def fetch_access_token(self, force_refresh=False):
        result = self._request(
            "post",
            transport.BASE_URLS["wechat"] + "cgi-bin/stable_token",
            params={"access_token": ""},
            data={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
                "force_refresh": force_refresh,
            },
        )
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        # wechatpy trusts the cache entry when expires_at is unset; the cache TTL does the expiry.
        self.expires_at = None
        return result

    @property
    def access_token(self):
        token = self.session.get(self.access_token_key)
        if token:
            return token
        with _lock:
            token = self.session.get(self.access_token_key)
            if not token:
                self.fetch_access_token()
                token = self.session.get(self.access_token_key)
        return token

    def forget_access_token(self, stale_token: str) -> None:
        """Drop the cached token after WeChat refused it, unless another client already replaced it."""
        if self.session.get(self.access_token_key) == stale_token:
            self.session.delete(self.access_token_key)

    def replace_refused_token(self, stale_token: str) -> None:
        """After WeChat refused `stale_token` (40001/40014/42001): the token to retry with.

        Another process may already have cached a newer one; otherwise the normal stable_token
        call hands back WeChat's current token. Only when WeChat hands back the very token it just
        refused is it force-refreshed, once: a force refresh invalidates the token every other
        process holds (developers.weixin.qq.com, getStableAccessToken), so doing it on every 40001
        would have the processes knock each other's tokens out in turn."""
        with _lock:
            cached = self.session.get(self.access_token_key)
            if cached and cached != stale_token:
                return
            self.session.delete(self.access_token_key)
            if self.fetch_access_token()["access_token"] == stale_token:
                self.fetch_access_token(force_refresh=True)


def new_client() -> KitWeChatClient:
    return KitWeChatClient(settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET)


def shared_client() -> KitWeChatClient:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = new_client()
    return _client


def reset_shared_client() -> None:
    global _client
    _client = None
