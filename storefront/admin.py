"""Django admin of the storefront. Each domain keeps its screens in its own admin.py; this
module is the one Django's autodiscovery imports."""

from storefront.catalog import admin as catalog_admin  # noqa: F401
from storefront.checkout import admin as checkout_admin  # noqa: F401
from storefront.members import admin as members_admin  # noqa: F401
from storefront.orders import admin as orders_admin  # noqa: F401
from storefront.payments import admin as payments_admin  # noqa: F401
from storefront.stores import admin as stores_admin  # noqa: F401
