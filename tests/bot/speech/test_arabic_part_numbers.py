"""Issue 80, point 6: Arabic says a part's number as an ordinal - the privacy notice's
parts on the phone ("📋 Part 2 of 15.") were said "الجزء اثنان", a cardinal; now "الجزء
الثاني", written with its vowels so that eSpeak NG says them (bot/speech/arabic_parts.py).
Through the catalogs' texts and the speech script, usual and easy language."""

from __future__ import annotations

import pytest

from bot.speech.arabic_parts import ordinal
from bot.speech.engines import embedded
from bot.speech.number_words import number_words
from bot.speech.script import parts
from handlers.reader import Medium, translator_for
from tests.support.arabic_sounds import clusters as _clusters

PARTS = 15


@pytest.mark.parametrize("easy", [False, True], ids=["usual", "easy"])
async def test_a_part_is_said_by_its_ordinal_with_vowels(easy: bool) -> None:
    t = translator_for("ar", easy, Medium.SPOKEN)
    engine = embedded()
    for n in range(1, PARTS + 1):
        head = t.t("📋 Part {n} of {count}.", n=n, count=PARTS)
        said = " ".join(part.words for part in parts(head, [], t) if part.lang == "ar")
        words = ordinal(n)
        assert words is not None and words in said, (n, said)
        assert (
            f"الجُزْء {number_words(n, 'ar')}" not in said
            and "الجزء " + number_words(n, "ar") not in said
        ), said
        assert not _clusters(await engine.phonemes(words, "ar")), (n, words)
