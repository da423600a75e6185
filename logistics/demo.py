"""Demo data of logistics (settings.DEMO_EXTRA_LOADERS): the carriers. Everything else
of the demo's logistics happens live: ship a paid order in the admin and the sandbox
carrier moves the parcel along (see docs/logistics.md)."""

from .models import Carrier
from .services import ensure_default_carriers


def load_demo() -> str:
    created = ensure_default_carriers()
    return f"logistics: {Carrier.objects.filter(is_active=True).count()} carriers ({created} new)"
