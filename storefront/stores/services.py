"""Writes of the stores domain: the display and list renditions of store photos.

They are made once per upload, by the task queued when a photo is saved and by the
periodic sweep for any the task missed, so answering a request never renders an image."""

from django.conf import settings
from django.db.models import F, Q

from storefront.stores.models import StorePhoto


def make_store_photo_renditions(*, photo_id: int) -> StorePhoto | None:
    """Renders a store photo's display and list sizes once per upload and stores their URLs."""
    from sorl.thumbnail import get_thumbnail

    photo = StorePhoto.objects.filter(pk=photo_id).first()
    if photo is None or not photo.image:
        return None
    if photo.renditions_of == photo.image.name:
        return photo
    # The same sizes as product images: the detail width, and the square list size.
    display = get_thumbnail(photo.image, settings.CATALOG_THUMBNAIL_DETAIL, upscale=False, quality=85)
    thumbnail = get_thumbnail(photo.image, settings.CATALOG_THUMBNAIL_LIST, crop="center", quality=85)
    # An update, not save(): saving would queue this task again through the receiver.
    StorePhoto.objects.filter(pk=photo.pk, image=photo.image.name).update(
        display_url=display.url, thumbnail_url=thumbnail.url, renditions_of=photo.image.name
    )
    photo.refresh_from_db()
    return photo


def make_missing_store_photo_renditions(*, limit: int = 200) -> int:
    """The sweep: photos with no renditions, or renditions of an older upload. Returns how many it made."""
    stale = (
        StorePhoto.objects.exclude(image="")
        .filter(~Q(renditions_of=F("image")))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for photo_id in list(stale) if make_store_photo_renditions(photo_id=photo_id) is not None)
