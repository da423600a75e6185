"""Site offers, resolved once per offers-and-catalog version instead of on every basket read.

Oscar's `Applicator` asks the database for the site offers each time a basket is priced: one
query per basket read, add, change and order. The offers change rarely (a marketer saves
one), so the active ones are kept in the cache, keyed by a version that every save or delete
of an offer, condition, benefit or range bumps (receivers below), and by the catalog version
(a range's products follow the catalog). An offer that starts or ends on a date is honoured to
the second: the cached entry lasts only until the next start or end of any site offer, and
never longer than `OFFER_CACHE_SECONDS`.

Voucher offers are not cached: they belong to one basket and come with its vouchers.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from oscar.apps.offer.applicator import Applicator
from oscar.core.loading import get_model

from storefront.catalog.services import catalog_version

OFFERS_VERSION_KEY = "offers:version"


def offers_version() -> str:
    version = cache.get(OFFERS_VERSION_KEY)
    if version is None:
        version = str(time.time_ns())
        cache.add(OFFERS_VERSION_KEY, version, None)
        version = cache.get(OFFERS_VERSION_KEY, version)
    return version


def bump_offers_version(**_kwargs) -> None:
    cache.set(OFFERS_VERSION_KEY, str(time.time_ns()), None)


def _is_active(offer, now) -> bool:
    # The same test as Oscar's ActiveOfferManager (the status is filtered in the query).
    return (offer.start_datetime is None or offer.start_datetime <= now) and (
        offer.end_datetime is None or offer.end_datetime >= now
    )


def site_offers():
    """The site offers active now, with their condition, benefit and ranges loaded."""
    ConditionalOffer = get_model("offer", "ConditionalOffer")
    key = f"basket:site-offers:{offers_version()}:{catalog_version()}"
    now = timezone.now()
    entry = cache.get(key)
    if entry is not None and entry["until"] > now:
        return entry["offers"]
    open_offers = list(
        ConditionalOffer.objects.filter(offer_type=ConditionalOffer.SITE, status=ConditionalOffer.OPEN).select_related(
            "condition", "benefit", "condition__range", "benefit__range"
        )
    )
    active = [offer for offer in open_offers if _is_active(offer, now)]
    ceiling = now + timedelta(seconds=settings.OFFER_CACHE_SECONDS)
    boundaries = [
        moment
        for offer in open_offers
        for moment in (offer.start_datetime, offer.end_datetime)
        if moment and moment > now
    ]
    until = min([ceiling, *boundaries])
    timeout = max(int((until - now).total_seconds()) + 1, 1)
    cache.set(key, {"offers": active, "until": until}, timeout)
    return active


class CachedSiteOffersApplicator(Applicator):
    """Oscar's applicator with the site offers from the cache."""

    def get_site_offers(self):
        return site_offers()


def connect() -> None:
    """Every change to what an offer is or covers bumps the version (StorefrontConfig.ready)."""
    for name in ("ConditionalOffer", "Condition", "Benefit", "Range", "RangeProduct"):
        model = get_model("offer", name)
        post_save.connect(bump_offers_version, sender=model, dispatch_uid=f"offers_version_{name}_saved")
        post_delete.connect(bump_offers_version, sender=model, dispatch_uid=f"offers_version_{name}_deleted")
    Range = get_model("offer", "Range")
    for field in ("included_products", "excluded_products", "classes", "included_categories"):
        through = getattr(Range, field).through
        m2m_changed.connect(bump_offers_version, sender=through, dispatch_uid=f"offers_version_range_{field}")
