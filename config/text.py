"""The one text hygiene of the kit: what a shopper types and staff, couriers or other
shoppers read.

A nickname, a delivery address, a checkout note or an after-sales reason is printed on
courier paperwork, shown in the admin and read aloud by support. Characters that draw
nothing or reorder what is drawn let one text pass for another: a right-to-left override
(U+202E) turns "张三\u202e8815" into "张三5188" on the screen, a zero-width space makes two
equal-looking names differ and slips a word past the content check. So every such field
goes through `clean_text`, which normalises what is harmless and refuses the rest:

- Normalised: Unicode NFC (the form W3C recommends for stored text), spaces trimmed at
  both ends, and in single-line fields every run of spaces, tabs and line breaks becomes
  one space. In multi-line fields line breaks become "\\n", spaces at the end of each line
  are dropped and at most one blank line is kept in a row.
- Refused: bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C),
  zero-width and other format characters (Unicode category Cf: U+200B-U+200D, U+2060,
  U+FEFF, U+00AD ...), fillers that draw nothing (Hangul fillers, the blank Braille
  pattern, U+034F), C0 and C1 control characters (tab and line breaks are spaces, above),
  private-use and unassigned code points, lone surrogates.

Why NFC and not NFKC for everything: NFKC also rewrites what a Chinese shopper typed on
purpose. It turns full-width punctuation into ASCII ("（望京）" becomes "(望京)", "，"
becomes ","), the ideographic space into a plain one, "①" into "1", "㈱" into "(株)" and
"™" into "TM", and it would undo a nickname styled in full-width letters. NFC changes
nothing a reader can see (it only picks one encoding of the same text; it does map the
CJK compatibility ideographs that have a canonical twin, U+F900-U+FAD9, which look the
same). Where width matters, the caller asks for more:
- `fold_width=True` (address fields, search): full-width ASCII letters and digits become
  ASCII ("３号楼" becomes "3号楼"), so a courier's system and a search see one spelling;
  full-width punctuation stays.
- `nfkc=True` (phone numbers, postcodes): full NFKC, right for fields that are only
  digits and a hyphen, "１３８－００１３" becomes "138-0013".

The zero-width joiner (U+200D) is allowed only between two emoji (after an emoji, its
variation selector or skin tone, and before another emoji): it is what draws a family
"👨‍👩‍👧" or a rainbow flag as one picture, and mobile keyboards insert it. Anywhere else it
draws nothing and is refused like the other zero-width characters. Tag characters
(U+E0020-U+E007F), used only by the flags of England, Scotland and Wales, are refused.

This Python's Unicode database (`unicodedata.unidata_version`) may be older than the
shopper's phone: code points unassigned in it are still accepted in the emoji blocks
(U+1F000-U+1FAFF) and the ideograph planes 2 and 3 (new emoji, rare characters in names),
where everything Unicode assigns is a visible symbol or ideograph.

`clean_text` raises `UnsafeText` (a ValueError); `CleanCharField` is the DRF field that
answers it as a 400 `invalid_input` on that field; `SafeTextValidator` is the model field
validator that refuses the same characters in the admin (it does not normalise)."""

import re
import unicodedata

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.deconstruct import deconstructible
from rest_framework import serializers

INVISIBLE_MESSAGE = (
    "This text contains an invisible or direction-control character ({code}). Please delete it and type the text again."
)
CONTROL_MESSAGE = "This text contains a control character ({code}). Please delete it and type the text again."
UNKNOWN_MESSAGE = (
    "This text contains a character that cannot be displayed ({code}). Please delete it and type the text again."
)

ZWJ = "\u200d"
# Letters and signs that draw nothing although they are not format characters.
_BLANK_FILLERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
_WHITESPACE = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"\r\n|[\r\u2028\u2029]")
_LINE_END_SPACE = re.compile(r"[^\S\n]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")
# Full-width ASCII letters and digits -> ASCII; full-width punctuation is left alone.
_WIDTH_FOLD = {
    **{0xFF10 + i: ord("0") + i for i in range(10)},
    **{0xFF21 + i: ord("A") + i for i in range(26)},
    **{0xFF41 + i: ord("a") + i for i in range(26)},
}


class UnsafeText(ValueError):
    """Text holding a character that is refused; `char` is the first one found."""

    def __init__(self, message: str, char: str):
        super().__init__(message)
        self.message = message
        self.char = char


def _code(char: str) -> str:
    return f"U+{ord(char):04X}"


