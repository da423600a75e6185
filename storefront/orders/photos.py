"""After-sales photos: cleaned by the kit's one image path (config/images.py) before the
request is written, kept in the private storage (config/private_media.py), and the move
of photos uploaded before they were private.

Shoppers see their photos through the URLs of their order's after-sales requests
(`selectors.after_sales_summary`); staff with the permission to view after-sales requests
see them in the admin. `selectors.may_view_after_sales_photo` is the rule the private view
applies on every request."""

import logging

from django.conf import settings
from django.core.files.storage import storages

from config.images import ImageTooLarge, InvalidImage, clean_image
from config.private_media import private_storage

log = logging.getLogger(__name__)


def clean_photos(uploads):
    """Every upload re-encoded (a random name, no metadata), or `invalid_image` /
    `image_too_large` for the first one refused (`fields`: `photos.<index>`). Called
    before anything is written, so a refused photo leaves no request and no file."""
    return [
        clean_image(
            upload,
            field=f"photos.{index}",
            max_bytes=settings.AFTER_SALES_PHOTO_MAX_BYTES,
            max_pixels=settings.AFTER_SALES_PHOTO_MAX_PIXELS,
            max_side=settings.AFTER_SALES_PHOTO_SIZE,
        )
        for index, upload in enumerate(uploads)
    ]


def make_public_photos_private(photo_model):
    """Move after-sales photos uploaded while they were public (in the default storage,
    under MEDIA_URL, as uploaded) into the private storage: each one re-encoded by the same
    path as new uploads, under a new random name, then the public file deleted. A photo
    that cannot be read as an image, or is over the limits, is deleted with its row (it
    was never checked, and stays public otherwise). Safe to run again: photos already in
    the private storage are left alone. `photo_model` is the model (or a migration's
    historical model). Answers {"moved", "already_private", "missing", "refused"}."""
    public, private = storages["default"], private_storage()
    counts = {"moved": 0, "already_private": 0, "missing": 0, "refused": 0}
    for photo in photo_model.objects.order_by("pk").iterator():
        name = photo.image.name
        if not name or private.exists(name):
            counts["already_private"] += 1
            continue
        if not public.exists(name):
            counts["missing"] += 1
            log.warning("after-sales photo %s: file %s is in neither storage", photo.pk, name)
            continue
        with public.open(name, "rb") as handle:
            try:
                content = clean_image(
                    handle,
                    field="photo",
                    max_bytes=max(settings.AFTER_SALES_PHOTO_MAX_BYTES, handle.size),
                    max_pixels=settings.AFTER_SALES_PHOTO_MAX_PIXELS,
                    max_side=settings.AFTER_SALES_PHOTO_SIZE,
                )
            except (InvalidImage, ImageTooLarge) as refused:
                content = None
                reason = refused.fields.get("photo", refused.code)
        if content is None:
            photo_model.objects.filter(pk=photo.pk).delete()
            public.delete(name)
            counts["refused"] += 1
            log.warning("after-sales photo %s: %s was refused (%s) and deleted", photo.pk, name, reason)
            continue
        photo.image.save(content.name, content, save=False)
        photo_model.objects.filter(pk=photo.pk).update(image=photo.image.name)
        public.delete(name)
        counts["moved"] += 1
    log.info("after-sales photos made private: %s", counts)
    return counts
