"""The one text hygiene (config/text.py): what is normalised, what is refused, and why a
shopper's own writing is left as typed."""

import pytest
from django.core.exceptions import ValidationError

from config.text import SafeTextValidator, UnsafeText, check_text, clean_text

BIDI_CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
BIDI_MARKS = ["\u200e", "\u200f", "\u061c"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e"]
BLANK_FILLERS = ["\u3164", "\u115f", "\u1160", "\uffa0", "\u2800", "\u034f"]
CONTROLS = ["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"]
UNDISPLAYABLE = ["\ue000", "\U000f0000", "\U0010fffd", "\ud800", "\udfff", "\ufdd0", "\uffff", "\u0378", "\U0002ffff"]


# --- refused -------------------------------------------------------------------------------------
@pytest.mark.parametrize("char", BIDI_CONTROLS + BIDI_MARKS + ZERO_WIDTH + BLANK_FILLERS)
def test_invisible_and_direction_control_characters_are_refused_with_their_code_point(char):
    with pytest.raises(UnsafeText) as refused:
        clean_text(f"张三{char}8815")

    assert f"U+{ord(char):04X}" in refused.value.message
    assert "invisible or direction-control character" in refused.value.message
    assert refused.value.char == char


def test_the_right_to_left_override_that_turns_8815_into_5188_is_refused():
    with pytest.raises(UnsafeText):
        clean_text("张三\u202e8815")


@pytest.mark.parametrize("char", CONTROLS)
def test_control_characters_are_refused_in_single_and_multi_line_text(char):
    for multiline in (False, True):
        with pytest.raises(UnsafeText) as refused:
            clean_text(f"请放门口{char}谢谢", multiline=multiline)
        assert "control character" in refused.value.message


@pytest.mark.parametrize("char", UNDISPLAYABLE)
def test_private_use_unassigned_noncharacters_and_lone_surrogates_are_refused(char):
    with pytest.raises(UnsafeText) as refused:
        clean_text(f"收件人{char}")
    assert "cannot be displayed" in refused.value.message


def test_a_character_that_is_refused_is_refused_wherever_it_stands():
    for text in ("\u200b张三", "张三\u200b", "\u200b"):
        with pytest.raises(UnsafeText):
            clean_text(text)


# --- the zero-width joiner -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "emoji",
    [
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # family
        "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag: the joiner after the presentation selector
        "\u2764\ufe0f\u200d\U0001f525",  # heart on fire
        "\U0001f469\U0001f3fd\u200d\U0001f4bb",  # technologist with a skin tone
        "\U0001f408\u200d\u2b1b",  # black cat
        "\U0001f642\u200d\u2194\ufe0f",  # head shaking (an arrow after the joiner)
    ],
)
def test_the_joiner_inside_an_emoji_sequence_is_kept(emoji):
    assert clean_text(f"茶友{emoji}") == f"茶友{emoji}"


@pytest.mark.parametrize("text", ["张\u200d三", "\u200d\U0001f600", "\U0001f600\u200d", "a\ufe0f\u200d\U0001f600"])
def test_the_joiner_anywhere_else_is_refused(text):
    with pytest.raises(UnsafeText):
        clean_text(text)


def test_tag_sequences_are_refused():
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    with pytest.raises(UnsafeText):
        clean_text(england)


# --- allowed although this Python's Unicode data may not know them ---------------------------------
def test_emoji_newer_than_the_unicode_database_are_kept():
    newest = "\U0001fae9"  # face with bags under the eyes (Unicode 16)
    assert clean_text(f"困{newest}") == f"困{newest}"


def test_rare_ideographs_of_the_newest_extensions_are_kept():
    extension_h = "\U00031350"  # CJK Extension H (Unicode 15)
    extension_i = "\U0002ebf0"  # CJK Extension I (Unicode 15.1)
    assert clean_text(f"王{extension_h}{extension_i}") == f"王{extension_h}{extension_i}"


# --- normalised --------------------------------------------------------------------------------------
def test_nfc_joins_a_letter_and_its_combining_accent():
    assert clean_text("Zoe\u0301") == "Zo\u00e9"


def test_spaces_are_trimmed_and_runs_of_whitespace_become_one_space_in_single_line_text():
    assert clean_text("  北京市\u3000\u3000朝阳区\t望京\n\nSOHO  ") == "北京市 朝阳区 望京 SOHO"


def test_chinese_punctuation_and_full_width_letters_stay_as_typed_without_folding():
    assert clean_text("（望京）ＫＩＫＩ，①") == "（望京）ＫＩＫＩ，①"


def test_width_folding_turns_full_width_letters_and_digits_into_ascii_and_keeps_punctuation():
    assert clean_text("望京ＳＯＨＯ（Ｔ３）１２０３室", fold_width=True) == "望京SOHO（T3）1203室"


def test_nfkc_reads_a_phone_number_typed_in_full_width():
    assert clean_text("１３８－００１３－８０００", nfkc=True) == "138-0013-8000"


def test_a_compatibility_ideograph_becomes_its_unified_twin():
    # U+F900 has a canonical twin (U+8C48): NFC itself maps it; both draw the same.
    assert clean_text("\uf900") == "\u8c48"


def test_multi_line_text_keeps_its_line_breaks_and_loses_trailing_spaces():
    typed = "  请放门口  \r\n\r\n\r\n\r\n不要敲门\t\u2028周末送  "
    assert clean_text(typed, multiline=True) == "请放门口\n\n不要敲门\n周末送"


def test_tabs_inside_a_line_of_multi_line_text_are_kept():
    assert clean_text("尺码\tM\n颜色\t白", multiline=True) == "尺码\tM\n颜色\t白"


def test_dropping_instead_of_refusing_for_search_keywords():
    assert clean_text("碧\u200b螺春\x07 ＬＥＧＯ", drop_unsafe=True, fold_width=True) == "碧螺春 LEGO"


def test_only_text_is_accepted():
    with pytest.raises(TypeError):
        clean_text(123)


# --- the model validator ---------------------------------------------------------------------------
def test_the_model_validator_refuses_what_clean_text_refuses_and_leaves_the_rest():
    validator = SafeTextValidator()
    validator("张三 👨\u200d👩\u200d👧  ")
    with pytest.raises(ValidationError) as refused:
        validator("张三\u202e8815")
    assert refused.value.code == "unsafe_text"
    assert SafeTextValidator() == validator  # the same in every migration: no new one each run


def test_check_text_normalises_nothing():
    assert check_text("  Zoe\u0301  ") is None
