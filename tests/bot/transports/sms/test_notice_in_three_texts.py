"""Issue 80, point 1: by SMS a texter agreed after half a sentence. A text in eight of the ten
languages is UCS-2 (about 70 characters a segment); the consent choices came whole in the
first text, so the notice before them was cut mid-sentence (Turkish: "Telefon numaranızı ya
da sohbet hesabınızı," before "1 agree"), it took 5-7 texts and STOP came in the last one.

Rendered through the product's own path (the real dispatcher and reader chain, the SMS
transport's paging and segments; the gateway records what it would post) in all ten
languages, usual and easy, with a translation service and the web on (the longest notice):

- the first text holds whole sentences, the consent choices and how to stop texts;
- every text of the notice ends at a sentence, and the notice reaches its end (the rights
  and the address of the whole notice) within three texts;
- no icon and no invisible direction mark in any of them.

And once through real Kannel and its fake SMSC: a Turkish texter reads the whole notice in
at most three texts, and agrees from its last."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bot.transports.sms.budget import Budget
from bot.transports.sms.paging import NOTICE_TEXTS, more_line, stop_line
from bot.transports.sms.segments import count, folded
from bot.transports.sms.transport import SmsTransport
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.media.texted_form import is_icon
from handlers.reader import Medium, translator_for
from handlers.settings import TranslationRules
from handlers.text_safety import BIDI_CONTROLS, BIDI_MARKS
from locales import SUPPORTED_LANGUAGES, Translator, language_name
from tests.support.sms.city import City, Resident
from tests.support.sms.gateways import RecordingKannel

NUMBER = "+4917612345671"
WEB = "https://nachbarn.example"
# Every language, usual and easy.
READERS = [(lang, easy) for lang in SUPPORTED_LANGUAGES for easy in (False, True)]
# A sentence ends with its stop (Arabic and Farsi: "؟" too).
_SENTENCE_END = re.compile(r"[.!?؟]$")


def _choice_lines(t: Translator) -> list[str]:
    """The consent choices as the first text numbers them."""
    return [f"{n} {t._(label)}" for n, label in enumerate(("I agree", "No, thanks"), 1)]


def _body(text: str, t: Translator) -> list[str]:
    """The notice's own lines of a text: before the "more" line, STOP and the choices."""
    lines = text.splitlines()
    for end, line in enumerate(lines):
        if line in (more_line(t), sent_stop_line(t)) or re.match(r"^\d+ ", line):
            return lines[:end]
    return lines


def sent_stop_line(t: Translator) -> str:
    """The STOP line as the wire has it: typography folded (the Arabic and Persian «توقف»
    goes as "توقف", segments.py ``folded``)."""
    return folded(stop_line(t))


def _whole(lines: list[str]) -> bool:
    """Whether a text's own lines end at a sentence (the address of the notice is a line
    of its own)."""
    return bool(lines) and all(_SENTENCE_END.search(line) or WEB in line for line in lines)


def _clean(text: str) -> bool:
    """No icon, no invisible direction mark."""
    return not any(is_icon(ch) or ch in BIDI_CONTROLS | BIDI_MARKS for ch in text)


async def _pick(sms: SmsTransport, sent: list[tuple[str, str]], lang: str) -> None:
    """Choose ``lang`` from the picker (asking for the rest of it while not shown)."""
    for _ in range(3):
        for line in sent[-1][1].splitlines():
            number, _, label = line.partition(" ")
            if number.isdigit() and label == language_name(lang):
                await sms.take_text(NUMBER, number)
                return
        await sms.take_text(NUMBER, "0")
    raise AssertionError(f"no {lang} offered: {sent!r}")


async def notice_texts(
    dispatcher: Dispatcher, db: Database, lang: str, easy: bool
) -> tuple[list[str], Translator]:
    """The notice a new texter gets in ``lang`` (easy or not), each text as the gateway
    would post it, "0" sent while a text says there is more (a few more than the notice
    may take, so that a longer one shows)."""
    dispatcher.settings = replace(
        dispatcher.settings, translation_rules=TranslationRules("deepl"), web_url=WEB
    )
    gateway = RecordingKannel()
    sms = SmsTransport(dispatcher.ports, db, gateway, Budget(db, 10_000, [("console", "c")]))
    await sms.take_text(NUMBER, "Hallo")
    person = await db.users.find("sms", NUMBER)
    assert person is not None
    await db.users.set_easy_language(person.id, easy)
    await _pick(sms, gateway.sent, lang)
    t = translator_for(lang, easy, Medium.TEXTED)
    agree = _choice_lines(t)[0]
    first = next(at for at, (_, text) in enumerate(gateway.sent) if agree in text.splitlines())
    for _ in range(NOTICE_TEXTS + 3):
        if more_line(t) not in gateway.sent[-1][1].splitlines():
            break
        await sms.take_text(NUMBER, "0")
    return [text for _, text in gateway.sent[first:]], t


