"""Segments of a text message: GSM-7 vs UCS-2, extension characters, emoji, and a bot text
cut to fit in two."""

from __future__ import annotations

import pytest

from bot.transports.sms.segments import (
    GSM7,
    UCS2,
    count,
    cut,
    encoding,
    folded,
    parts,
    units,
)


@pytest.mark.parametrize(
    ("text", "coding"),
    [
        ("Hallo, wir helfen Ihnen gern! Straße 5, 44137 Dortmund", GSM7),
        ("Preis: 5€ [Gruppe] {a} ~ | ^ \\", GSM7),
        ("مرحبا", UCS2),
        ("Привет", UCS2),
        ("Merhaba, yardım", UCS2),  # the dotless ı is not in GSM 03.38
        ("ok ✅", UCS2),
        ("Ç é ù ñ Ø å ß", GSM7),
        ("ç", UCS2),  # only the capital Ç is in the basic table
    ],
)
def test_which_alphabet_a_text_takes(text, coding):
    assert encoding(text) == coding


def test_gsm7_fits_160_alone_and_153_a_part():
    assert count("a" * 160) == 1
    assert count("a" * 161) == 2
    assert count("a" * 306) == 2
    assert count("a" * 307) == 3
    assert [len(p) for p in parts("a" * 307)] == [153, 153, 1]


def test_an_extension_character_counts_two_and_is_never_split_from_its_escape():
    assert units("€") == 2
    assert count("a" * 158 + "€") == 1
    assert count("a" * 159 + "€") == 2
    # The 153rd septet of the first part would be the escape: the € moves to the next part.
    split = parts("a" * 152 + "€" + "b" * 10)
    assert split[0] == "a" * 152 and split[1].startswith("€")


def test_ucs2_fits_70_alone_and_67_a_part():
    assert count("ж" * 70) == 1
    assert count("ж" * 71) == 2
    assert count("ж" * 134) == 2
    assert count("ж" * 135) == 3


def test_an_emoji_takes_two_units_and_its_halves_stay_together():
    assert units("😀") == 2
    assert count("😀" * 35) == 1
    assert count("😀" * 36) == 2
    # 66 units of letters and then an emoji: the emoji does not fit in the first part's 67.
    split = parts("ж" * 66 + "😀" + "ж" * 10)
    assert split[0] == "ж" * 66 and split[1].startswith("😀")


def test_icons_are_dropped_where_they_make_a_latin_text_ucs2():
    text = "✅ Danke! „Hilfe“ kommt – morgen…\n🗺 Karte"
    plain = folded(text)
    assert plain == 'Danke! "Hilfe" kommt - morgen...\nKarte'
    assert encoding(plain) == GSM7
    assert count(text) == 1 and units(plain) < 160


def test_a_quotes_frame_goes_with_the_icons():
    # A German resident's request as the review quotes it (handlers/text_safety.py), its
    # direction marks gone already (the texted form's: tests/handlers/media/test_texted_form.py).
    text = "💬 │ Ich brauche Hilfe am Dienstag (Deutsch)\n📍 44147"
    assert folded(text) == "Ich brauche Hilfe am Dienstag (Deutsch)\n44147"
    # Around Arabic words the icons stay (UCS-2 anyway).
    quoted = "💬 │ أحتاج مساعدة (Arabisch)"
    assert folded(quoted) == quoted


def test_icons_stay_where_the_text_is_ucs2_anyway():
    text = "✅ شكراً"
    assert folded(text) == text
    assert folded("🙋 Merhaba, yardım") == "🙋 Merhaba, yardım"


def test_a_keycap_and_a_flag_go_whole():
    assert folded("1️⃣ Ja 🇩🇪") == "1 Ja"


def test_a_text_that_fits_is_not_cut():
    assert cut("Kurz.", "Mehr: 9 antworten").rest == ""


def test_a_long_text_is_cut_at_a_line_with_the_more_line_and_fits_two_segments():
    lines = [f"Zeile {n}: " + "x" * 40 for n in range(1, 12)]
    text = "\n".join(lines)
    result = cut(text, "Mehr: 9 antworten")
    assert count(result.first) <= 2
    assert result.first.endswith("\nMehr: 9 antworten")
    head = result.first.removesuffix("\nMehr: 9 antworten")
    # Whole lines only, and nothing lost.
    assert head.split("\n") == lines[: len(head.split("\n"))]
    assert (head + "\n" + result.rest) == text


def test_a_long_arabic_text_is_cut_at_a_sentence_in_two_ucs2_segments():
    sentence = "نحن نبحث عن مساعد قريب منك. "
    text = (sentence * 8).strip()
    more = "المزيد: أرسل 9"
    result = cut(text, more)
    assert encoding(result.first) == UCS2
    assert count(result.first) == 2
    head = result.first.removesuffix("\n" + more)
    assert head.endswith(".")
    assert f"{head} {result.rest}" == text


def test_one_endless_word_is_cut_anywhere_but_still_fits():
    result = cut("x" * 1000, "more: reply 9")
    assert count(result.first) == 2
    assert len(result.first) - len("\nmore: reply 9") + len(result.rest) == 1000
