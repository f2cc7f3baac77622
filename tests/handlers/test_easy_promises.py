"""An easy text may be shorter, never promise less (issue 56, points 2 and 4): the easy
privacy notice - the text a person consents to - says each thing the usual notice
promises, and the easy description step keeps the warning not to write one's address or
phone number, in all ten languages.

Each promise is a few key words per language (written down here, checked against the
usual texts too): the words a reader must meet for the promise to be made at all."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from handlers.privacy import notice_lines
from handlers.settings import HandlerSettings, TranslationRules
from locales import SUPPORTED_LANGUAGES, translator

# What the notice promises: each as (what, {lang: patterns that must all be found}).
PROMISES: dict[str, dict[str, tuple[str, ...]]] = {
    # The person's language is stored.
    "the language is kept": {
        "de": (r"\bSprache\b",),
        "en": (r"\blanguage\b",),
        "ar": (r"لغتك",),
        "tr": (r"\bdilinizi\b",),
        "uk": (r"\bмов",),
        "ru": (r"\bязык",),
        "ro": (r"\blimba\b",),
        "bg": (r"\bезика\b",),
        "pl": (r"\bjęzyk",),
        "fa": (r"زبان",),
    },
    # Volunteers never see the phone number.
    "volunteers never see the phone number": {
        "de": (r"Telefon·?nummer", r"\bnie\b"),
        "en": (r"phone number", r"\bnever\b"),
        "ar": (r"رقم هاتفك", r"أبدًا"),
        "tr": (r"telefon numara", r"\basla\b"),
        "uk": (r"номер\w* телефону", r"ніколи"),
        "ru": (r"номер\w* телефона", r"никогда"),
        "ro": (r"numărul( \w+)? de telefon", r"niciodată"),
        "bg": (r"телефонн\w+ \w+ номер", r"никога"),
        "pl": (r"numer\w* telefonu", r"nigdy"),
        "fa": (r"شماره تلفن", r"هرگز"),
    },
    # The coordination team reads the requests (not only the helper).
    "the coordinators read every request": {
        "de": (r"\b(Team|Koordinations·?team)\b",),
        "en": (r"\b(team|coordinators)\b",),
        "ar": (r"(فريق|المنسقون)",),
        "tr": (r"(ekib|koordinatör)",),
        "uk": (r"(команда|координатори)",),
        "ru": (r"(команда|координаторы)",),
        "ro": (r"(echipa|coordonatorii)",),
        "bg": (r"(екип|координаторите)",),
        "pl": (r"(zespół|koordynatorzy)",),
        "fa": (r"(تیم|هماهنگ)",),
    },
    # The translation service translates only if a reader may not read the language.
    "translated only for a reader who may not read it": {
        "de": (r"\b([Nn]ur dann|[Ww]enn)\b",),
        "en": (r"\b([Oo]nly then|[Ii]f)\b",),
        "ar": (r"(فقط|إذا)",),
        "tr": (r"\b([Ss]adece|[Yy]alnızca|bilmiyorsa)",),
        "uk": (r"(Тільки|тільки|Якщо|якщо)",),
        "ru": (r"(Только|только|Если|если)",),
        "ro": (r"\b(Doar|doar|Dacă|dacă)\b",),
        "bg": (r"(Само|само|Ако|ако)",),
        "pl": (r"\b(Tylko|tylko|Jeśli|jeśli)\b",),
        "fa": (r"(فقط|اگر)",),
    },
}

# The description step's warning: do not write your address or phone number.
WARNING: dict[str, tuple[str, ...]] = {
    "de": (r"Adresse", r"Telefon", r"\b(nicht|keine|ohne)\b"),
    "en": (r"address", r"phone", r"\b(not|no)\b"),
    "ar": (r"عنوان", r"هاتف", r"لا تكتب"),
    "tr": (r"adres", r"telefon", r"yazmayın"),
    "uk": (r"адрес", r"телефон", r"[Нн]е пишіть"),
    "ru": (r"адрес", r"телефон", r"[Нн]е пишите"),
    "ro": (r"adres", r"telefon", r"[Nn]u scrieți"),
    "bg": (r"адрес", r"телефон", r"[Нн]е пишете"),
    "pl": (r"adres", r"telefon", r"\bnie\b"),
    "fa": (r"آدرس", r"تلفن", r"ننویسید"),
}
DESCRIBE = (
    "✍️ Describe in a few words what you need. You can also send a voice message. Please do "
    "not write your address or phone number - you will talk to your helper through this chat."
)


# Arabic vowel signs (fathatan to sukun, and the superscript alif): the phone's texts are
# vocalised for the voice (bot/speech/arabic.py), the words are the same without them.
_VOWEL_SIGNS = re.compile("[\u064b-\u0652\u0670]")


def _missing(text: str, patterns: tuple[str, ...]) -> list[str]:
    text = _VOWEL_SIGNS.sub("", text)
    return [p for p in patterns if not re.search(_VOWEL_SIGNS.sub("", p), text, re.IGNORECASE)]


def notice(lang: str, easy: bool) -> str:
    """The privacy notice as a reader of ``lang`` gets it, with a translation engine."""
    settings = replace(HandlerSettings(), translation_rules=TranslationRules("deepl"))
    return "\n".join(map(str, notice_lines(translator(lang, easy=easy), "Dortmund", settings)))


@pytest.mark.parametrize("promise", list(PROMISES))
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_easy_privacy_notice_promises_what_the_usual_one_does(lang, promise):
    patterns = PROMISES[promise][lang]
    usual, easy = notice(lang, easy=False), notice(lang, easy=True)
    assert usual != easy
    # The key words are the usual notice's own: the list is right.
    assert not _missing(usual, patterns), (lang, promise, usual)
    assert not _missing(easy, patterns), (lang, promise, easy)


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_easy_description_step_keeps_the_warning(lang):
    usual = translator(lang)._(DESCRIBE)
    easy = translator(lang, easy=True)._(DESCRIBE)
    assert usual != easy
    assert not _missing(usual, WARNING[lang][:2]), (lang, usual)
    assert not _missing(easy, WARNING[lang]), (lang, easy)


def test_the_key_words_catch_a_notice_that_says_less():
    # The easy German notice as it was before issue 56.
    before = (
        "📦 Wir speichern Ihren Vor·namen und Ihre Nachrichten.\n"
        "👀 Helfer in Dortmund lesen Ihre Hilfe·anfrage.\n"
        "🌐 DeepL übersetzt Ihren Text."
    )
    for promise, patterns in PROMISES.items():
        assert _missing(before, patterns["de"]), promise


BRIEF = (
    "🔒 We keep your phone number or chat account, your language and what you send. "
    "Coordinators in {city} read requests. Volunteers never see your phone number."
)


@pytest.mark.parametrize("promise", [p for p in PROMISES if not p.startswith("translated")])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_easy_short_notice_promises_what_the_usual_one_does(lang, promise):
    """The notice's short form (what SMS sends) says the same three things."""
    patterns = PROMISES[promise][lang]
    usual = str(translator(lang).t(BRIEF, city="Dortmund"))
    easy = str(translator(lang, easy=True).t(BRIEF, city="Dortmund"))
    assert not _missing(usual, patterns), (lang, promise, usual)
    assert not _missing(easy, patterns), (lang, promise, easy)


