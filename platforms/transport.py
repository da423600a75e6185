"""How the platform adapters reach WeChat, WeChat Pay and Alipay, or the sandbox instead.

The adapters are the production code. They always talk to the platforms' real base URLs
(kept here, in `BASE_URLS`, and nowhere else); only the transport underneath changes:

- production: real HTTPS through `requests`, every call with a timeout
  (`settings.PLATFORM_TIMEOUT_SECONDS`);
- sandbox on (`settings.PLATFORM_SANDBOX`): a `requests` transport adapter mounted for each
  base URL hands the request to this Django project in the same process, at the sandbox
  path in `SANDBOX_PATHS`. No network, no socket, and no deadlock on a server with a single
  worker (the call never waits for a second worker to answer it).

API (for the adapters of both platforms):

``BASE_URLS[name]`` / ``SANDBOX_PATHS[name]``
    name is "wechat", "wechatpay" or "alipay". tests/platforms/test_transport.py fails if a
    library upgrade moves its base URL away from these.

``platform_session(*names) -> requests.Session``
    A new session whose requests to those platforms go to the sandbox when it is on
    (unchanged real HTTP otherwise). Give it to the library (wechatpy: ``client._http``).

``send(session, method, url, *, timeout=None, **kwargs) -> requests.Response``
    ``session.request`` with the platform timeout filled in when none is given.

``RoutedRequests(session)``
    An object with requests' module functions (get, post, put, patch, delete, request) that
    go through `session`; for libraries that call ``requests.post(...)`` at module level
    (wechatpayv3): ``route_module_requests(wechatpayv3.core, session)``.

``InProcessAdapter(base_url, prefix)``
    The transport adapter itself; `platform_session` mounts it, tests may mount it directly.

The sandbox simulates a timeout by answering with the header ``X-Sandbox-Fault: timeout``;
the adapter turns that into ``requests.exceptions.ReadTimeout``, exactly what a real timeout
raises, so the adapters' timeout handling is exercised by the tests.

When a platform does not answer usefully
----------------------------------------
Every adapter (WeChat mini program, WeChat Pay, Alipay, Kuaidi100) turns an outage into a
`platforms.base.PlatformUnavailable` (always retryable) here, with one of these codes, the
same for every platform (the platform's own answer, if any, is in ``raw``):

``timeout`` (`TIMEOUT`)
    no answer in time (any ``requests.Timeout``, the sandbox's "timeout" fault included);
``connection_error`` (`CONNECTION_ERROR`)
    the platform could not be reached: refused, reset, DNS, TLS, any other requests failure,
    or an HTTP error without a response;
``http_5xx`` (`HTTP_5XX`)
    an HTTP status of 500 or more that does not say "busy" (a proxy's 502 page, a 503...);
    the status is in the message;
``bad_response`` (`BAD_RESPONSE`)
    an answer that cannot be read (not JSON where JSON is the protocol);
``platform_busy`` (`PLATFORM_BUSY`)
    the platform answered and said "system busy, call again": WeChat errcode -1, WeChat Pay
    SYSTEM_ERROR / FREQUENCY_LIMITED / BANK_ERROR, Alipay 20000 and its ACQ.SYSTEM_ERROR
    family.

``unavailable_from(exc, *, platform, action)``
    The PlatformUnavailable for a requests exception (`timeout` or `connection_error`).
``unavailable_status(status, *, platform, action, raw=None)``
    For an HTTP status >= 500 (`http_5xx`); ``is_outage_status(status)`` says when.
``bad_response(*, platform, action, detail=..., raw=None)`` / ``platform_busy(*, platform, action, detail, raw=None)``
    The other two.
``json_answer(response, *, platform, action)``
    The JSON of an answer, or the `http_5xx` / `bad_response` PlatformUnavailable.

`platform` is the ``platform`` the error carries ("wechat", "wechatpay", "alipay",
"kuaidi100"); `action` names the call in the message ("query", "alipay.trade.query").
Other refusals (HTTP 4xx, business errors) are each adapter's `PlatformError`s.
"""

from __future__ import annotations

