"""A small in-memory mini program platform for the cases the sandbox cannot produce
(an outage, a verdict on demand, threads racing with one code). It keeps the platform
contract: a code works once, an unknown code raises InvalidCode."""

import itertools
import threading

from platforms.base import InvalidCode, LoginResult, PhoneNumber, PlatformUnavailable, TextVerdict

_numbers = itertools.count(1)


class FakeMiniProgram:
    def __init__(self, name, app_id):
        self.name = name
        self.app_id = app_id
        self.login_codes = {}
        self.phone_codes = {}
        self.verdict = "pass"
        self.unavailable = False
        self.login_calls = 0
        self.checked_texts = []
        self._lock = threading.Lock()

    def issue_login_code(self, openid=None, unionid="", app_id=None):
        code = f"{self.name}-code-{next(_numbers)}"
        openid = openid or f"{self.name}-user-{next(_numbers)}"
        self.login_codes[code] = LoginResult(
            platform=self.name, app_id=app_id or self.app_id, openid=openid, unionid=unionid
        )
        return code, openid

    def issue_phone_code(self, phone):
        code = f"{self.name}-phone-{next(_numbers)}"
        self.phone_codes[code] = phone
        return code

    def login(self, code):
        with self._lock:
            self.login_calls += 1
        if self.unavailable:
            raise PlatformUnavailable(platform=self.name)
        result = self.login_codes.pop(code, None)
        if result is None:
            raise InvalidCode("invalid code", code="40029", platform=self.name)
        return result

    def phone_number(self, *, code="", encrypted_response="", openid=""):
        if self.unavailable:
            raise PlatformUnavailable(platform=self.name)
        phone = self.phone_codes.pop(code or encrypted_response, None)
        if phone is None:
            raise InvalidCode("invalid phone code", platform=self.name)
        return PhoneNumber(phone=phone)

    def check_text(self, text, *, openid, scene=2):
        if self.unavailable:
            raise PlatformUnavailable(platform=self.name)
        self.checked_texts.append((text, openid))
        return TextVerdict(suggest=self.verdict, label="20001" if self.verdict != "pass" else "")
