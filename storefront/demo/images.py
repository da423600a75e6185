"""Pictures for the demo brand, drawn with Pillow so the demo needs no network.

Products get a cup, a tea tin, a coffee bag, pastries, teaware or a gift box in the
product's colours; stores get a facade and an interior. Text is the Chinese name when a
CJK font is installed (found through fontconfig's `fc-list`; fonts are never
downloaded), otherwise the English name in a Latin font.

Files get a fixed name under `demo/` and are reused when present, so a second load
points at the same files instead of piling up copies.
"""

import hashlib
import shutil
import subprocess
from functools import cache
from io import BytesIO
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

BRAND_LINE = "QINGSHAN TEA HOUSE"
INK = (38, 56, 45)
PAPER = (250, 246, 236)
CJK_FONT_NAMES = ("NotoSansCJK", "NotoSerifCJK", "SourceHan", "wqy", "WenQuanYi", "DroidSansFallback", "simhei", "msyh")
LATIN_FONT_NAMES = ("DejaVuSans-Bold", "DejaVuSans", "LiberationSans-Bold", "FreeSansBold")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/System/Library/Fonts", "/Library/Fonts")


def stored_image(name: str, draw) -> str:
    """The storage name of `name`, drawing it with `draw()` (returns JPEG bytes) if missing."""
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(draw()))
        if saved != name:  # pragma: no cover - a concurrent load saved it first
            default_storage.delete(saved)
    return name


# --- Fonts -------------------------------------------------------------------------------


