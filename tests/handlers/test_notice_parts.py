"""The whole privacy notice to a caller and a texter (issue 64, points 1 and 3).

Key 3 on the phone ("All details") said the whole notice through ``script.parts``, which ends
at ``MOST_CHARACTERS``: the notice stopped mid-word and the consent keys were never said.
Now it comes in parts (handlers/privacy.py ``details_message``): one purpose a part, each
whole, in words a caller can hear (no "/settings", no "e.g."), ending with the consent
keys and "Next" on 9 - in all ten languages, usual and easy. By SMS, "3" sends the same
parts as texts, "3" again the next. The in-memory chat with the platform "phone" or "sms"
stands for the transport (the calls themselves: tests/bot/transports/phone/
dialogue/test_notice_in_a_call.py)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

import bot.transports.registry  # noqa: F401 - declares the phone's and SMS's media
from bot.speech.script import MOST_CHARACTERS, PRESS, parts
from bot.transports.numbered_choices import numbered
from bot.transports.phone.words.what_keys_mean import MORE_KEY, keys_said
from db import Database
from db.personal_data import CALLERS, PURPOSES
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Message, next_part
from handlers.privacy import detail_parts
from handlers.privacy_purposes import purpose_texts
from handlers.reader import Medium, translator_for
from handlers.settings import HandlerSettings, TranslationRules
from locales import SUPPORTED_LANGUAGES
from tests.support.memory_transport import MemoryTransport, messages

CALLER = "+4923155501"

# Abbreviations a listener misses and an engine may spell (each language's "e.g.", "etc.").
ABBREVIATIONS = re.compile(
    r"\be\.\s?g\.|\betc\.|\bz\.\s?B\.|\busw\.|\bнапр\.|\bт\.\s?е\.|\bт\.\s?к\.|\bи т\.\s?д\."
    r"|\bnp\.|\bitd\.|\börn\.|\bvb\.|\bde ex\.|\bş\.a\.",
    re.IGNORECASE,
)
COMMAND = re.compile(r"(?<![<\w])/[a-z]")


@pytest.fixture
def settings_with_engine(settings: HandlerSettings) -> HandlerSettings:
    return replace(settings, translation_rules=TranslationRules("deepl"))


async def _caller(
    db: Database, settings: HandlerSettings, lang: str, easy: bool
) -> tuple[MemoryTransport, Message]:
    phone = MemoryTransport(Dispatcher(db, build_router(), settings), platform="phone")
    await phone.text(CALLER, "/start")
    person = await db.users.find("phone", CALLER)
    assert person is not None and person.easy_language  # a caller starts in easy language
    if not easy:
        await db.users.set_easy_language(person.id, False)
    await phone.press(CALLER, f"lang:{lang}")
    # The notice comes at the first step that keeps something (handlers/first_kept.py).
    out = await phone.press(CALLER, "menu:help")
    assert "privacy:details" in str(messages(out)[-1].buttons)
    out = await phone.press(CALLER, "privacy:details")  # key 3
    return phone, messages(out)[-1]


def choices_said(message: Message) -> tuple[list[str], list[str] | None]:
    """The choices a caller hears of ``message`` and the key of each (None: its place's)."""
    listed = numbered(message.buttons)
    labels, data = [label for label, _ in listed], [d for _, d in listed]
    following = next_part(message.buttons)
    return keys_said(
        labels,
        data,
        free_digits=False,
        person=None,
        next_at=data.index(following) + 1 if following in data else None,
    )


def _said(message: Message, lang: str, easy: bool) -> str:
    """What a caller hears of ``message``: its words, then its choices on their keys."""
    said_labels, keys = choices_said(message)
    t = translator_for(lang, easy, Medium.SPOKEN)
    return "\n".join(part.words for part in parts(str(message.text), said_labels, t, keys=keys))


def _heard_line(label: str, key: str, lang: str, easy: bool) -> str:
    t = translator_for(lang, easy, Medium.SPOKEN)
    return "\n".join(
        part.words for part in parts(t.gettext(PRESS).format(label=label, n=key), [], t)
    )


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_key_3_says_the_whole_notice_in_parts_each_ending_with_the_consent_keys(
    db: Database, settings_with_engine: HandlerSettings, lang: str, easy: bool
):
    phone, message = await _caller(db, settings_with_engine, lang, easy)
    t = translator_for(lang, easy, Medium.SPOKEN)
    limits = settings_with_engine.retention
    texts = purpose_texts(t, limits, settings_with_engine.inactive_account_days)
    heard: list[str] = []
    # First what is kept of a caller (tests/handlers/test_callers_notice.py), then on 9 the
    # purposes of other roles, one a part (issue 80, point 4).
    said_parts = [None, *(purpose for purpose in PURPOSES if purpose.key not in CALLERS)]
    for number, purpose in enumerate(said_parts, start=1):
        said = _said(message, lang, easy)
        written = str(message.text)
        assert len(said) < MOST_CHARACTERS, (lang, number)  # nothing cut
        # The part's purpose, whole: its title, who sees it and how long it is kept.
        _, _, seen_by, kept = texts[purpose.key] if purpose else ("", "", "", "")
        for words in (seen_by, kept) if purpose else ():
            spoken = "\n".join(p.words for p in parts(str(words), [], t))
            assert spoken.rstrip(".") in said, (lang, purpose.key, spoken, said)
        assert not COMMAND.search(written), (lang, written)
        assert not ABBREVIATIONS.search(said), (lang, said)
        # The consent keys at its end, and "Next" on 9 but on the last part.
        data = [d for _, d in numbered(message.buttons)]
        assert data[:2] == ["consent:yes", "consent:no"], data
        lines = said.splitlines()
        labels = [label for label, _ in numbered(message.buttons)]
        ending = [_heard_line(labels[0], "1", lang, easy), _heard_line(labels[1], "2", lang, easy)]
        if number < len(said_parts):
            assert data[2] == f"privacy:details:{number + 1}"
            ending.append(_heard_line(labels[2], MORE_KEY, lang, easy))
        else:
            assert len(data) == 2
        assert "\n".join(lines[-len(ending) :]) == "\n".join(ending), (lang, number, said)
        heard.append(said)
        if number < len(said_parts):
            message = messages(await phone.press(CALLER, data[2]))[-1]
    assert len(heard) == len(said_parts)
    # A caller agrees from a part, and goes on to the help they chose.
    out = await phone.press(CALLER, "consent:yes")
    assert "hr:new" in str(messages(out)[-1].buttons)


async def test_a_forged_part_number_says_a_part_and_changes_nothing(
    db: Database, settings: HandlerSettings
):
    phone, _ = await _caller(db, settings, "de", True)
    for forged in ("999", "-1", "x", "1" * 50):
        out = await phone.press(CALLER, f"privacy:details:{forged}")
        assert "consent:yes" in str(messages(out)[-1].buttons)
    person = await db.users.find("phone", CALLER)
    assert person is not None and person.consent_at is None


async def test_a_chat_still_shows_the_whole_notice_in_one_message(
    db: Database, settings: HandlerSettings
):
    chat = MemoryTransport(Dispatcher(db, build_router(), settings))
    await chat.text("anna", "/start", hint="de")
    await chat.press("anna", "lang:de")
    out = await chat.press("anna", "privacy:details")
    text = str(messages(out)[-1].text)
    assert "Teil 1 von" not in text and "privacy:details:2" not in str(messages(out)[-1].buttons)
    assert text.count("👁") == len(PURPOSES)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_caller_in_easy_language_hears_the_easy_form_of_the_parts(
    settings_with_engine: HandlerSettings, lang: str
):
    """Callers start in easy language: what is kept of their account, their requests,
    their messages and translations is said in short sentences (easy.po), the rest of a
    part as usual; who sees it and how long are the same words."""
    usual = detail_parts(translator_for(lang, False, Medium.SPOKEN), settings_with_engine)
    easy = detail_parts(translator_for(lang, True, Medium.SPOKEN), settings_with_engine)
    keys = [purpose.key for purpose in PURPOSES]
    assert len(easy) == len(usual) == len(keys)
    for key in ("account", "conversation", "requests", "messages", "delivery", "translation"):
        assert easy[keys.index(key)] != usual[keys.index(key)], (lang, key)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_by_sms_3_sends_every_part_with_the_answer_and_no_command(
    db: Database, settings_with_engine: HandlerSettings, lang: str
):
    """A texter's "3" (All details): the parts as texts, each with its purpose's retention,
    the answer to agree and "Next" (the third choice, "3" again) but on the last; no
    command a texter cannot use (the translation's switch is in the settings)."""
    sms = MemoryTransport(Dispatcher(db, build_router(), settings_with_engine), platform="sms")
    number = "+4917655564"
    await sms.text(number, "Hallo")
    await sms.press(number, f"lang:{lang}")
    t = translator_for(lang, False, Medium.TEXTED)
    limits = settings_with_engine.retention
    texts = purpose_texts(t, limits, settings_with_engine.inactive_account_days)
    data = "privacy:details"
    for number_of_part, purpose in enumerate(PURPOSES, start=1):
        message = messages(await sms.press(number, data))[-1]
        written = str(message.text)
        assert str(texts[purpose.key][3]) in written, (lang, purpose.key)
        assert not COMMAND.search(written), (lang, written)
        choices = [d for _, d in numbered(message.buttons)]
        assert choices[:2] == ["consent:yes", "consent:no"]
        if number_of_part < len(PURPOSES):
            data = choices[2]
            assert data == f"privacy:details:{number_of_part + 1}"
        else:
            assert len(choices) == 2


@pytest.mark.parametrize("lang", ["de", "ar"])
def test_every_reader_and_caller_is_told_when_backups_are_deleted(lang: str):
    """Everything kept is also in the nightly backups: the notice says when they go, as the
    city sets it (``privacy.backup_days``), in the details a chat shows, the parts a texter
    reads and what a caller hears."""
    from db.data_rights import Limits
    from handlers.privacy import caller_parts, notice_details
    from locales import translator

    t = translator(lang)
    said = {}
    for days in (9, 11):
        settings = HandlerSettings(retention=Limits(backup_days=days))
        said[days] = [
            str(notice_details(t, settings)),
            "\n".join(str(part) for part in detail_parts(t, settings)),
            "\n".join(str(part) for part in caller_parts(t, settings, "Dortmund")),
        ]
    for shown in said[9]:
        assert str(t.number(9)) in shown
    for nine, eleven in zip(said[9], said[11], strict=True):
        assert nine != eleven and str(t.number(11)) in eleven