import io
import json
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.utils import translation
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from platforms.base import PlatformUnavailable

BASE_URLS = {
    # wechatpy: WeChatClient.API_BASE_URL is ".../cgi-bin/", wxa APIs use this root.
    "wechat": "https://api.weixin.qq.com/",
    # wechatpayv3: Core._gate_way (no trailing slash; paths start with "/v3/").
    "wechatpay": "https://api.mch.weixin.qq.com",
    # python-alipay-sdk: AliPay._gateway (production).
    "alipay": "https://openapi.alipay.com/gateway.do",
}
SANDBOX_PATHS = {
    "wechat": "/sandbox/wechat/",
    "wechatpay": "/sandbox/wechatpay/",
    "alipay": "/sandbox/alipay/gateway/",
}
FAULT_HEADER = "X-Sandbox-Fault"


def timeout_seconds() -> float:
    return float(getattr(settings, "PLATFORM_TIMEOUT_SECONDS", 5.0))


class _InProcessHandler(BaseHandler):
    """Django's request handling without the request_started/finished signals: those would
    close the caller's database connection (and break its transaction) in the middle of the
    caller's own request."""

    def __init__(self):
        super().__init__()
        self.load_middleware()

    def __call__(self, environ):
        request = WSGIRequest(environ)
        language = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            # LocaleMiddleware activates the inner request's language and never restores it.
            if language:
                translation.activate(language)
            else:
                translation.deactivate()
        return response


_handler: _InProcessHandler | None = None


def _get_handler() -> _InProcessHandler:
    global _handler
    if _handler is None:
        _handler = _InProcessHandler()
    return _handler