# What the notice a caller hears promises (its first layer, handlers/media/medium_texts.py): the
# same things in a caller's words - their number stands for the chat account, and what
# they say for what they send; and that all of it can be erased.
SPOKEN_PROMISES: dict[str, dict[str, tuple[str, ...]]] = {
    "the number is kept and never given to helpers": {
        "de": (r"Nummer", r"\bnie\b"),
        "en": (r"number", r"\bnever\b"),
        "ar": (r"رقمك", r"(أبدًا|لا يرى)"),
        "tr": (r"numara", r"(asla|görmez)"),
        "uk": (r"номер", r"(ніколи|не бачить)"),
        "ru": (r"номер", r"(никогда|не видит)"),
        "ro": (r"număr", r"(niciodată|nu vede)"),
        "bg": (r"номера", r"(никога|не вижда)"),
        "pl": (r"numer", r"(nigdy|nie widzi)"),
        "fa": (r"شماره", r"(هرگز|نمی)"),
    },
    "the team gets the request": {
        "de": (r"\bTeam\b",),
        "en": (r"\bteam\b",),
        "ar": (r"فريقنا",),
        "tr": (r"ekib",),
        "uk": (r"команда",),
        "ru": (r"команда",),
        "ro": (r"echipa",),
        "bg": (r"екип",),
        "pl": (r"zespół",),
        "fa": (r"تیم",),
    },
    "all of it can be erased": {
        "de": (r"löschen",),
        "en": (r"erase",),
        "ar": (r"حذف",),
        "tr": (r"sil",),
        "uk": (r"видалити",),
        "ru": (r"удалить",),
        "ro": (r"șterge",),
        "bg": (r"изтри",),
        "pl": (r"usun",),
        "fa": (r"پاک",),
    },
}


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_notice_a_caller_hears_promises_what_the_chats_one_does(lang, easy):
    from handlers.reader import Medium, translator_for

    settings = replace(HandlerSettings(), translation_rules=TranslationRules("deepl"))
    t = translator_for(lang, easy, Medium.SPOKEN)
    spoken = "\n".join(map(str, notice_lines(t, "Dortmund", settings)))
    assert spoken != notice(lang, easy)  # the caller's own words ...
    for promise, patterns in SPOKEN_PROMISES.items():
        assert not _missing(spoken, patterns[lang]), (lang, promise, spoken)
    # ... and the language and the translation as in a chat.
    for promise in ("the language is kept", "translated only for a reader who may not read it"):
        assert not _missing(spoken, PROMISES[promise][lang]), (lang, promise, spoken)
    assert not re.search(r"(?<![<\w])/[a-z]", spoken)  # no command a keypad cannot type


