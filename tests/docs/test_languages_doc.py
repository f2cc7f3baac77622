"""docs/languages.md says how many easy entries each catalog has (issue 56, point 8: it
said 185 when each easy.po had 186): the number it names is the catalogs' own."""

from __future__ import annotations

import re

from locales import SUPPORTED_LANGUAGES
from tests.locales.test_easy_catalogs import easy_entries
from tests.support.cli import ROOT


def test_the_easy_entry_count_in_the_docs_is_the_catalogs():
    text = (ROOT / "docs" / "languages.md").read_text(encoding="utf-8")
    named = re.search(r"(\d+) in every language", text)
    assert named, "docs/languages.md names no count of easy entries"
    counts = {lang: len(easy_entries(lang)) for lang in SUPPORTED_LANGUAGES}
    assert set(counts.values()) == {int(named.group(1))}, (named.group(1), counts)
