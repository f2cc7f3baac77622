"""Issue 41, point 15: what a Persian native speaker corrected - one word for the
volunteer, no ASCII hyphen as a dash in a sentence, lists joined the Persian way."""

from __future__ import annotations

import re

from locales import FSI, PDI, translator
from locales.catalogs import read_catalog


def _strings(lang: str) -> list[tuple[str, str]]:
    out = []
    for message in read_catalog(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        out += [(ids[0], s) for s in strs]
    return out


def test_persian_calls_the_volunteer_one_word():
    assert not [m for m, s in _strings("fa") if "کمک‌کننده" in s]


def test_persian_sentences_have_no_ascii_hyphen_as_a_dash():
    # " - " between words; "-" alone stays where it is what to send (an empty field).
    assert not [(m, s) for m, s in _strings("fa") if re.search(r"\S - (?!را)\S|^- \S", s)]


def test_persian_lists_have_no_comma_before_and():
    fa = translator("fa")
    joined = fa.list_of(["آلمانی", "روسی", "ترکی"]).replace(FSI, "").replace(PDI, "")
    assert joined == "آلمانی، روسی و ترکی"
    either = fa.list_of(["آلمانی", "روسی"], style="or").replace(FSI, "").replace(PDI, "")
    assert either == "آلمانی یا روسی"
