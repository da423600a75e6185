"""Move after-sales photos uploaded while they were public into the private storage.

Migration 0012 does this once on `migrate`; run this again if files could not be reached
then (object storage down, a volume not mounted). Each photo found in the public media is
re-encoded like a new upload (no EXIF, no appended bytes), saved under a new random name
in the private storage, and its public file deleted; one that is not a readable JPEG, PNG
or WebP, or is over the pixel limit, is deleted with its row. Photos already private are
left alone, so running it twice is harmless."""

from django.core.management.base import BaseCommand

from storefront.orders.models import AfterSalesPhoto
from storefront.orders.photos import make_public_photos_private


class Command(BaseCommand):
    help = "Move public after-sales photos into the private storage, re-encoded under random names."

    def handle(self, *args, **options):
        counts = make_public_photos_private(AfterSalesPhoto)
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in counts.items()))