@pytest.mark.parametrize(("lang", "easy"), READERS)
async def test_the_first_text_has_whole_sentences_the_choices_and_stop(
    dispatcher: Dispatcher, db: Database, lang: str, easy: bool
) -> None:
    texts, t = await notice_texts(dispatcher, db, lang, easy)
    first = texts[0].splitlines()
    assert _whole(_body(texts[0], t)), (lang, easy, texts[0])
    assert sent_stop_line(t) in first, (lang, easy, texts[0])
    for choice in _choice_lines(t):
        assert choice in first, (lang, easy, choice, texts[0])


@pytest.mark.parametrize(("lang", "easy"), READERS)
async def test_the_whole_notice_comes_in_three_texts_of_whole_sentences(
    dispatcher: Dispatcher, db: Database, lang: str, easy: bool
) -> None:
    texts, t = await notice_texts(dispatcher, db, lang, easy)
    assert len(texts) <= NOTICE_TEXTS, (lang, easy, len(texts), texts)
    # Its end: the rights and the address of the whole notice, and nothing more to ask for.
    notice = " ".join(" ".join(_body(text, t)) for text in texts)
    assert f"{WEB}/privacy?lang={lang}" in notice, (lang, easy, texts)
    rights = t._("🗑 /mydata shows everything, /delete erases it.").lstrip("🗑 ")
    assert rights in notice, (lang, easy, rights, texts)
    assert more_line(t) not in texts[-1].splitlines(), (lang, easy, texts[-1])
    for text in texts:
        assert _whole(_body(text, t)), (lang, easy, text)
        assert count(text) <= 3, (lang, easy, text)
    # docs/sms.md's table says what is sent: "texts (segments)", usual / easy.
    said = f"{len(texts)} ({sum(count(text) for text in texts)})"
    assert _documented(lang, easy) == said, (lang, easy, said)


def _documented(lang: str, easy: bool) -> str:
    """The "Now" column of docs/sms.md's table of the notice, for ``lang`` usual or easy."""
    page = (Path(__file__).resolve().parents[4] / "docs" / "sms.md").read_text(encoding="utf-8")
    for row in re.findall(r"(?m)^\| ([a-z, ]+) \| [^|]+ \| ([^|]+) \|$", page):
        if lang in [code.strip() for code in row[0].split(",")]:
            return row[1].split("/")[int(easy)].strip()
    raise AssertionError(f"{lang} is not in docs/sms.md's table")


@pytest.mark.parametrize(("lang", "easy"), READERS)
async def test_no_icon_and_no_direction_mark_in_the_notices_texts(
    dispatcher: Dispatcher, db: Database, lang: str, easy: bool
) -> None:
    texts, _ = await notice_texts(dispatcher, db, lang, easy)
    assert [text for text in texts if not _clean(text)] == [], (lang, easy)


def test_the_checks_catch_a_notice_cut_mid_sentence() -> None:
    """The Turkish first text as it was: half a sentence, icons, no STOP."""
    t = translator_for("tr", False, Medium.TEXTED)
    before = (
        "🔒 Telefon numaranızı ya da sohbet hesabınızı,\nDevamı: 0 gönderin\n"
        "1 ✅ Kabul ediyorum\n2 ❌ Hayır, teşekkürler\n3 📋 Tüm ayrıntılar"
    )
    assert not _whole(_body(before, t))
    assert stop_line(t) not in before.splitlines()
    assert not _clean(before)


TURKISH = "+905321234567"


async def test_a_turkish_texter_reads_the_whole_notice_through_kannel_and_agrees(
    make_city: Callable[..., object], db: Database
) -> None:
    """Through Kannel and fakesmsc: the first text whole sentences, the choices and STOP;
    the notice's end within three texts, each whole sentences and without icons; "1" after
    the last still agrees (the first text's choices hold)."""
    city: City = await make_city()  # type: ignore[misc]
    dispatcher = city.story.dispatcher
    dispatcher.settings = replace(
        dispatcher.settings, translation_rules=TranslationRules("deepl"), web_url=WEB
    )
    texter = Resident(city, TURKISH)
    t = translator_for("tr", False, Medium.TEXTED)
    await texter.say("Merhaba")
    await texter.choose("Türkçe")
    agree = _choice_lines(t)[0]
    first = next(text for text in texter.new if agree in text.text.splitlines())
    notice = [first]
    while more_line(t) in notice[-1].text.splitlines() and len(notice) <= NOTICE_TEXTS:
        notice += await texter.say("0")
    assert len(notice) <= NOTICE_TEXTS, [text.text for text in notice]
    assert sent_stop_line(t) in first.text.splitlines(), first.text
    assert f"{WEB}/privacy?lang=tr" in notice[-1].text, notice[-1].text
    for text in notice:
        assert text.coding == "ucs2" and text.parts <= 3, text
        assert _whole(_body(text.text, t)) and _clean(text.text), text.text
    await texter.say(agree.split(" ", 1)[0])
    user = await db.users.find("sms", TURKISH)
    assert user is not None and user.consent_at is not None
