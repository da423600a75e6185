"""Verifying and opening WeChat push messages (the mini program's "message push" server URL).

WeChat signs each push with the push token: `signature` = SHA1 of the sorted token,
timestamp and nonce. In safe mode (encrypt_type=aes) the JSON body is {"ToUserName",
"Encrypt"}, `msg_signature` also covers Encrypt, and Encrypt is AES-CBC with the
EncodingAESKey (wechatpy's WeChatCrypto). Nothing is trusted before this passes.
"""

from __future__ import annotations

import json
import time

from django.conf import settings
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from platforms import transport
from platforms.base import InvalidNotification

MAX_CLOCK_SKEW_SECONDS = 300


def push_aes_key() -> str:
    """The EncodingAESKey: from settings, or the sandbox's generated one."""
    if settings.WECHAT_PUSH_AES_KEY:
        return settings.WECHAT_PUSH_AES_KEY
    if transport.sandbox_enabled():
        from platforms.sandbox.wechat_keys import sandbox_keys

        return sandbox_keys().push_aes_key
    return ""


def _invalid(message: str, code: str) -> InvalidNotification:
    return InvalidNotification(message, code=code, platform="wechat")


def verify_echo(params) -> str:
    """The GET check WeChat makes when the server URL is saved: answer echostr if signed."""
    _check_plain_signature(params)
    return params.get("echostr", "")


def _check_plain_signature(params) -> None:
    if not settings.WECHAT_PUSH_TOKEN:
        # An empty token is one anybody can sign with: nothing is accepted until it is set.
        raise _invalid("WECHAT_PUSH_TOKEN is not set", "not_configured")
    signature, timestamp, nonce = params.get("signature", ""), params.get("timestamp", ""), params.get("nonce", "")
    if not signature or not timestamp or not nonce:
        raise _invalid("signature, timestamp and nonce are required", "missing_signature")
    if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > MAX_CLOCK_SKEW_SECONDS:
        raise _invalid("timestamp is more than 5 minutes off", "stale_timestamp")
    try:
        check_signature(settings.WECHAT_PUSH_TOKEN, signature, timestamp, nonce)
    except InvalidSignatureException:
        raise _invalid("signature does not verify", "invalid_signature") from None


def open_message(params, body: bytes) -> dict:
    """The verified (and decrypted) push message as a dict, or InvalidNotification."""
    _check_plain_signature(params)
    try:
        message = json.loads(body or b"{}")
    except ValueError:
        raise _invalid("body is not JSON", "malformed") from None
    if not isinstance(message, dict):
        raise _invalid("body is not a JSON object", "malformed")
    if params.get("encrypt_type") == "aes" or "Encrypt" in message:
        key = push_aes_key()
        if not key or not params.get("msg_signature") or "Encrypt" not in message:
            raise _invalid("safe-mode message without msg_signature or Encrypt", "missing_signature")
        crypto = WeChatCrypto(settings.WECHAT_PUSH_TOKEN, key, settings.WECHAT_APP_ID)
        try:
            plain = crypto.decrypt_message(
                {"Encrypt": message["Encrypt"]}, params["msg_signature"], params["timestamp"], params["nonce"]
            )
        except InvalidSignatureException:
            raise _invalid("msg_signature does not verify", "invalid_signature") from None
        except InvalidAppIdException:
            raise _invalid("the message is for another app", "wrong_app") from None
        except Exception:
            raise _invalid("Encrypt does not decrypt with the EncodingAESKey", "decrypt_failed") from None
        try:
            message = json.loads(plain)
        except ValueError:
            raise _invalid("decrypted message is not JSON", "malformed") from None
    return message
