"""The stores domain's receivers of Django's model signals: a saved store photo gets its
renditions made after commit. Imported (and so connected) in StorefrontConfig.ready only."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from storefront.stores.models import StorePhoto
from storefront.stores.tasks import make_store_photo_renditions


@receiver(post_save, sender=StorePhoto, dispatch_uid="stores_photo_saved")
def _store_photo_saved(sender, instance, raw=False, **kwargs):
    if raw or not instance.image or instance.renditions_of == instance.image.name:
        return
    photo_id = instance.pk
    transaction.on_commit(lambda: make_store_photo_renditions.delay(photo_id))
