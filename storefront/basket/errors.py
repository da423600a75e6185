"""The errors the basket domain answers with; every code is listed in docs/errors.md."""

from rest_framework import status

from config.errors import KitError


class VoucherError(KitError):
    status_code = status.HTTP_400_BAD_REQUEST
