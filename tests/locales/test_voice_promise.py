"""What the privacy notice promises about a voice is what the bot does (issue 64, point 2):
a request is offered to volunteers nearby as text, without the name, and only the
coordinators and the helper who took it hear a voice (handlers/helping/matching/offer_sending.py,
lifecycle.accept). The phone's notice (where every request is spoken) says so in every
language, usual and easy: only the team and the helper hear the voice, volunteers nearby
read a summary; the old promise "only our team and your helper hear it" (the whole
request) is gone. And declining the notice by phone or SMS, where the number is the
account, names the number, not "read aloud".

Key words per language, as tests/handlers/test_easy_promises.py has them: the words a
reader must meet for the promise to be made at all."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from markupsafe import Markup

from handlers.media.medium_texts import _DECLINED
from handlers.privacy import notice_lines
from handlers.settings import HandlerSettings, TranslationRules
from locales import SUPPORTED_LANGUAGES, Medium, translator

# Who reads a summary: volunteers of the request's district who speak its language, as
# offers find them (issue 101: it said "nearby", and offers go by district, not distance).
NEARBY = {
    "de": r"Stadt·?teil",
    "en": r"\bdistrict\b",
    "ar": r"ح[\u064b-\u0652]*+ي[\u064b-\u0652]*+ك",
    "tr": r"Semt",
    "uk": r"район",
    "ru": r"район",
    "ro": r"cartier",
    "bg": r"квартал",
    "pl": r"dzielnic",
    "fa": r"محله",
}
# A voice is heard only by the team and the helper.
VOICE_ONLY = {
    "de": (r"(Stimme|Sprach·?nachricht)", r"\bnur\b"),
    "en": (r"\bvoice\b", r"\bonly\b"),
    "ar": (r"(صوت|الصوتية)", r"(فقط|إلا)"),
    "tr": (r"(Ses)", r"yalnızca"),
    "uk": (r"[Гг]олос", r"лише"),
    "ru": (r"[Гг]олос", r"только"),
    "ro": (r"(Vocea|vocal)", r"\bdoar\b"),
    "bg": (r"[Гг]лас", r"само"),
    "pl": (r"głos", r"tylko"),
    "fa": (r"(صدا|صوتی)", r"فقط"),
}
# The phone number, where declining on the phone or by SMS names what is kept.
NUMBER = {
    "de": r"Telefon·?nummer",
    "en": r"phone number",
    "ar": r"رقم هاتفك",
    "tr": r"telefon numara",
    "uk": r"номер\w* телефону",
    "ru": r"номер\w* телефона",
    "ro": r"numărul( \w+)? de telefon",
    "bg": r"телефонн\w+ \w+ номер",
    "pl": r"numer\w* telefonu",
    "fa": r"شماره تلفن",
}


def _notice(lang: str, easy: bool, medium: str) -> str:
    settings = replace(HandlerSettings(), translation_rules=TranslationRules("deepl"))
    t = translator(lang, easy=easy, medium=medium)
    # Arabic's spoken forms are vocalised (issue 80, point 3): its words matched as written.
    return re.sub(
        "[\u064b-\u0652\u0670]", "", "\n".join(map(str, notice_lines(t, "Dortmund", settings)))
    )


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_phone_notice_says_who_hears_the_voice_and_who_reads_a_summary(lang, easy):
    text = _notice(lang, easy, Medium.SPOKEN)
    (line,) = [line for line in text.split("\n") if re.search(NEARBY[lang], line, re.I)]
    for pattern in VOICE_ONLY[lang]:
        assert re.search(pattern, line, re.IGNORECASE), (lang, easy, line)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_spoken_notice_no_longer_says_only_the_team_and_the_helper_hear_it(lang):
    """The old line said the whole request was heard by the team and the helper alone;
    its German and English words must not come back."""
    for easy in (False, True):
        text = _notice(lang, easy, Medium.SPOKEN)
        assert "hear it." not in text and "hören es" not in text and "Das hören nur" not in text
        assert text != _notice(lang, easy, "")


def _declined(t) -> str:
    return str(Markup(t.gettext(_DECLINED)).striptags())


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_declining_by_phone_or_sms_names_the_number_and_no_read_aloud(lang):
    chat = _declined(translator(lang))
    assert not re.search(NUMBER[lang], chat, re.IGNORECASE), (lang, chat)
    for medium in (Medium.SPOKEN, Medium.TEXTED):
        for easy in (False, True):
            said = _declined(translator(lang, easy=easy, medium=medium))
            assert said != chat
            assert re.search(NUMBER[lang], said, re.IGNORECASE), (lang, medium, said)
            # The chat's "read aloud" part is gone: its last clause is not in it.
            assert chat.split("?")[-1].strip() not in said


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_whole_notice_says_an_offer_carries_no_voice(lang):
    """The notice's details (a chat's "All details", the phone's key 3, the web page): who
    sees a request names the voice, which volunteers are not given."""
    from handlers.privacy_purposes import PURPOSE_WORDS

    for medium in ("", Medium.SPOKEN, Medium.TEXTED):
        t = translator(lang, medium=medium)
        seen_by = str(t.t(PURPOSE_WORDS["requests"].seen_by))
        assert re.search(VOICE_ONLY[lang][0], seen_by, re.IGNORECASE), (lang, seen_by)
