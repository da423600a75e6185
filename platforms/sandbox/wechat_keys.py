"""The WeChat / WeChat Pay sandbox's keys: generated on first use, kept in
settings.SANDBOX_DIR, never committed.

They play the parts the real world splits between the brand and Tencent:
- the merchant key pair and its certificate serial (the kit signs API requests and the
  wx.requestPayment parameters with the private half; the sandbox checks requests with the
  public half);
- WeChat Pay's platform key pair, published both as a "WeChat Pay public key" (with its
  PUB_KEY_ID_ id) and as a self-signed platform certificate, so both WECHATPAY_MODEs work;
- an impostor key pair, used by the "wrong signature" fault;
- the APIv3 key (32 characters, AES-256-GCM) and the push message EncodingAESKey.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings

from platforms.sandbox.keyfile import load_or_create


@dataclass(frozen=True)
class WeChatSandboxKeys:
    merchant_private_key: str
    merchant_public_key: str
    merchant_serial_no: str
    platform_private_key: str
    platform_public_key: str
    platform_public_key_id: str
    platform_certificate: str
    platform_serial_no: str
    impostor_private_key: str
    apiv3_key: str
    push_aes_key: str  # 43 characters, the EncodingAESKey of the mini program's push settings


def _private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_private(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _pem_public(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _certificate(key, serial: int) -> str:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tenpay.com (sandbox)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (sandbox)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _generate() -> dict:
    merchant = _private_key()
    platform = _private_key()
    impostor = _private_key()
    serial = secrets.randbits(158) | (1 << 158)
    alphabet = string.ascii_letters + string.digits
    return {
        "merchant_private_key": _pem_private(merchant),
        "merchant_public_key": _pem_public(merchant),
        "merchant_serial_no": secrets.token_hex(20).upper(),
        "platform_private_key": _pem_private(platform),
        "platform_public_key": _pem_public(platform),
        "platform_public_key_id": "PUB_KEY_ID_" + "".join(secrets.choice(string.digits) for _ in range(32)),
        "platform_certificate": _certificate(platform, serial),
        "platform_serial_no": format(serial, "X"),
        "impostor_private_key": _pem_private(impostor),
        "apiv3_key": "".join(secrets.choice(alphabet) for _ in range(32)),
        "push_aes_key": base64.b64encode(secrets.token_bytes(32)).decode().rstrip("="),
    }


def keys_path() -> Path:
    return Path(settings.SANDBOX_DIR) / "wechat-keys.json"


@lru_cache(maxsize=4)
def _load(path: str) -> WeChatSandboxKeys:
    return WeChatSandboxKeys(**load_or_create(Path(path), _generate))


def sandbox_keys() -> WeChatSandboxKeys:
    return _load(str(keys_path()))
