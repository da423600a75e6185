"""Celery finds the storefront's tasks through this module; each domain keeps its own
tasks.py, with explicit task names."""

from storefront.catalog import tasks as catalog_tasks  # noqa: F401
from storefront.orders import tasks as orders_tasks  # noqa: F401
from storefront.payments import tasks as payments_tasks  # noqa: F401
from storefront.stores import tasks as stores_tasks  # noqa: F401
