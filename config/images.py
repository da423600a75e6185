"""The one hardened path for every image a shopper uploads: avatars, after-sales photos,
and whatever else shoppers send later (UGC submissions). Each caller gives its own limits;
the checks and the re-encoding are the same for all.

What an uploaded file goes through, in this order:
1. Its size in bytes, before anything is read.
2. Its type, judged from the content (never from the file name or the content type the
   client claims): only JPEG (and MPO, the JPEG with a second picture that many phones
   write), PNG and WebP. Pillow is asked to try only those decoders, so GIF, SVG, BMP,
   TIFF, PSD and the rest are never parsed at all.
3. Its pixel count, read from the header before a single pixel is decoded: a
   decompression bomb (a PNG of a few kilobytes that unpacks to gigabytes) is refused
   here. Pillow's own bomb check is made fatal too.
4. The pixels are decoded (a large JPEG at a reduced scale, which costs far less memory)
   and written anew as a JPEG at most `max_side` pixels a side, turned upright first. Nothing of
   the original file survives: no EXIF (GPS position, camera serial), no ICC profile, no
   comment, no bytes appended after the image (a script glued to a JPEG).
5. The new file gets a random name (128 bits): the client's file name is never used.

Refusals are `invalid_image` and `image_too_large` (400), listed in docs/errors.md.
"""

import io
import uuid
import warnings

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from config.errors import KitError

# Pillow's names: "MPO" is what Pillow calls a phone's JPEG that carries a second picture.
ALLOWED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP"})
# The decoders Pillow may try at all (the JPEG decoder also reads MPO).
DECODERS = ("JPEG", "PNG", "WEBP")


class InvalidImage(KitError):
    code = "invalid_image"
    message = "The file is not a JPEG, PNG or WebP image."


class ImageTooLarge(KitError):
    code = "image_too_large"
    message = "The image is too large."


def clean_image(upload, *, field, max_bytes, max_pixels, max_side, quality=85) -> ContentFile:
    """The upload re-encoded as a JPEG of at most `max_side` pixels a side, under a random
    name; `InvalidImage` or `ImageTooLarge` otherwise, with `field` named in the error's
    fields. Nothing is written anywhere: the caller saves the answer to its storage."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _too_large_file(field, max_bytes)
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large_file(field, max_bytes)
    with warnings.catch_warnings():
        # Pillow's own bomb check only warns below twice its limit: treat the warning as fatal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # open() reads the header only: format and dimensions are known before decoding.
            image = Image.open(io.BytesIO(data), formats=DECODERS)
            if image.format not in ALLOWED_FORMATS:
                raise InvalidImage(fields={field: f"format {image.format} not allowed"})
            width, height = image.size
            if width * height > max_pixels:
                raise ImageTooLarge(f"The image has more than {max_pixels} pixels.", fields={field: "too many pixels"})
            # A JPEG far larger than wanted is decoded at 1/2, 1/4 or 1/8 scale.
            image.draft("RGB", (max_side, max_side))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageTooLarge(fields={field: "too many pixels"})
        except UnidentifiedImageError:
            raise InvalidImage(fields={field: "not a JPEG, PNG or WebP image"})
        except (OSError, SyntaxError, ValueError, EOFError):
            raise InvalidImage(fields={field: "not a readable image"})
    image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # No exif= / icc_profile= arguments: the new file carries no metadata at all.
    image.save(out, "JPEG", quality=quality, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def _too_large_file(field, max_bytes):
    megabytes = max_bytes / (1024 * 1024)
    shown = f"{megabytes:g} MB" if megabytes >= 1 else f"{max_bytes} bytes"
    return ImageTooLarge(f"The file is larger than {shown}.", fields={field: "file too large"})
