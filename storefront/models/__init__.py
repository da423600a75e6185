"""Storefront data. One module per concern; import every model here so Django finds it."""

from .addresses import Address  # noqa: F401
from .members import User  # noqa: F401
from .stores import Store, StoreHours, StoreHoursException, StorePhoto  # noqa: F401
