"""The Alipay sandbox's keys: generated on first use, kept in settings.SANDBOX_DIR, never committed.

Three RSA key pairs and one AES key play the parts the real world splits between the brand
and Alipay: the app key pair (the kit signs requests with its private half, the sandbox
checks them with the public half), Alipay's key pair (the sandbox signs responses and
notifications, the kit verifies with the public half), an impostor key pair (the "wrong
signature" fault signs with it) and the mini program's AES key (encrypted phone numbers).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from platforms.sandbox.keyfile import load_or_create


@dataclass(frozen=True)
class AlipaySandboxKeys:
    app_private_key: str
    app_public_key: str
    alipay_private_key: str
    alipay_public_key: str
    impostor_private_key: str
    aes_key: str  # base64 of 16 bytes, as the Alipay console shows it


def _key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _generate() -> dict:
    app_private, app_public = _key_pair()
    alipay_private, alipay_public = _key_pair()
    impostor_private, _ = _key_pair()
    return {
        "app_private_key": app_private,
        "app_public_key": app_public,
        "alipay_private_key": alipay_private,
        "alipay_public_key": alipay_public,
        "impostor_private_key": impostor_private,
        "aes_key": base64.b64encode(secrets.token_bytes(16)).decode(),
    }


def keys_path() -> Path:
    return Path(settings.SANDBOX_DIR) / "alipay-keys.json"


@lru_cache(maxsize=4)
def _load(path: str) -> AlipaySandboxKeys:
    return AlipaySandboxKeys(**load_or_create(Path(path), _generate))


def sandbox_keys() -> AlipaySandboxKeys:
    return _load(str(keys_path()))