# What the chat's notice promises beyond the short form's first line, which a texter was
# not told before issue 64 (point 3): who sees a request, the translation service by name,
# and that everything can be seen and erased (by SMS: in the settings, no web link needed).
TEXTED_PROMISES: dict[str, dict[str, tuple[str, ...]]] = {
    "a helper sees the request and first name": {
        "de": (r"[Hh]elf", r"Anfrage", r"Vor·?name"),
        "en": (r"helper", r"request", r"first name"),
        "ar": (r"المساعد", r"طلبك", r"اسمك"),
        "tr": (r"([Yy]ardım eden|[Gg]önüllü)", r"talebinizi", r"adınızı"),
        "uk": (r"[Пп]омічник", r"прохання", r"ім’я"),
        "ru": (r"[Пп]омощник", r"просьбу", r"имя"),
        "ro": (r"(ajută|[Vv]oluntar)", r"cererea", r"prenumele"),
        "bg": (r"[Пп]омощникът", r"молбата", r"име"),
        "pl": (r"(pomagająca|[Pp]omocnik)", r"prośbę", r"imię"),
        "fa": (r"داوطلب", r"درخواست", r"نام"),
    },
    "the translation service is named": {lang: (r"DeepL",) for lang in SUPPORTED_LANGUAGES},
    "everything can be seen and erased": {
        "de": (r"alles", r"lösch"),
        "en": (r"everything", r"(erase|delete)"),
        "ar": (r"كل", r"(تمحو|تحذف|حذف)"),
        "tr": (r"her şey", r"sil"),
        "uk": (r"все", r"видал"),
        "ru": (r"вс[её]", r"удал"),
        "ro": (r"tot", r"șter"),
        "bg": (r"всичко", r"изтри"),
        "pl": (r"wszystk", r"usu[nw]"),
        "fa": (r"همه", r"پاک"),
    },
}


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_the_sms_notice_makes_the_chats_promises(db, settings, lang, easy):
    """Promise parity: the short form a texter agrees to (``Message.brief``, by SMS) says
    each thing the chat's notice promises, usual and easy, in all ten languages."""
    import bot.transports.registry  # noqa: F401 - declares the SMS medium
    from handlers import build_router
    from handlers.dispatcher import Dispatcher
    from tests.support.memory_transport import MemoryTransport, messages

    settings = replace(settings, translation_rules=TranslationRules("deepl"))
    sms = MemoryTransport(Dispatcher(db, build_router(), settings), platform="sms")
    number = "+4917655501"
    await sms.text(number, "Hallo")
    person = await db.users.find("sms", number)
    assert person is not None
    await db.users.set_easy_language(person.id, easy)
    out = await sms.press(number, f"lang:{lang}")
    to_agree = next(m for m in messages(out) if "consent:yes" in str(m.buttons))
    assert to_agree.brief is not None
    brief = str(to_agree.brief)
    chat = notice(lang, easy=False)
    for promises in (PROMISES, TEXTED_PROMISES):
        for promise, patterns in promises.items():
            # The chat's notice makes it (the key words are right), and so does the SMS's.
            assert not _missing(chat, patterns[lang]), (lang, promise, chat)
            assert not _missing(brief, patterns[lang]), (lang, easy, promise, brief)
    assert "/mydata" not in brief and "/delete" not in brief  # no command a texter lacks
