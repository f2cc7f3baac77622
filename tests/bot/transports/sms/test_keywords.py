"""STOP and START typed in look-alike letters are STOP and START (bot/transports/sms/
keywords.py): "ЅТОР" in Cyrillic, Greek or with a zero was taken for words and the texts went
on. And the folding takes no real word of the bot's languages for a keyword that was not one:
every word of the ten catalogs, usual and easy, is a keyword exactly as before."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from markupsafe import Markup

from bot.transports.sms.keywords import START_WORDS, STOP_WORDS, key, keyword
from handlers.forms.step_form import StepForm
from handlers.media.texted_form import form_of
from handlers.messages import Button, Message
from locales import SUPPORTED_LANGUAGES, translator

ROOT = Path(__file__).resolve().parents[4]
_WORD = re.compile(r"\w+")


@pytest.mark.parametrize(
    "text",
    [
        "\u0405\u0422\u041e\u0420",  # ЅТОР: Cyrillic Dze, Te, O, Er
        "\u0455\u0442\u043e\u0440",  # ѕтор, the same in small letters
        "\u0405t\u043e\u0440",  # Ѕtор: Latin and Cyrillic mixed
        "\u0405\u03a4\u039f\u03a1",  # ЅΤΟΡ: Greek Tau, Omicron, Rho
        "ST0P",  # a zero for the O
        "\u0405\u0422\u041e\u0420\u0420",  # ЅТОРР: German STOPP
        "\u0406\u0420\u0422\u0410L",  # ІРТАL: Turkish IPTAL in Cyrillic letters
        "\u0421\u0422\u041e\u03a0",  # СТОΠ: Russian СТОП with a Greek Pi
        "ST\u041eP.",  # a Cyrillic O inside, and a full stop after
    ],
)
def test_a_stop_in_look_alike_letters_is_stop(text: str):
    assert key(text) not in STOP_WORDS  # not one before: only the folding takes it
    assert keyword(text) == "stop"


@pytest.mark.parametrize(
    "text",
    [
        "\u0405\u0422\u0410R\u0422",  # ЅТАRТ: Cyrillic but the R
        "\u0455\u0442\u0430rt",  # ѕтаrt
        "B\u0410\u015eL\u0410",  # BAŞLA with Cyrillic A
    ],
)
def test_a_start_in_look_alike_letters_is_start(text: str):
    assert key(text) not in START_WORDS
    assert keyword(text) == "start"


def test_every_keyword_is_still_its_own():
    assert all(keyword(word) == "stop" for word in STOP_WORDS)
    assert all(keyword(word) == "start" for word in START_WORDS)
    for word in ("STOP", "Stop.", "СТОП", "стоп", "STOPP", "İPTAL", "\u200fإيقاف", "لغو"):
        assert keyword(word) == "stop"
    for word in ("START", "start", "СТАРТ", "BAŞLA", "ابدأ", "شروع"):
        assert keyword(word) == "start"


def _catalog_words() -> set[str]:
    words: set[str] = set()
    for lang in SUPPORTED_LANGUAGES:
        for domain in ("messages", "easy"):
            path = ROOT / f"locales/{lang}/LC_MESSAGES/{domain}.po"
            if not path.exists():
                continue
            with open(path, "rb") as po:
                for message in read_po(po):
                    for text in (message.id, message.string):
                        for part in text if isinstance(text, tuple | list) else (text,):
                            words.update(_WORD.findall(str(part or "")))
    return words


def test_no_real_word_becomes_a_keyword():
    words = _catalog_words()
    assert len(words) > 20_000  # every language's words, usual and easy
    before = {
        word: "stop" if key(word) in STOP_WORDS else "start" if key(word) in START_WORDS else None
        for word in words
    }
    changed = sorted(word for word in words if keyword(word) != before[word])
    assert not changed


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_a_texted_forms_cancel_is_no_keyword(lang: str):
    """A form's Cancel, as a text names it, typed back as its words, cancels the form - it
    must not stop all texts (handlers/media/texted_form.py ``TEXTED_CANCEL``): a Turkish
    texter who typed "İptal", the choice's word, got "You will get no more texts from us",
    and CANCEL and لغو (Persian) were the same."""
    t = translator(lang)
    form = StepForm("hr", "hr.", "draft", "Cancelled.", {}).cancel_button(t)
    texted = form_of(Message(Markup("?"), [[Button("1", "hr:x")], [form]]), t)
    assert texted is not None and texted.typed
    cancel = texted.lines.splitlines()[-1]
    assert cancel.startswith("2 ")
    assert keyword(cancel.removeprefix("2 ")) is None
    assert all(keyword(word) is None for word in _WORD.findall(cancel))


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("توقف", "stop"),  # what the Arabic and Persian texts name (issue 101)
        ("«توقف»", "stop"),  # as the text sets it, quotes and all
        ("\u200fتوقف.", "stop"),  # a direction mark before, a full stop after
        ("تَوَقَّفْ", "stop"),  # with its vowel marks
        ("إيقاف", "stop"),
        ("لغو", "stop"),
        ("STOP", "stop"),  # the Latin word still works in every language
        ("ابدأ", "start"),
        ("«ابدأ»", "start"),
        ("ابدا", "start"),  # typed without the hamza
        ("إبدأ", "start"),  # with the hamza below, as often typed
        ("شروع", "start"),
        ("«شروع»", "start"),
    ],
)
def test_the_arabic_and_persian_words_alone_are_keywords(text: str, meant: str):
    assert keyword(text) == meant


@pytest.mark.parametrize(
    "text",
    [
        "أرسل توقف",  # "send stop": a sentence that names the word
        "توقف الرسائل من فضلك",  # "stop the texts, please"
        "لماذا توقف؟",  # "why did it stop?"
        "ابدأ من جديد",  # Arabic "Start again", a choice's words
        "توقف موقت",  # Persian "Pause"
        "از نو شروع کنید",  # Persian "Start again"
        "شروع کردم",  # "I started"
        "«توقف» بفرستید",  # the Persian text's own words, sent back
    ],
)
def test_the_words_inside_a_sentence_are_words(text: str):
    assert keyword(text) is None
