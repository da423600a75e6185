"""The one python-alipay-sdk client of the kit, and how Alipay's answers become results or errors.

`KitAliPay` is the SDK's `AliPay` (RSA2) with its single HTTP call (`verified_sync_response`,
which the SDK makes with urllib's `urlopen` on `_gateway`) sent through a `requests` session
from `platforms.transport` instead, with a timeout. The production gateway stays the SDK's
own `_gateway`; with the sandbox on, the transport hands the same request to the sandbox in
process. Every answer is checked here, once, for every call: HTTP status, JSON, the
response signature, and the business `code` ("10000" is the only success; everything else
raises a `PlatformError`, retryable when Alipay says it is busy).

Keys: in production the app private key and Alipay public key are read from
settings.ALIPAY_PRIVATE_KEY_PATH / ALIPAY_PUBLIC_KEY_PATH (PEM, or the bare base64 the Alipay
console shows). With the sandbox on, the sandbox's generated keys are used: the sandbox has
to verify the kit's signatures, so it owns both key pairs.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import requests
from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from platforms import transport
from platforms.base import InvalidCode, PlatformError
from platforms.transport import InProcessAdapter, platform_session, sandbox_enabled, send, timeout_seconds

logger = logging.getLogger(__name__)

PLATFORM = "alipay"
SUCCESS = "10000"
BUSINESS_FAILED = "40004"
# "Service Currently Unavailable": Alipay's gateway is overloaded or restarting.
UNAVAILABLE_CODE = "20000"
# Business codes Alipay documents as "system busy, call again with the same parameters".
RETRYABLE_SUB_CODES = frozenset(
    {"ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "isp.unknow-error", "aop.unknow-error", "isp.unknown-error"}
)
INVALID_CODE_SUB_CODES = frozenset({"isv.code-invalid"})
# The token exchange answers success without a code (failures come as "error_response").
CODELESS_SUCCESS_METHODS = frozenset({"alipay.system.oauth.token"})
# Where the sandbox serves what Alipay serves from its CDNs (QR code images, bill files).
SANDBOX_FILES_PATH = "/sandbox/alipay/"


@dataclass(frozen=True)
class AlipayCredentials:
    app_id: str
    seller_id: str
    app_private_key: str | bytes
    alipay_public_key: str | bytes
    aes_key: str  # base64, as the Alipay console shows it


def _read_key(path: str, setting: str) -> str | bytes:
    if not path:
        raise ImproperlyConfigured(f"Set {setting}: the sandbox is off, so Alipay needs the real key.")
    text = Path(path).read_text().strip()
    if "-----BEGIN" in text:
        return text
    # The Alipay console hands out bare base64 (PKCS#1 or PKCS#8 DER); the SDK's
    # RSA.importKey takes the DER bytes as they are.
    return base64.b64decode("".join(text.split()))


def load_credentials() -> AlipayCredentials:
    if sandbox_enabled():
        from platforms.sandbox.alipay_keys import sandbox_keys

        keys = sandbox_keys()
        return AlipayCredentials(
            app_id=settings.ALIPAY_APP_ID,
            seller_id=settings.ALIPAY_SELLER_ID,
            app_private_key=keys.app_private_key,
            alipay_public_key=keys.alipay_public_key,
            aes_key=keys.aes_key,
        )
    return AlipayCredentials(
        app_id=settings.ALIPAY_APP_ID,
        seller_id=settings.ALIPAY_SELLER_ID,
        app_private_key=_read_key(settings.ALIPAY_PRIVATE_KEY_PATH, "ALIPAY_PRIVATE_KEY_PATH"),
        alipay_public_key=_read_key(settings.ALIPAY_PUBLIC_KEY_PATH, "ALIPAY_PUBLIC_KEY_PATH"),
        aes_key=settings.ALIPAY_AES_KEY,
    )


def alipay_session() -> requests.Session:
    """The session every Alipay call and download goes through."""
    session = platform_session(PLATFORM)
    if sandbox_enabled():
        # Alipay answers some calls with URLs to fetch (QR code images, bill files); the
        # sandbox serves those under SITE_URL, reached in process like the gateway.
        base = settings.SITE_URL + SANDBOX_FILES_PATH
        session.mount(base, InProcessAdapter(base, SANDBOX_FILES_PATH))
    return session


def error_from_body(body: dict, method: str) -> PlatformError:
    """The exception for an Alipay answer whose code is not "10000"."""
    code = str(body.get("code") or "")
    sub_code = str(body.get("sub_code") or "")
    detail = f"{body.get('sub_msg') or body.get('msg') or 'failed'} ({code} {sub_code})".strip()
    message = f"Alipay {method}: {detail}"
    stable = sub_code or code or "platform_error"
    if code == UNAVAILABLE_CODE or sub_code in RETRYABLE_SUB_CODES:
        return transport.platform_busy(platform=PLATFORM, action=method, detail=detail, raw=body)
    if sub_code in INVALID_CODE_SUB_CODES:
        return InvalidCode(message, code="invalid_code", platform=PLATFORM, raw=body)
    return PlatformError(message, code=stable, platform=PLATFORM, raw=body)


class KitAliPay(AliPay):
    """AliPay whose one HTTP call goes through a requests session, with every answer checked."""

    def __init__(self, *, session: requests.Session, timeout: float, **kwargs):
        self._session = session
        self._timeout = timeout
        super().__init__(**kwargs)

    def verified_sync_response(self, data, response_type):
        method = data["method"]
        # Same request as the SDK's own: GET on the gateway with the signed query string.
        url = self._gateway + "?" + self.sign_data(data)
        try:
            response = send(self._session, "GET", url, timeout=self._timeout)
        except requests.RequestException as exc:
            raise transport.unavailable_from(exc, platform=PLATFORM, action=method) from exc
        if transport.is_outage_status(response.status_code):
            raise transport.unavailable_status(response.status_code, platform=PLATFORM, action=method)
        if response.status_code != 200:
            raise PlatformError(
                f"Alipay {method}: HTTP {response.status_code}", code=f"http_{response.status_code}", platform=PLATFORM
            )
        raw = response.content.decode("utf-8", errors="replace")
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise transport.bad_response(platform=PLATFORM, action=method) from exc
        key = response_type if isinstance(payload.get(response_type), dict) else "error_response"
        body = payload.get(key)
        if not isinstance(body, dict):
            raise PlatformError(f"Alipay {method}: no {response_type}", code="bad_response", platform=PLATFORM)
        # A forged failure is as dangerous as a forged success ("trade does not exist" would
        # let an unpaid-order task cancel a paid order), so a signed failure is verified too.
        sign = payload.get("sign")
        if sign and not self._verify_signature(self._get_string_to_be_signed(raw, key), sign):
            raise PlatformError(
                f"Alipay {method}: response signature does not verify",
                code="invalid_signature",
                platform=PLATFORM,
                raw=body,
            )
        code = body.get("code")
        if not sign and code == BUSINESS_FAILED:
            # Alipay signs its business answers; an unsigned one cannot be trusted to say
            # "no such trade" and is refused like a bad signature (the caller keeps waiting).
            raise PlatformError(
                f"Alipay {method}: unsigned business answer", code="invalid_signature", platform=PLATFORM, raw=body
            )
        if key == "error_response" or code != SUCCESS and not (code is None and method in CODELESS_SUCCESS_METHODS):
            raise error_from_body(body, method)
        if not sign:
            raise PlatformError(f"Alipay {method}: unsigned response", code="invalid_signature", platform=PLATFORM)
        try:
            return self._verify_and_return_sync_response(raw, response_type)
        except (AliPayValidationError, AliPayException) as exc:
            raise PlatformError(
                f"Alipay {method}: response does not verify", code="invalid_signature", platform=PLATFORM
            ) from exc

    def _verify_signature(self, content: str, signature: str) -> bool:
        try:
            return self._verify(content, signature)
        except (ValueError, TypeError, binascii.Error):
            return False

    def verify_fields(self, fields: dict) -> bool:
        """RSA2 check of a notification form: every field but sign/sign_type, sorted, as k=v&k=v."""
        signature = fields.get("sign") or ""
        if not signature or fields.get("sign_type", self.sign_type) != self.sign_type:
            return False
        unsigned = {k: v for k, v in fields.items() if k not in ("sign", "sign_type")}
        content = "&".join(f"{k}={v}" for k, v in sorted(unsigned.items()))
        return self._verify_signature(content, signature)

    def verify_content(self, content: str, signature: str) -> bool:
        return self._verify_signature(content, signature)

    def download(self, url: str, what: str) -> bytes:
        """A file Alipay answered with a URL to (QR code images, bill files), through the same session."""
        try:
            response = send(self._session, "GET", url, timeout=self._timeout)
        except requests.RequestException as exc:
            raise transport.unavailable_from(exc, platform=PLATFORM, action=f"{what} download") from exc
        if transport.is_outage_status(response.status_code):
            raise transport.unavailable_status(response.status_code, platform=PLATFORM, action=f"{what} download")
        if response.status_code != 200:
            raise PlatformError(
                f"Alipay {what} download: HTTP {response.status_code}",
                code=f"http_{response.status_code}",
                platform=PLATFORM,
            )
        return response.content

    def call(self, method: str, biz_content: dict | None = None, **params) -> dict:
        """One gateway call: `server_api` (code checked, signature verified) -> the response body."""
        return self.server_api(method, biz_content=biz_content or {}, **params)


def build_client() -> tuple[KitAliPay, AlipayCredentials]:
    credentials = load_credentials()
    client = KitAliPay(
        session=alipay_session(),
        timeout=timeout_seconds(),
        appid=credentials.app_id,
        app_private_key_string=credentials.app_private_key,
        alipay_public_key_string=credentials.alipay_public_key,
        sign_type="RSA2",
    )
    return client, credentials