class InProcessAdapter(BaseAdapter):
    """Send requests for `base_url` to this Django project's view at `prefix`."""

    def __init__(self, base_url: str, prefix: str):
        super().__init__()
        self.base_url = base_url
        self.prefix = prefix if prefix.endswith("/") else prefix + "/"

    def _path(self, url: str) -> tuple[str, str]:
        without_query, _, query = url.partition("?")
        rest = without_query[len(self.base_url) :] if without_query.startswith(self.base_url) else urlsplit(url).path
        return self.prefix + rest.lstrip("/"), query

    def _environ(self, request: requests.PreparedRequest) -> dict:
        path, query = self._path(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes):  # a generator or file: read it all, it is small
            body = b"".join(chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in body)
        site = urlsplit(settings.SITE_URL)
        environ = {
            "REQUEST_METHOD": request.method.upper(),
            # PEP 3333: PATH_INFO is the decoded path (as bytes in latin-1); the path as sent, still
            # percent-encoded, is what gunicorn passes as RAW_URI (WeChat Pay signs that one).
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "RAW_URI": path + (f"?{query}" if query else ""),
            "SCRIPT_NAME": "",
            "QUERY_STRING": query,
            "SERVER_NAME": site.hostname or "127.0.0.1",
            "SERVER_PORT": str(site.port or (443 if site.scheme == "https" else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": site.netloc or "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": site.scheme or "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)),
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key not in ("CONTENT_LENGTH", "HOST"):
                environ["HTTP_" + key] = value
        return environ

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        django_response = _get_handler()(self._environ(request))
        if django_response.get(FAULT_HEADER) == "timeout":
            raise requests.exceptions.ReadTimeout(f"sandbox: read timed out ({timeout})", request=request)
        if getattr(django_response, "streaming", False):
            content = b"".join(django_response.streaming_content)
        else:
            content = django_response.content
        # Run the response's closers (files, the request) without the request_finished signal.
        for closer in getattr(django_response, "_resource_closers", []):
            closer()
        response = requests.Response()
        response.status_code = django_response.status_code
        response.reason = django_response.reason_phrase
        response.headers = CaseInsensitiveDict(dict(django_response.items()))
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = content
        response._content_consumed = True
        response.raw = io.BytesIO(content)
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def sandbox_enabled() -> bool:
    return bool(getattr(settings, "PLATFORM_SANDBOX", False))


def platform_session(*names: str) -> requests.Session:
    """A session for the named platforms (all of them when none is named)."""
    session = requests.Session()
    session.trust_env = False  # no proxies from the environment for payment traffic
    if sandbox_enabled():
        for name in names or BASE_URLS:
            session.mount(BASE_URLS[name], InProcessAdapter(BASE_URLS[name], SANDBOX_PATHS[name]))
    return session


def send(session: requests.Session, method: str, url: str, *, timeout=None, **kwargs) -> requests.Response:
    return session.request(method, url, timeout=timeout or timeout_seconds(), **kwargs)


class RoutedRequests:
    """requests' module-level API bound to one session."""

    def __init__(self, session: requests.Session):
        self.session = session
        # Libraries refer to requests' exceptions through the module they imported.
        self.exceptions = requests.exceptions
        self.RequestException = requests.RequestException

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", None)
        if kwargs["timeout"] is None:
            kwargs["timeout"] = timeout_seconds()
        return self.session.request(method, url, **kwargs)

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def put(self, url, **kwargs):
        return self.request("PUT", url, **kwargs)

    def patch(self, url, **kwargs):
        return self.request("PATCH", url, **kwargs)

    def delete(self, url, **kwargs):
        return self.request("DELETE", url, **kwargs)


def route_module_requests(module, session: requests.Session) -> None:
    """Make `module`'s global name `requests` go through `session` (idempotent)."""
    module.requests = RoutedRequests(session)


# --- when a platform does not answer usefully (see the module docstring) ----------------------
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection_error"
HTTP_5XX = "http_5xx"
BAD_RESPONSE = "bad_response"
PLATFORM_BUSY = "platform_busy"
UNAVAILABLE_CODES = (TIMEOUT, CONNECTION_ERROR, HTTP_5XX, BAD_RESPONSE, PLATFORM_BUSY)
PLATFORM_LABELS = {"wechat": "WeChat", "wechatpay": "WeChat Pay", "alipay": "Alipay", "kuaidi100": "Kuaidi100"}


def _label(platform: str, action: str) -> str:
    return f"{PLATFORM_LABELS.get(platform, platform)} {action}".strip()


def unavailable_from(exc: requests.RequestException, *, platform: str, action: str) -> PlatformUnavailable:
    """`timeout` for any requests.Timeout (ConnectTimeout included), `connection_error` otherwise."""
    if isinstance(exc, requests.Timeout):
        return PlatformUnavailable(
            f"{_label(platform, action)}: no answer in time ({exc})", code=TIMEOUT, platform=platform
        )
    return PlatformUnavailable(
        f"{_label(platform, action)}: could not be reached ({exc})", code=CONNECTION_ERROR, platform=platform
    )


def is_outage_status(status: int) -> bool:
    return status >= 500


def unavailable_status(status: int, *, platform: str, action: str, raw=None) -> PlatformUnavailable:
    """`http_5xx` for an answer with an HTTP status of 500 or more."""
    return PlatformUnavailable(f"{_label(platform, action)}: HTTP {status}", code=HTTP_5XX, platform=platform, raw=raw)


def bad_response(
    *, platform: str, action: str, detail: str = "the answer is not JSON", raw=None
) -> PlatformUnavailable:
    return PlatformUnavailable(f"{_label(platform, action)}: {detail}", code=BAD_RESPONSE, platform=platform, raw=raw)


def platform_busy(*, platform: str, action: str, detail: str, raw=None) -> PlatformUnavailable:
    """The platform answered "system busy, call again" (its own code is in `raw`)."""
    return PlatformUnavailable(f"{_label(platform, action)}: {detail}", code=PLATFORM_BUSY, platform=platform, raw=raw)


def json_answer(response: requests.Response, *, platform: str, action: str):
    """The decoded JSON of `response`; `http_5xx` for a status >= 500, `bad_response` when not JSON."""
    if is_outage_status(response.status_code):
        raise unavailable_status(response.status_code, platform=platform, action=action)
    try:
        return json.loads(response.content.decode("utf-8", errors="replace"))
    except ValueError as exc:
        raise bad_response(platform=platform, action=action) from exc
