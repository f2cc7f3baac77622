"""Issue 80, point 6: the privacy notice names its translation service inside a sentence,
never at its start in lower case - English easy language began one with "the translation
service DeepL …". The notice's lines (handlers/privacy.py ``notice_lines``, its parts and
the translation paragraph) as each reader gets them, in all ten languages, usual and easy,
on every medium, for each service a city may configure."""

from __future__ import annotations

import re

import pytest

from handlers.privacy import TRANSLATION_SERVICES, notice_lines, translation_notice
from handlers.reader import Medium, translator_for
from handlers.settings import HandlerSettings, TranslationRules
from locales import SUPPORTED_LANGUAGES

# A sentence's first letter: at the start of a line (after its icon) or after a stop; a
# command ("/mydata") is written as it is typed.
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)[^\w</]*(?:<b>)?(\w)", re.MULTILINE)


@pytest.mark.parametrize("medium", list(Medium))
@pytest.mark.parametrize("easy", [False, True], ids=["usual", "easy"])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_no_sentence_begins_with_the_service_in_lower_case(
    lang: str, easy: bool, medium: Medium
) -> None:
    t = translator_for(lang, easy, medium)
    for service in TRANSLATION_SERVICES:
        settings = HandlerSettings(translation_rules=TranslationRules(service))
        lines = notice_lines(t, "Dortmund", settings) + translation_notice(t, settings)
        for line in map(str, lines):
            starts = [m.group(1) for m in _SENTENCE_START.finditer(line)]
            assert not [c for c in starts if c.islower()], (lang, easy, medium, line)
