"""Django admin of the storefront: members and staff, stores. One module per concern."""

from . import (  # noqa: F401
    catalog,
    members,
    orders,
    payments,  # noqa: F401
    stores,
)