@cache
def _font_files() -> tuple[str, ...]:
    fc_list = shutil.which("fc-list")
    if fc_list:
        # Static arguments, no shell: fontconfig knows every installed font, wherever it is.
        result = subprocess.run([fc_list, ":", "file"], capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
        files = [line.split(":")[0].strip() for line in result.stdout.splitlines() if line.strip()]
        if files:
            return tuple(sorted(files))
    found = []
    for folder in FONT_DIRS:
        if Path(folder).is_dir():
            found.extend(str(p) for p in Path(folder).rglob("*") if p.suffix.lower() in {".ttf", ".otf", ".ttc"})
    return tuple(sorted(found))


def _first_font(names: tuple[str, ...]) -> str | None:
    files = _font_files()
    for name in names:
        for file in files:
            if name.lower() in Path(file).name.lower():
                return file
    return None


@cache
def cjk_font_path() -> str | None:
    return _first_font(CJK_FONT_NAMES)


def has_cjk_font() -> bool:
    return cjk_font_path() is not None


@cache
def _font(size: int, cjk: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path() if cjk else _first_font(LATIN_FONT_NAMES)
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def label_text(chinese: str, english: str) -> tuple[str, bool]:
    """The text to print, and whether it needs the CJK font."""
    return (chinese, True) if has_cjk_font() else (english, False)


def _fit_text(draw: ImageDraw.ImageDraw, text: str, cjk: bool, max_width: int, size: int):
    while size > 12:
        font = _font(size, cjk)
        if draw.textlength(text, font=font) <= max_width:
            return font
        size -= 2
    return _font(size, cjk)


def _centered_text(draw, text, cjk, center_x, y, max_width, size, fill):
    font = _fit_text(draw, text, cjk, max_width, size)
    width = draw.textlength(text, font=font)
    draw.text((center_x - width / 2, y), text, font=font, fill=fill)


# --- Colours -------------------------------------------------------------------------------


def tone(seed: str, palette: list[tuple[int, int, int]]) -> tuple[int, int, int]:
    """A colour picked from `palette` by a stable hash of `seed` (Python's hash() is salted)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return palette[digest[0] % len(palette)]


def _mix(color, other, share):
    return tuple(int(a * (1 - share) + b * share) for a, b in zip(color, other, strict=True))


def _jpeg(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()


# --- Products ------------------------------------------------------------------------------

BACKGROUNDS = [(236, 243, 230), (246, 238, 224), (232, 238, 244), (244, 232, 230), (240, 240, 232)]


def draw_product(
    *,
    kind: str,
    title: str,
    title_en: str,
    caption: str,
    color: tuple[int, int, int],
    variant: int = 0,
    size: int = 640,
) -> bytes:
    """A product picture: the object in `color` on a soft background, the name underneath."""
    background = BACKGROUNDS[(variant + sum(color)) % len(BACKGROUNDS)]
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    _leaves(draw, size, _mix(background, (90, 140, 90), 0.35))
    box = (size * 0.22, size * 0.12, size * 0.78, size * 0.70)
    SHAPES.get(kind, _tin)(draw, box, color, variant)
    text, cjk = label_text(title, title_en)
    _centered_text(draw, text, cjk, size / 2, size * 0.76, size * 0.86, int(size * 0.075), INK)
    if caption:
        caption_text = caption if cjk else caption.encode("ascii", "ignore").decode().strip()
        if caption_text:
            _centered_text(
                draw,
                caption_text,
                cjk,
                size / 2,
                size * 0.86,
                size * 0.8,
                int(size * 0.045),
                _mix(INK, background, 0.3),
            )
    _centered_text(
        draw, BRAND_LINE, False, size / 2, size * 0.94, size * 0.8, int(size * 0.03), _mix(INK, background, 0.5)
    )
    return _jpeg(image)


def _leaves(draw, size, color):
    for x, y, r in ((0.08, 0.10, 0.07), (0.90, 0.16, 0.05), (0.12, 0.62, 0.05), (0.88, 0.58, 0.08)):
        cx, cy, rr = x * size, y * size, r * size
        draw.ellipse((cx - rr, cy - rr / 2.2, cx + rr, cy + rr / 2.2), fill=color)
        draw.line((cx - rr, cy, cx + rr, cy), fill=_mix(color, (40, 80, 40), 0.4), width=2)


def _tin(draw, box, color, variant):
    left, top, right, bottom = box
    dark = _mix(color, (0, 0, 0), 0.3)
    draw.rounded_rectangle((left, top + 40, right, bottom), radius=24, fill=color, outline=dark, width=4)
    draw.rounded_rectangle((left - 8, top, right + 8, top + 56), radius=16, fill=dark)
    band_top = top + (bottom - top) * 0.42
    draw.rectangle((left, band_top, right, band_top + 90), fill=PAPER)
    cx = (left + right) / 2
    draw.ellipse((cx - 30, band_top + 15, cx + 30, band_top + 75), outline=color, width=6)
    draw.line((cx, band_top + 20, cx, band_top + 70), fill=color, width=4)


def _cup(draw, box, color, variant):
    left, top, right, bottom = box
    cx = (left + right) / 2
    iced = variant % 2 == 1
    cup_top = top + 70
    draw.polygon(
        ((left + 20, cup_top), (right - 20, cup_top), (right - 60, bottom), (left + 60, bottom)),
        fill=(255, 255, 255),
        outline=(200, 200, 200),
    )
    fill_top = cup_top + 30
    draw.polygon(
        ((left + 27, fill_top), (right - 27, fill_top), (right - 62, bottom - 6), (left + 62, bottom - 6)), fill=color
    )
    if iced:
        for i in range(3):
            x = left + 70 + i * 55
            draw.rounded_rectangle(
                (x, fill_top + 20 + i * 18, x + 40, fill_top + 60 + i * 18),
                radius=6,
                fill=_mix(color, (255, 255, 255), 0.6),
            )
        draw.line((cx + 30, top - 10, cx + 5, bottom - 40), fill=(60, 120, 80), width=12)
    else:
        for i in (-1, 0, 1):
            x = cx + i * 40
            draw.arc((x - 15, top - 20, x + 15, top + 40), 90, 270, fill=(170, 170, 170), width=5)
    draw.rounded_rectangle(
        (left + 5, cup_top - 30, right - 5, cup_top + 4), radius=10, fill=(240, 240, 240), outline=(200, 200, 200)
    )
    draw.ellipse(
        (cx - 38, fill_top + 90, cx + 38, fill_top + 166), fill=PAPER, outline=_mix(color, (0, 0, 0), 0.3), width=3
    )


def _bag(draw, box, color, variant):
    left, top, right, bottom = box
    dark = _mix(color, (0, 0, 0), 0.35)
    draw.polygon(
        ((left + 10, top + 30), (right - 10, top + 30), (right + 10, bottom), (left - 10, bottom)),
        fill=color,
        outline=dark,
    )
    draw.rectangle((left + 10, top, right - 10, top + 34), fill=dark)
    cx = (left + right) / 2
    draw.ellipse((cx - 18, top + 60, cx + 18, top + 96), fill=PAPER, outline=dark, width=3)
    draw.rectangle((left + 30, top + 130, right - 30, top + 230), fill=PAPER)
    for i in range(3):
        x = left + 75 + i * 60
        draw.ellipse((x, top + 160, x + 36, top + 204), fill=(92, 58, 33))
        draw.line((x + 18, top + 162, x + 18, top + 202), fill=(60, 35, 20), width=3)


def _pastry(draw, box, color, variant):
    left, top, right, bottom = box
    draw.ellipse(
        (left - 30, bottom - 120, right + 30, bottom + 10), fill=(255, 255, 255), outline=(210, 210, 210), width=3
    )
    dark = _mix(color, (0, 0, 0), 0.25)
    for i, (dx, dy) in enumerate(((-90, -40), (0, -70), (90, -40), (-45, 10), (45, 10))):
        cx, cy = (left + right) / 2 + dx, bottom - 120 + dy
        draw.ellipse(
            (cx - 48, cy - 40, cx + 48, cy + 40),
            fill=color if i % 2 == 0 else _mix(color, PAPER, 0.3),
            outline=dark,
            width=3,
        )
        draw.arc((cx - 26, cy - 20, cx + 26, cy + 20), 200, 340, fill=dark, width=3)


def _teaware(draw, box, color, variant):
    left, top, right, bottom = box
    cx = (left + right) / 2
    dark = _mix(color, (0, 0, 0), 0.3)
    draw.ellipse((cx - 110, bottom - 40, cx + 110, bottom + 10), fill=_mix(color, (0, 0, 0), 0.1))
    draw.chord((cx - 130, top + 40, cx + 130, bottom - 10), 0, 180, fill=color, outline=dark, width=4)
    draw.ellipse((cx - 130, top + 110, cx + 130, top + 190), fill=color, outline=dark, width=4)
    draw.ellipse((cx - 25, top + 85, cx + 25, top + 125), fill=dark)
    draw.ellipse((cx - 110, top + 125, cx + 110, top + 175), fill=_mix(color, (120, 150, 80), 0.3))


def _gift(draw, box, color, variant):
    left, top, right, bottom = box
    dark = _mix(color, (0, 0, 0), 0.3)
    draw.rectangle((left - 20, top + 80, right + 20, bottom), fill=color, outline=dark, width=4)
    draw.rectangle((left - 35, top + 40, right + 35, top + 100), fill=dark)
    cx = (left + right) / 2
    ribbon = (214, 170, 70)
    draw.rectangle((cx - 16, top + 40, cx + 16, bottom), fill=ribbon)
    draw.ellipse((cx - 70, top - 10, cx - 5, top + 45), outline=ribbon, width=12)
    draw.ellipse((cx + 5, top - 10, cx + 70, top + 45), outline=ribbon, width=12)


SHAPES = {"tin": _tin, "cup": _cup, "bag": _bag, "pastry": _pastry, "teaware": _teaware, "gift": _gift}


# --- Stores ----------------------------------------------------------------------------------


def draw_store(*, name: str, name_en: str, color: tuple[int, int, int], interior: bool = False) -> bytes:
    """A store photo: the facade with its sign, or the tea room inside."""
    width, height = 960, 640
    image = Image.new("RGB", (width, height), (214, 228, 236) if not interior else (236, 226, 210))
    draw = ImageDraw.Draw(image)
    text, cjk = label_text(name, name_en)
    if interior:
        draw.rectangle((0, 430, width, height), fill=(150, 112, 78))
        draw.rectangle((60, 120, 420, 330), fill=(250, 248, 240), outline=(120, 90, 60), width=6)
        for i in range(4):
            draw.line((60 + i * 90, 120, 60 + i * 90, 330), fill=(120, 90, 60), width=3)
        draw.rectangle((520, 300, 900, 440), fill=_mix(color, (0, 0, 0), 0.2))
        for x in (170, 330):
            draw.ellipse((x - 70, 450, x + 70, 500), fill=(120, 84, 56))
            draw.rectangle((x - 8, 475, x + 8, 600), fill=(100, 70, 45))
        for x in range(560, 880, 70):
            draw.rectangle((x, 250, x + 40, 300), fill=_mix(color, PAPER, 0.5), outline=(90, 70, 50))
        _centered_text(draw, text, cjk, width / 2, 40, width * 0.8, 44, INK)
    else:
        draw.rectangle((0, 540, width, height), fill=(170, 170, 160))
        draw.rectangle((80, 90, 880, 560), fill=(236, 230, 218), outline=(120, 110, 100), width=4)
        draw.rectangle((80, 90, 880, 200), fill=color)
        _centered_text(draw, text, cjk, width / 2, 118, 720, 56, PAPER)
        for i in range(8):
            x = 100 + i * 97.5
            draw.polygon(((x, 200), (x + 97, 200), (x + 97 - 10, 250), (x + 10, 250)), fill=PAPER if i % 2 else color)
        draw.rectangle((400, 320, 560, 560), fill=(96, 72, 50), outline=(60, 45, 30), width=5)
        for x in (130, 610):
            draw.rectangle((x, 300, x + 220, 470), fill=(180, 208, 220), outline=(90, 90, 90), width=5)
            draw.line((x + 110, 300, x + 110, 470), fill=(90, 90, 90), width=4)
        for x in (60, 900):
            draw.ellipse((x - 40, 420, x + 40, 520), fill=(80, 140, 90))
            draw.rectangle((x - 20, 500, x + 20, 560), fill=(150, 100, 70))
    return _jpeg(image)
