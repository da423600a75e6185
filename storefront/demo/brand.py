"""Loads the whole demo brand: staff and roles, partner, catalogue, stores."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from .catalogue import load_categories, load_partner, load_product_classes, load_products
from .catalogue_data import PRODUCTS
from .staff import assign_store_staff, load_staff
from .stores import load_stores


@dataclass
class BrandSummary:
    categories: int
    products: int
    skus: int
    stores: int


def load_brand() -> BrandSummary:
    with transaction.atomic():
        users = load_staff()
        partner = load_partner()
        categories = load_categories()
        classes, attributes, options = load_product_classes()
        load_products(partner=partner, categories=categories, classes=classes, attributes=attributes, options=options)
        stores = load_stores(pickup_staff=users["operations"])
        assign_store_staff(users)
    return BrandSummary(
        categories=len(categories),
        products=len(PRODUCTS),
        skus=sum(len(product.skus) or 1 for product in PRODUCTS),
        stores=len(stores),
    )


def run_extra_loaders() -> list[str]:
    """Calls every entry of settings.DEMO_EXTRA_LOADERS; returns the lines they want printed."""
    lines = []
    for entry in settings.DEMO_EXTRA_LOADERS:
        loader = import_string(entry) if isinstance(entry, str) else entry
        with transaction.atomic():
            result = loader()
        if result:
            lines.append(str(result))
    return lines
