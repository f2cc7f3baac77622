"""Key 3 on the phone begins with what is kept of the caller (issue 80, point 4).

The whole notice said to a caller took 8-10 minutes (eSpeak NG, 15 parts of 40-60 s), and a
caller heard what is kept of them only between the parts about volunteers' certificates,
the web desk, Matrix and decision records. Now its first part is what the bot keeps of a
person who only calls (db/personal_data.py ``CALLERS``), how long, who hears it and their
rights, within three minutes of speech in every language, usual and easy, and the rest
(the purposes of other roles) is one key away ("The rest, for volunteers and coordinators",
on 9). Measured through the product's path: the in-memory chat as platform "phone" (the
reader chain with the phone's spoken forms), the keys the phone says
(bot/transports/phone/words/what_keys_mean.py ``keys_said``), its words (bot/transports/phone/words/
speech_files.py ``spoken_parts``) and the embedded eSpeak NG's audio of them. The call itself:
tests/bot/transports/phone/dialogue/test_notice_in_a_call.py."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

import pytest
from markupsafe import Markup

import bot.transports.registry  # noqa: F401 - declares the phone's and SMS's media
from bot.speech.engines import embedded
from bot.transports.numbered_choices import numbered
from bot.transports.phone.personal_data import DECLARED
from bot.transports.phone.words.speech_files import spoken_parts
from bot.transports.phone.words.what_keys_mean import MORE_KEY
from db import Database
from db.data_rights import Limits
from db.personal_data import CALLERS, PURPOSES
from handlers.messages import Message
from handlers.privacy import caller_part
from handlers.privacy_purposes import CALLER_WORDS, PURPOSE_WORDS
from handlers.reader import Medium, translator_for
from handlers.settings import HandlerSettings, TranslationRules
from locales import SUPPORTED_LANGUAGES
from tests.handlers.test_notice_parts import CALLER, _caller, choices_said
from tests.support.arabic_sounds import clusters as _clusters
from tests.support.memory_transport import messages

# Three minutes of speech at most for what is kept of a caller.
MOST_SECONDS = 180.0
# Limits that differ from each other, so that each figure said is its own.
LIMITS = Limits(
    closed_request_days=91, delivered_message_hours=23, conversation_days=6, handled_update_days=5
)
# Said of a caller: how long an account, a request, a step and a message for them stay.
FIGURES = ("365", "91", "6", "23")


@pytest.fixture
def callers_settings(settings: HandlerSettings) -> HandlerSettings:
    return replace(settings, translation_rules=TranslationRules("deepl"), retention=LIMITS)


async def _seconds(message: Message, lang: str, easy: bool) -> float:
    """How long the phone speaks ``message``: its words and choices as the line says them,
    the embedded eSpeak NG's audio of each part (the same words give the same samples,
    whatever the machine's speed)."""
    engine = embedded()
    voices = await engine.languages(SUPPORTED_LANGUAGES)
    labels, keys = choices_said(message)
    t = translator_for(lang, easy, Medium.SPOKEN)
    seconds = 0.0
    for part in spoken_parts(str(message.text), labels, t, voices, keys):
        seconds += (await engine.speak(part.words, part.lang)).seconds
    return seconds


def _digits(text: str) -> str:
    """``text`` with every digit as an ASCII one (Arabic-Indic and Persian digits too)."""
    return "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in text)


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_key_3_says_first_what_is_kept_of_a_caller_within_three_minutes(
    db: Database, callers_settings: HandlerSettings, lang: str, easy: bool
):
    phone, first = await _caller(db, callers_settings, lang, easy)  # key 3 at the notice
    t = translator_for(lang, easy, Medium.SPOKEN)
    text = _digits(str(first.text))
    # How long each thing kept of a caller stays, and their rights: all in the first part.
    figures = {figure for figure in FIGURES if re.search(rf"(?<!\d){figure}(?!\d)", text)}
    assert figures == set(FIGURES), (lang, easy, text)
    assert str(t.t("🗑 /mydata shows everything, /delete erases it.")) in str(first.text)
    # Nothing of other roles (the desk, certificates, volunteering, decision records, Matrix).
    for purpose in PURPOSES:
        if purpose.key not in CALLERS:
            assert str(t.t(PURPOSE_WORDS[purpose.key].title)) not in str(first.text), purpose.key
    assert "Matrix" not in text
    # At most three minutes, with its keys: agree, decline, the rest on 9.
    seconds = await _seconds(first, lang, easy)
    print(lang, "easy" if easy else "usual", f"{seconds:.0f} s")
    assert seconds <= MOST_SECONDS, (lang, easy, seconds)
    data = [d for _, d in numbered(first.buttons)]
    assert data == ["consent:yes", "consent:no", "privacy:details:2"], data
    labels, keys = choices_said(first)
    assert keys == ["1", "2", MORE_KEY] and labels[2].endswith(
        t._("The rest, for volunteers and coordinators")
    )
    # The rest: one purpose of another role a part, each whole, "Next" on 9 but on the last.
    rest = [purpose.key for purpose in PURPOSES if purpose.key not in CALLERS]
    message = messages(await phone.press(CALLER, "privacy:details:2"))[-1]
    for number, key in enumerate(rest, start=1):
        assert str(t.t(PURPOSE_WORDS[key].title)) in str(message.text), (lang, key)
        data = [d for _, d in numbered(message.buttons)]
        assert data[:2] == ["consent:yes", "consent:no"]
        if number < len(rest):
            assert data[2:] == [f"privacy:details:{number + 2}"]
            message = messages(await phone.press(CALLER, data[2]))[-1]
        else:
            assert len(data) == 2
    await phone.press(CALLER, "consent:yes")  # agreed from the rest
    person = await db.users.find("phone", CALLER)
    assert person is not None and person.consent_at is not None


def test_what_a_caller_is_told_is_what_the_declaration_keeps_of_one():
    """Every purpose the phone line's own tables are declared under is one the caller's
    part says (db/personal_data.py ``CALLERS``), each in the caller's words ("translation":
    the notice's own line), and the rest are the purposes of other roles."""
    declared = {table.purpose for table in DECLARED.tables if table.purpose}
    assert declared <= set(CALLERS), declared - set(CALLERS)
    assert set(CALLERS) <= {purpose.key for purpose in PURPOSES}
    assert set(CALLER_WORDS) | {"translation"} == set(CALLERS)
    assert {"desk", "certificates", "volunteering", "records"}.isdisjoint(CALLERS)


@pytest.mark.parametrize("easy", [False, True])
async def test_the_callers_part_is_said_with_its_vowels_in_arabic(
    callers_settings: HandlerSettings, easy: bool
):
    """Every word of the caller's part said by eSpeak NG's Arabic with its vowels (the
    rule of tests/bot/speech/test_arabic_vowels.py)."""
    engine = embedded()
    t = translator_for("ar", easy, Medium.SPOKEN)
    said = caller_part(t, callers_settings, "")  # a place name is no word of the bot's
    text = Markup(re.sub(r"\d+", "", str(said)))  # a figure is no word of the bot's
    wrong = []
    for part in spoken_parts(text, [t._("The rest, for volunteers and coordinators")], t, ["ar"]):
        if part.lang == "ar" and (words := _clusters(await engine.phonemes(part.words, "ar"))):
            wrong.append(words)
    assert not wrong, wrong
