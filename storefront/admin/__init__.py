"""Django admin of the storefront: members and staff, stores. One module per concern."""

from . import members, stores  # noqa: F401
