from __future__ import annotations

import html

import pytest

from bot.transports.markup import html_to_plain, split_html, utf16_len
from tests.support.fake_telegram import check_html


def test_short_text_is_one_chunk():
    assert split_html("<b>hi</b>") == ["<b>hi</b>"]


@pytest.mark.parametrize("limit", [50, 64, 100, 4096])
def test_split_keeps_markup_valid_and_text_complete(limit):
    paragraph = "<b>Titel &amp; mehr</b>\n" + "Wort " * 30 + "<i>kursiv " + "lang " * 20 + "</i>"
    text = "\n\n".join([paragraph] * 12)
    chunks = split_html(text, limit)
    visible = []
    for chunk in chunks:
        error, shown = check_html(chunk)
        assert error is None, (error, chunk)
        assert utf16_len(shown) <= limit
        visible.append(shown)
    squash = lambda s: "".join(s.split())  # noqa: E731 - cuts may drop whitespace only
    assert squash("".join(visible)) == squash(html.unescape(html_to_plain(text)))


def test_split_without_spaces_and_with_astral_characters():
    text = "😀" * 5000
    chunks = split_html(text, 4096)
    assert all(utf16_len(c) <= 4096 for c in chunks)
    assert "".join(chunks) == text


def test_split_prefers_paragraph_breaks():
    text = "a" * 30 + "\n\n" + "b" * 30
    assert split_html(text, 40) == ["a" * 30, "b" * 30]


@pytest.mark.parametrize(
    "text",
    [
        "😀" * 2048,  # 4,096 UTF-16 units: the most a message holds
        '<a href="https://example.org/a/very/long/address">' + "x" * 1980 + "</a>",
        "&amp;" * 409,
    ],
)
def test_a_text_of_at_most_half_the_limit_in_characters_is_one_message(text):
    """However it is made (astral characters, a link whose address the visible text shows,
    entities), markup of at most half the limit's characters is at most the limit visible:
    it goes whole, as measuring it says."""
    assert 2 * len(text) <= 4096 and utf16_len(html_to_plain(text)) <= 4096
    assert split_html(text, 4096) == [text]
