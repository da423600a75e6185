"""Avatar upload: only real JPEG/PNG/WebP images, size and pixel limits checked before the
pixels are decoded, re-encoded so nothing of the original file survives (EXIF with GPS
position, ICC tricks, appended payloads), and resized to what the mini program shows."""

import io
import uuid
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from storefront.members.errors import ImageTooLarge, InvalidImage  # noqa: F401

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


def clean_avatar(upload) -> ContentFile:
    """The upload re-encoded as a JPEG of at most MEMBER_AVATAR_SIZE pixels a side."""
    if upload.size > settings.MEMBER_AVATAR_MAX_BYTES:
        raise ImageTooLarge(
            f"The file is larger than {settings.MEMBER_AVATAR_MAX_BYTES // (1024 * 1024)} MB.",
            fields={"avatar": "file too large"},
        )
    upload.seek(0)
    data = upload.read()
    with warnings.catch_warnings():
        # Pillow's own bomb check only warns below twice its limit: treat the warning as fatal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # open() reads the header only: format and dimensions are known before decoding.
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise InvalidImage(fields={"avatar": f"format {image.format} not allowed"})
            width, height = image.size
            if width * height > settings.MEMBER_AVATAR_MAX_PIXELS:
                raise ImageTooLarge(
                    f"The image has more than {settings.MEMBER_AVATAR_MAX_PIXELS} pixels.",
                    fields={"avatar": "too many pixels"},
                )
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageTooLarge(fields={"avatar": "too many pixels"})
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise InvalidImage(fields={"avatar": "not a readable image"})
    image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    size = settings.MEMBER_AVATAR_SIZE
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif= / icc_profile= arguments: the new file carries no metadata at all.
    image.save(out, "JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def set_avatar(*, member, upload):
    content = clean_avatar(upload)
    old = member.avatar.name if member.avatar else ""
    member.avatar.save(content.name, content, save=False)
    member.save(update_fields=["avatar"])
    if old and old != member.avatar.name:
        member.avatar.storage.delete(old)
    return member
