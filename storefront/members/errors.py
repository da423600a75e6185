"""The errors the members domain answers with; every code is listed in docs/errors.md."""

from django.conf import settings

from config.errors import Conflict, KitError

# Every shopper upload goes through config/images.py: its refusals are the members' too.
from config.images import ImageTooLarge, InvalidImage  # noqa: F401


class TooManyAddresses(KitError):
    code = "too_many_addresses"

    def __init__(self):
        super().__init__(f"A member can keep at most {settings.MEMBER_MAX_ADDRESSES} addresses.")


class DeletionNotConfirmed(KitError):
    code = "confirmation_required"
    message = "Send confirm: true to delete your data; this cannot be undone."


class InvalidLoginCode(KitError):
    code = "invalid_login_code"
    message = "The login code is invalid, expired or already used; call wx.login / my.getAuthCode again."


class InvalidPhoneCode(KitError):
    code = "invalid_phone_code"
    message = "The phone number code is invalid, expired or already used."


class ContentRisky(KitError):
    code = "content_risky"
    message = "This text did not pass the platform's content check."


class AppLoginRequired(Conflict):
    """The member has no account in this mini program (made by staff, or known only from another
    app of the brand): WeChat checks a nickname against the member's openid in this app."""

    code = "app_login_required"
    message = "Log in through this mini program before changing the nickname; it is checked against that account."


class AccountClosed(KitError):
    status_code = 403
    code = "account_closed"
    message = "This account is closed."


class PhoneInUse(Conflict):
    code = "phone_in_use"
    message = "This phone number belongs to a staff account and cannot be bound."


class TooManyLogins(KitError):
    """One member logging in again and again (a script farming tokens): counted per member,
    so shoppers sharing a carrier's address are not limited by each other."""

    status_code = 429
    code = "rate_limited"
    message = "Too many logins for this account; try again in a minute."
