"""Avatar upload, through the kit's one hardened image path (config/images.py): only real
JPEG/PNG/WebP images, size and pixel limits checked before the pixels are decoded,
re-encoded so nothing of the original file survives (EXIF with GPS position, ICC tricks,
appended payloads), resized to what the mini program shows, under a random name."""

from django.conf import settings
from django.core.files.base import ContentFile

from config.images import clean_image


def clean_avatar(upload) -> ContentFile:
    """The upload re-encoded as a JPEG of at most MEMBER_AVATAR_SIZE pixels a side."""
    return clean_image(
        upload,
        field="avatar",
        max_bytes=settings.MEMBER_AVATAR_MAX_BYTES,
        max_pixels=settings.MEMBER_AVATAR_MAX_PIXELS,
        max_side=settings.MEMBER_AVATAR_SIZE,
    )


def set_avatar(*, member, upload):
    content = clean_avatar(upload)
    old = member.avatar.name if member.avatar else ""
    member.avatar.save(content.name, content, save=False)
    member.save(update_fields=["avatar"])
    if old and old != member.avatar.name:
        member.avatar.storage.delete(old)
    return member
