"""Bearer tokens for shoppers (django-rest-knox: hashed at rest, expiring, revocable).

Knox answers every bad token with one message; the mini program needs to tell an expired
token (log in again silently) from a forged or revoked one, so the codes are split here.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.models import get_token_model
from knox.settings import CONSTANTS
from rest_framework import exceptions


class BearerTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token):
        try:
            return super().authenticate_credentials(token)
        except exceptions.AuthenticationFailed as failure:
            if failure.get_codes() == "token_expired":
                raise
            if "inactive" in str(failure.detail):
                raise exceptions.AuthenticationFailed(_("This account is closed."), code="account_closed")
            raise exceptions.AuthenticationFailed(_("The token is invalid or was revoked."), code="token_invalid")

    def _cleanup_token(self, auth_token):
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            raise exceptions.AuthenticationFailed(_("The token has expired."), code="token_expired")
        return False


def token_key_of(token: str) -> str:
    return token[: CONSTANTS.TOKEN_KEY_LENGTH]


def revoke_token(auth_token) -> None:
    get_token_model().objects.filter(pk=auth_token.pk).delete()
