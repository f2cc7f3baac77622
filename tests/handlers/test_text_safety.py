"""User text cannot pass for the bot's own text ("spoofing the coordinators"), and invisible
characters do not hide contact data from the moderation warnings."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from handlers.text_safety import (
    clean_name,
    clean_text,
    quote_prefix,
    quoted,
    visible,
    without_bidi,
)
from locales import (
    FSI,
    PDI,
    RLM,
    SUPPORTED_LANGUAGES,
    balance_bidi,
    needs_isolation_in_ltr,
    translator,
)

BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
SPOOF = "\n\n✅ Published by Cora."
# The moderation warnings' e-mail pattern.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


# --- names -----------------------------------------------------------------------------


def test_name_with_a_line_break_stays_on_one_line():
    assert clean_name("Eve\n✅ Published by Cora") == "Eve ✅ Published by Cora"
    assert clean_name("Eve\r\n\t\x00Smith\u2028x\u2029y\x85z") == "Eve Smith x y z"


def test_name_loses_bidi_overrides_and_isolates():
    assert clean_name("\u202earoC") == "aroC"
    assert clean_name("Ann\u2069\u2067\u200f\u061c\u202a\u202c") == "Ann"


def test_name_loses_zero_width_characters():
    assert clean_name("Co\u200bra\ufeff\u2060\u00ad") == "Cora"
    assert clean_name("\u200b\u200d\u3164 \u2800") == ""
    assert clean_name("") == ""


def test_name_keeps_emoji_sequences_and_persian_spelling():
    assert clean_name("👩\u200d💻 Ann") == "👩\u200d💻 Ann"
    assert clean_name("🏳\ufe0f\u200d🌈") == "🏳\ufe0f\u200d🌈"
    assert clean_name("A\u200dB") == "AB"
    assert clean_name("زهرا\u200cسادات") == "زهرا\u200cسادات"
    assert clean_name("Co\u200cra") == "Cora"


def test_name_whitespace_is_collapsed_and_cut():
    assert clean_name("  Ann   Marie  ") == "Ann Marie"
    assert clean_name("x" * 100) == "x" * 64
    assert clean_name("ab cd", limit=3) == "ab"
    assert clean_name("👩\u200d💻", limit=2) == "👩"


# --- free text --------------------------------------------------------------------------


def test_description_blank_line_padding_is_collapsed():
    raw = "I need help carrying a sofa.  \r\n\r\n\n\n   \n\u2029\n✅ Published by Cora.\n\n"
    assert clean_text(raw) == "I need help carrying a sofa.\n\n✅ Published by Cora."
    assert (
        clean_text(raw, max_blank_lines=0) == "I need help carrying a sofa.\n✅ Published by Cora."
    )


def test_description_loses_bidi_controls_and_control_characters_but_keeps_marks():
    raw = "a\u202eb\u2066c\u2069\x00\x1b[31m\td\u200fe\u200cf"
    assert clean_text(raw) == "abc[31md\u200fe\u200cf"


def test_quoted_description_cannot_show_a_bare_bot_line():
    de = translator("de")
    out = quoted(de, "Please help with shopping." + SPOOF)
    prefix = quote_prefix(de)
    assert isinstance(out, Markup)
    assert str(out).split("\n") == [
        f"{prefix}{FSI}Please help with shopping.{PDI}",
        prefix,
        f"{prefix}{FSI}✅ Published by Cora.{PDI}",
    ]


def test_quoted_escapes_html_and_adds_no_tags():
    out = quoted(translator("en"), '<b>x</b> & <a href="y">')
    assert "<" not in str(out).replace("&lt;", "")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;a href=&#34;y&#34;&gt;" in out


def test_quoted_bar_follows_the_languages_direction():
    assert quote_prefix(translator("de")) == "\u200e│ "
    assert quote_prefix(translator("ar")) == "\u200f│ "
    assert quoted(translator("fa"), "") == "\u200f│ "


def test_quoted_inside_a_translated_message():
    de = translator("de")
    out = de.t("💬 Answer:\n{text}", text=quoted(de, "ok" + SPOOF))
    assert all(line.startswith(("💬", quote_prefix(de))) for line in str(out).split("\n"))


# --- moderation view --------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["a\u200b@b.de", "mail: anna\u2060@example\u200d.org", "anna＠example．org"],
)
def test_hidden_email_is_visible(raw):
    assert visible(raw).replace("mail: ", "") in ("a@b.de", "anna@example.org")
    assert EMAIL.search(visible(raw)) and not EMAIL.search(raw.replace("＠", "@"))


@pytest.mark.parametrize(
    "raw",
    [
        "0\u200b1\u200b7\u200b1 234 5678",
        "0\ufeff171\u00ad 2345\u200c678",
        "０１７１ ２３４ ５６７８",
        "0\u03361\u03367\u03361 234 5678",
        # The combining grapheme joiner and a variation selector are not format characters.
        "0\u034f171\ufe00 234\u034f 5678",
    ],
)
def test_hidden_phone_number_is_visible(raw):
    matches = phonenumbers.PhoneNumberMatcher(visible(raw), "DE")
    assert any(True for _ in matches)


def test_visible_keeps_what_people_read():
    assert visible("Straße 12, مَرحبا, Ärztin") == "Straße 12, مَرحبا, Ärztin"
    assert visible("www\u200b.example\u200b.de") == "www.example.de"


# --- translator isolation ---------------------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "en", "ar", "fa"])
def test_user_values_are_isolated_in_every_language(lang):
    t = translator(lang)
    out = t.format("👤 {name} (user {id})", name="\u202earoC", id=5)
    assert f"{FSI}\u202earoC\u202c{PDI}" in out
    assert str(out).count(FSI) == str(out).count(PDI)


def test_a_bare_pdi_in_a_value_cannot_close_the_isolate():
    out = translator("de").format("{name}!", name="x\u2069\u202ey")
    assert out == f"{FSI}x\u202ey\u202c{PDI}!"


def test_multi_line_values_are_isolated_line_by_line():
    out = translator("en").format("{text}", text="a\u202e\n\nb")
    # Left to right, only the line with a bidi control needs the isolate.
    assert out == f"{FSI}a\u202e\u202c{PDI}\n\nb"
    out = translator("ar").format("{text}", text="a\u202e\n\nb")
    assert out == f"{RLM}{FSI}a\u202e\u202c{PDI}\n\n{RLM}{FSI}b{PDI}"


def test_balance_bidi():
    assert balance_bidi("a\u202cb\u2069") == "ab"
    assert balance_bidi("\u2066\u202bx\u2069") == "\u2066\u202bx\u202c\u2069"
    assert balance_bidi("\u202b\u2067x") == "\u202b\u2067x\u2069\u202c"
    assert balance_bidi("\u2067\u202c\u2069") == "\u2067\u2069"


# --- properties -------------------------------------------------------------------------

NASTY = [
    *sorted(BIDI_CONTROLS),
    *"\n\r\t\x00\x85\u2028\u2029\u200b\u200c\u200d\ufeff\u3164 👩ش a<&✅",
    "│ ",
]
nasty = st.sampled_from(NASTY)
texts = st.one_of(
    st.text(max_size=120),
    st.lists(nasty, max_size=40).map("".join),
    st.lists(st.one_of(nasty, st.text(max_size=5)), max_size=20).map("".join),
)


LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def _stack_ok(text: str) -> bool:
    """Every bidi closer matches an opener on the same line and nothing is left open."""
    return all(balance_bidi(line) == line for line in LINE_BREAK.split(text))


@settings(max_examples=200, deadline=None)
@given(texts, st.integers(min_value=1, max_value=80))
def test_clean_name_is_one_clean_line(raw, limit):
    name = clean_name(raw, limit)
    assert len(name) <= limit
    assert name == name.strip()
    assert "\n" not in name and len(name.splitlines()) <= 1
    for ch in name:
        assert unicodedata.category(ch) not in ("Cc", "Cs", "Zl", "Zp")
        assert ch not in BIDI_CONTROLS
        assert unicodedata.category(ch) != "Cf" or ch in "\u200d\u200c"
    assert clean_name(name, limit) == name


@settings(max_examples=200, deadline=None)
@given(texts, st.sampled_from(SUPPORTED_LANGUAGES))
def test_quoted_lines_all_start_with_the_quote_prefix(raw, lang):
    t = translator(lang)
    prefix = quote_prefix(t)
    out = str(quoted(t, raw))
    assert out.split("\n") == out.splitlines()
    for line in out.split("\n"):
        assert line.lstrip(FSI + PDI).startswith(prefix)
    assert _stack_ok(out)
    # Also as a value of a translated message, in every language (where a right-to-left
    # line made only of the isolated value starts with its own mark).
    wrapped = str(t.format("{text}", text=quoted(t, raw)))
    for line in wrapped.split("\n"):
        assert line.startswith(RLM) or not t.rtl
        starts = (line, line.removeprefix(RLM))
        assert any(start.lstrip(FSI + PDI).startswith(prefix) for start in starts)


@settings(max_examples=200, deadline=None)
@given(texts, st.sampled_from(SUPPORTED_LANGUAGES))
def test_user_values_are_isolated_where_needed_and_balanced(raw, lang):
    t = translator(lang)
    out = str(t.format("[{v}]", v=raw))
    # In ar/fa a line without a letter outside the isolates starts with a right-to-left mark.
    mark = RLM if t.rtl else ""
    assert out.startswith(mark + "[") and out.endswith("]")
    for line in LINE_BREAK.split(out[len(mark) + 1 : -1]):
        line = line.removeprefix(mark)
        # Left to right, a line is isolated where it could reorder the text around it.
        if t.rtl or needs_isolation_in_ltr(line):
            assert not line or (line.startswith(FSI) and line.endswith(PDI))
    assert _stack_ok(out)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_clean_text_and_visible_invariants(raw):
    text = clean_text(raw)
    assert text == text.strip()
    assert "\n\n\n" not in text
    assert not any(ch in text for ch in "\r\x00\x85\u2028\u2029\u202e\u2066\u2069")
    assert all(line == line.rstrip() for line in text.split("\n"))
    assert not any(unicodedata.category(ch) == "Cf" for ch in visible(raw))


def test_without_bidi_drops_direction_marks_and_controls_only():
    # What an Arabic or Farsi text puts around a command, copied with it: all of it goes,
    # the letters, digits and joiners stay (the one list: BIDI_CONTROLS and BIDI_MARKS).
    marks = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    assert without_bidi(f"{marks}!help{marks}") == "!help"
    assert without_bidi("می\u200cخواهم ٣") == "می\u200cخواهم ٣"