def _is_emoji(char: str) -> bool:
    cp = ord(char)
    return (
        0x1F000 <= cp <= 0x1FAFF  # pictographs, emoticons, transport, skin tones, ...
        or 0x2600 <= cp <= 0x27BF  # miscellaneous symbols and dingbats: ❤ ♀ ♂ ⚕ ✈ ➡
        or 0x2190 <= cp <= 0x21FF  # arrows: 🙂‍↔️
        or 0x2300 <= cp <= 0x23FF
        or 0x2B00 <= cp <= 0x2BFF  # ⬛ in 🐈‍⬛
    )


def _joins_emoji(text: str, index: int) -> bool:
    """True when the ZWJ at `index` stands between two emoji."""
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    if before == "\ufe0f" and index > 1:  # the emoji presentation selector: look past it
        before = text[index - 2]
    return bool(before and after) and _is_emoji(before) and _is_emoji(after)


def _tolerated_unassigned(cp: int) -> bool:
    """Unassigned in this Python's Unicode data but reserved for emoji or ideographs."""
    if (cp & 0xFFFE) == 0xFFFE:  # the noncharacters U+2FFFE, U+2FFFF, ... never
        return False
    return 0x1F000 <= cp <= 0x1FAFF or 0x20000 <= cp <= 0x3FFFF


def _refusal(text: str, index: int) -> str | None:
    """The message refusing text[index], or None when the character is allowed."""
    char = text[index]
    if char in "\t\n\r":
        return None  # whitespace: collapsed, or kept as line breaks in multi-line fields
    category = unicodedata.category(char)
    if category == "Cc":
        return CONTROL_MESSAGE.format(code=_code(char))
    if category == "Cf":
        if char == ZWJ and _joins_emoji(text, index):
            return None
        return INVISIBLE_MESSAGE.format(code=_code(char))
    if char in _BLANK_FILLERS:
        return INVISIBLE_MESSAGE.format(code=_code(char))
    if category in ("Co", "Cs"):
        return UNKNOWN_MESSAGE.format(code=_code(char))
    if category == "Cn" and not _tolerated_unassigned(ord(char)):
        return UNKNOWN_MESSAGE.format(code=_code(char))
    return None


def check_text(value: str) -> None:
    """Raises UnsafeText for the first refused character of `value`; normalises nothing."""
    for index in range(len(value)):
        message = _refusal(value, index)
        if message:
            raise UnsafeText(message, value[index])


def _drop_unsafe(value: str) -> str:
    return "".join(char for index, char in enumerate(value) if not _refusal(value, index))


def clean_text(
    value: str,
    *,
    multiline: bool = False,
    fold_width: bool = False,
    nfkc: bool = False,
    drop_unsafe: bool = False,
) -> str:
    """`value` normalised as the module says, or UnsafeText.

    multiline: line breaks are kept (notes, after-sales descriptions); otherwise every run
    of whitespace is one space. fold_width: full-width letters and digits become ASCII.
    nfkc: full NFKC (fields of digits). drop_unsafe: refused characters are removed instead
    of refused (search keywords, where a stray zero-width space should not empty the result)."""
    if not isinstance(value, str):
        raise TypeError("clean_text takes a str")
    if drop_unsafe:
        value = _drop_unsafe(value)
    else:
        check_text(value)
    value = unicodedata.normalize("NFKC" if nfkc else "NFC", value)
    if fold_width:
        value = value.translate(_WIDTH_FOLD)
    if multiline:
        value = _LINE_BREAK.sub("\n", value)
        value = _LINE_END_SPACE.sub("\n", value)
        value = _BLANK_LINES.sub("\n\n", value)
    else:
        value = _WHITESPACE.sub(" ", value)
    return value.strip()


class CleanCharField(serializers.CharField):
    """A CharField whose value went through `clean_text` (the same keyword arguments).

    Length limits are checked on the cleaned text. A refused character answers 400
    `invalid_input` with the message on this field."""

    def __init__(self, *, multiline=False, fold_width=False, nfkc=False, drop_unsafe=False, **kwargs):
        self.text_options = {"multiline": multiline, "fold_width": fold_width, "nfkc": nfkc, "drop_unsafe": drop_unsafe}
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return clean_text(value, **self.text_options)
        except UnsafeText as refused:
            raise serializers.ValidationError(refused.message, code="unsafe_text") from None


@deconstructible
class SafeTextValidator:
    """Model field validator: refuses what `clean_text` refuses (the admin's forms and any
    `full_clean`); normalising stays with the API's CleanCharField."""

    def __call__(self, value):
        if not isinstance(value, str):
            return
        try:
            check_text(value)
        except UnsafeText as refused:
            raise DjangoValidationError(refused.message, code="unsafe_text") from None

    def __eq__(self, other):
        return isinstance(other, SafeTextValidator)
