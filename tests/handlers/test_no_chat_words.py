"""No chat words to a caller or a texter (issue 64, point 4): a person on the phone line
(``Medium.SPOKEN``) and one by SMS (``Medium.TEXTED``) go through the bot - the greeting,
the language and consent, a help request step by step, the places near a postcode and near
one the city does not know, a volunteer's registration, this week's events, the person's
requests, the settings - and every message
their translator is asked for (on the phone also every text that names the hash key) is
rendered as their medium renders it, in all ten languages, usual and easy. None may say
what only a chat has: tapping or clicking, a button (where the language names a phone's
key otherwise), a chat, a voice message sent by SMS, a /command, or "each" where one
chooses several (read as "choose all of them", issue 56); nor, on the phone, "(#)" after
the hash key's name (said twice, or in English).

The in-memory chat with the platform "phone" or "sms" stands for the transport (the
medium is the platform's, bot/transports/registry.py); the words are written per language
as a native reader finds them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from babel.messages.pofile import read_po

from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.events.ical import import_events
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.settings import HandlerSettings
from locales import LOCALES_DIR, SUPPORTED_LANGUAGES, Translator, translator
from tests.support.cli import ROOT
from tests.support.memory_transport import MemoryTransport, button_data

SAMPLE_PLACES = ROOT / "data" / "dortmund" / "places-sample.csv"
SAMPLE_EVENTS = ROOT / "data" / "dortmund" / "events-sample.ics"
PERSON = "+4923155501"


# Met on the phone whatever the walk: every text that names the hash key (only a phone
# has one; the transport's own lines among them:
# bot/transports/phone/words/press_0_for_a_person.py).
def _naming_the_hash_key() -> set[str]:
    with (LOCALES_DIR / "messages.pot").open("rb") as fp:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fp) if m.id}
    return {message for message in ids if "hash key" in message}


# Met, but not reached by this walk: an erasure code typed after it expired.
ALSO_MET = [
    "⌛ The code is no longer valid. Nothing was deleted. Send /delete to start again.",
    # A message for a helper who can no longer be reached (handlers/helping/relay/chat.py): the
    # walk's helper stays; a caller heard "… in the chat any more" (QA of the phone line).
    "😔 The other person cannot be reached in the chat any more.",
]

# On every medium that is not a chat: touching a screen, a chat, a command.
_BOTH = {
    "en": r"\btap|\bclick|\bchat\b(?! account)|\bbuttons? above",
    "de": r"tippen sie auf|antipp|\bklick|\bchat\b(?![-·]?konto)|\bknöpfe? oben",
    "ar": r"انقر|\bالمس\b|دردشة|المحادثة(?<!حسابك في المحادثة)",
    "fa": r"ضربه بزنید|کلیک|\bچت\b",
    "tr": r"dokun|tıkla|bu sohbet|sohbet üzerinden",
    "uk": r"торкн|клацн|\bчат(?!і\b)",
    "ru": r"коснит|кликн|щёлкн|щелкн|\bчат(?!е\b)",
    "pl": r"dotknij|stuknij|klikn|\bczat(?!u\b)",
    "ro": r"atinge|\bclic|\bchat\b(?<!contul de chat)",
    "bg": r"докосн|щракн|кликн|\bчат(?!а\b)",
}

# "Each" where a person chooses several: read as "every one of them".
_EACH = {
    "en": r"\beach (?:number|language|key|one)|(?:key|number)s? of each|all that apply",
    "de": r"\bjede[nrms]? (?:nummer|taste|sprache)|(?:taste|nummer) (?:von )?jeder|allem, was",
    "ar": r"\bكل (?:لغة|رقم|زر|مفتاح|ما يناسب)|زر كل",
    "fa": r"\bهر (?:زبان|شماره|دکمه|کلید|کدام)",
    "tr": r"\bher (?:dil|numara|tuş|birin)",
    "uk": r"\bкожн\w* (?:мов|номер|клавіш|кнопк)|(?:клавішу|кнопку|номер) кожн",
    "ru": r"\bкажд\w* (?:язык|номер|клавиш|кнопк)|(?:клавишу|кнопку|номер) кажд",
    "pl": r"\bkażd\w* (?:język|numer|klawisz)|(?:klawisz|numer) każd",
    "ro": r"\bfiecare (?:număr|tast|limb)|fiecăr\w* limb|tasta fiecăr",
    "bg": r"\bвсеки (?:номер|език|бутон|клавиш)|на всек|на всяк",
}

# A voice message is nothing a text carries.
_VOICE = {
    "en": r"voice message",
    "de": r"sprachnachricht",
    "ar": r"رسالة صوتية|رسالة صوتيّة",
    "fa": r"پیام صوتی",
    "tr": r"sesli mesaj",
    "uk": r"голосов\w* повідомлен",
    "ru": r"голосов\w* сообщен",
    "pl": r"wiadomoś\w* głosow|głosow\w* wiadomoś",
    "ro": r"mesaj\w* vocal",
    "bg": r"гласов\w* съобщен",
}
# A button, where the language has another word for a phone's key.
_BUTTON = {
    "en": r"\bbutton",
    "de": r"\bknopf|\bknöpf|schaltfläche|\bbutton",
    "tr": r"düğme|\bbuton",
    "pl": r"przycisk",
    "ro": r"\bbuton",
}
# The hash key is named in words; "(#)" after its name is said again, or in English.
_HASH_MARK = r"\(#\)"
_COMMAND = r"(?:^|[\s(«\"„])/[a-z]{3,}\b"


def chat_words(lang: str, medium: str) -> re.Pattern[str]:
    words = [_BOTH[lang], _EACH[lang], _COMMAND]
    if lang in _BUTTON:
        words.append(_BUTTON[lang])
    if medium == "texted":
        words.append(_VOICE[lang])
    else:
        words.append(_HASH_MARK)
    return re.compile("|".join(f"(?:{w})" for w in words), re.IGNORECASE)


@pytest.fixture
def asked_on_media(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[tuple[str, str]]]:
    """Every (medium, message id) a phone's or a texter's translator is asked for."""
    seen: set[tuple[str, str]] = set()
    gettext, ngettext = Translator.gettext, Translator.ngettext

    def recorded_gettext(self: Translator, message: str) -> str:
        if self.medium:
            seen.add((self.medium, message))
        return gettext(self, message)

    def recorded_ngettext(self: Translator, singular: str, plural: str, n: int) -> str:
        if self.medium:
            seen.add((self.medium, singular))
        return ngettext(self, singular, plural, n)

    monkeypatch.setattr(Translator, "gettext", recorded_gettext)
    monkeypatch.setattr(Translator, "_", recorded_gettext)
    monkeypatch.setattr(Translator, "ngettext", recorded_ngettext)
    yield seen


async def _walk(chat: MemoryTransport) -> None:
    await chat.text(PERSON, "/start")
    await chat.press(PERSON, "lang:de")
    await chat.press(PERSON, "consent:yes")
    # A help request, every step.
    await chat.press(PERSON, "menu:help")
    await chat.press(PERSON, "hr:new")
    await chat.press(PERSON, "hr:cat:shopping")
    await chat.text(PERSON, "Ich brauche Hilfe beim Einkaufen")
    await chat.text(PERSON, "44137")
    out = await chat.press(PERSON, "hr:when:asap")
    for data in ("hr:lang-only", "hr:langs"):
        if data in button_data(out):
            out = await chat.press(PERSON, data)
    await chat.press(PERSON, "hr:cancel")
    # The places near a postcode, and near one the city does not know.
    await chat.text(PERSON, "/menu")
    await chat.press(PERSON, "menu:places")
    await chat.text(PERSON, "44137")
    await chat.press(PERSON, "pl:where")
    await chat.text(PERSON, "44999")
    await chat.text(PERSON, "/menu")
    # Registering as a volunteer: districts, kinds of help, languages (several each).
    for data in ("menu:volunteer", "vo:reg", "vo:bz:Innenstadt-Nord", "vo:area-done", "vo:nopt"):
        await chat.press(PERSON, data)
    for data in ("vo:cat:shopping", "vo:cats-done", "vo:lang:ar", "vo:langs-done"):
        await chat.press(PERSON, data)
    await chat.press(PERSON, "vo:cancel")
    await chat.text(PERSON, "/menu")
    # This week's events, one of them, and the person's own requests.
    out = await chat.press(PERSON, "menu:events")
    if "ev:week" in button_data(out):
        out = await chat.press(PERSON, "ev:week")
    events = [data for data in button_data(out) if data.startswith("ev:d:")]
    if events:
        await chat.press(PERSON, events[0])
    await chat.text(PERSON, "/menu")
    await chat.press(PERSON, "menu:help")
    await chat.press(PERSON, "hr:mine")
    await chat.text(PERSON, "/menu")
    # Something not understood, and the settings.
    await chat.press(PERSON, "nonsense:1")
    await chat.press(PERSON, "menu:settings")
    await chat.press(PERSON, "settings:delete")
    await chat.press(PERSON, "delete:no")


@pytest.mark.parametrize("platform,medium", [("phone", "spoken"), ("sms", "texted")])
async def test_a_caller_and_a_texter_meet_no_chat_words(
    db: Database,
    settings: HandlerSettings,
    asked_on_media: set[tuple[str, str]],
    platform: str,
    medium: str,
) -> None:
    gazetteer = load_gazetteer("data/dortmund")
    await import_places(db, SAMPLE_PLACES, gazetteer, default_source="sample")
    await import_events(db, SAMPLE_EVENTS, gazetteer=gazetteer)
    chat = MemoryTransport(Dispatcher(db, build_router(), settings), platform=platform)
    await _walk(chat)
    met = {message for on, message in asked_on_media if on == medium} | set(ALSO_MET)
    if medium == "spoken":
        met |= _naming_the_hash_key()
    # A walk that records little proves nothing.
    assert len(met) > 80, len(met)
    hits = []
    for lang in SUPPORTED_LANGUAGES:
        words = chat_words(lang, medium)
        for easy in (False, True):
            t = translator(lang, easy=easy, medium=medium)
            for message in sorted(met):
                said = t._(message)
                found = words.search(said)
                if found:
                    hits.append(f"{lang}{' easy' if easy else ''}: {found.group(0)!r} in {said!r}")
    assert not hits, f"{len(hits)} chat words:\n" + "\n".join(hits)
