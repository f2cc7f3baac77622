"""Which language a text is written in: short real phrases in the ten languages, the
writer's own languages deciding a close call, texts without letters or too short to judge;
and the label a request's description gets in the chat (Turkish written by someone who chats
in German is Turkish)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from db import Database
from handlers.helping.text_language import detect
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.cli import ROOT
from tests.support.help_story import GROUP, NORDMARKT
from tests.support.memory_transport import MemoryTransport, button_data, readable

# The way residents write to their neighbours: a few words, no capitals or accents spared.
PHRASES = {
    "de": [
        "Ich brauche Hilfe beim Einkaufen",
        "Kann jemand morgen mit mir zum Arzt gehen?",
        "Wer kann mir beim Ausfüllen eines Formulars helfen?",
        "Bitte Hilfe beim Umzug am Samstag",
    ],
    "en": [
        "I need help with shopping",
        "Can someone come with me to the doctor tomorrow?",
        "Who can help me fill in a form?",
        "I need a ride to the hospital on Monday",
    ],
    "ar": [
        "أحتاج مساعدة في التسوق يوم الثلاثاء",
        "هل يمكن لأحد أن يرافقني إلى الطبيب غدا؟",
        "أحتاج مساعدة في ملء استمارة",
        "من يستطيع مساعدتي في نقل الأثاث؟",
    ],
    "fa": [
        "برای خرید کمک لازم دارم",
        "آیا کسی می‌تواند فردا با من به دکتر بیاید؟",
        "به کمک برای پر کردن فرم نیاز دارم",
        "کسی می‌تونه کمکم کنه اسباب‌کشی کنم؟",
    ],
    "tr": [
        "Alışverişte yardıma ihtiyacım var",
        "Yarın biri benimle doktora gelebilir mi?",
        "Form doldurmak için yardım lazım",
        "Taşınmak için yardım eden var mı?",
    ],
    "uk": [
        "Мені потрібна допомога з покупками",
        "Чи може хтось завтра піти зі мною до лікаря?",
        "Допоможіть заповнити анкету, будь ласка",
        "Шукаю когось, хто допоможе з переїздом",
    ],
    "ru": [
        "Мне нужна помощь с покупками",
        "Может кто-нибудь завтра сходить со мной к врачу?",
        "Помогите заполнить анкету, пожалуйста",
        "Ищу человека, который поможет с переездом",
    ],
    "bg": [
        "Имам нужда от помощ с пазаруването",
        "Може ли някой утре да дойде с мен на лекар?",
        "Помогнете ми да попълня формуляр",
        "Търся някой да ми помогне с преместването",
    ],
    "ro": [
        "Am nevoie de ajutor la cumpărături",
        "Poate cineva să meargă mâine cu mine la doctor?",
        "Cine mă poate ajuta să completez un formular?",
        "Caut pe cineva care să mă ajute la mutare",
    ],
    "pl": [
        "Potrzebuję pomocy przy zakupach",
        "Czy ktoś może jutro pójść ze mną do lekarza?",
        "Kto mi pomoże wypełnić formularz?",
        "Szukam kogoś do pomocy przy przeprowadzce",
    ],
}
TURKISH = PHRASES["tr"][0]


def test_every_language_the_bot_speaks_has_phrases():
    assert sorted(PHRASES) == sorted(SUPPORTED_LANGUAGES)
    assert all(len(phrases) >= 3 for phrases in PHRASES.values())


@pytest.mark.parametrize(
    ("lang", "phrase"), [(lang, phrase) for lang, phrases in PHRASES.items() for phrase in phrases]
)
def test_short_phrases_without_hints(lang: str, phrase: str):
    assert detect(phrase) == lang


@pytest.mark.parametrize(
    ("lang", "phrase"), [(lang, phrase) for lang, phrases in PHRASES.items() for phrase in phrases]
)
def test_a_sentence_is_not_overruled_by_the_writers_languages(lang: str, phrase: str):
    """Someone chatting in German, or in the neighbouring language, still gets the language
    they wrote in: Turkish is "tr" (the old alphabet rule said "de"), Arabic is "ar" for
    someone whose earlier label was Farsi."""
    neighbour = {"uk": "ru", "ru": "uk", "bg": "ru", "ar": "fa", "fa": "ar", "de": "en"}
    assert detect(phrase, "de") == lang
    assert detect(phrase, neighbour.get(lang, "de"), "de") == lang


@pytest.mark.parametrize(
    ("word", "one", "other"),
    [
        ("Благодаря", "bg", "ru"),  # "thank you" in Bulgarian, "I thank" in Russian
        ("Так", "uk", "ru"),
        ("Помощ", "bg", "ru"),
        ("Tak", "pl", "en"),
        ("Doktor", "de", "tr"),
        ("Hallo", "de", "en"),
        ("لطفا", "fa", "ar"),
    ],
)
def test_the_writers_language_decides_a_short_ambiguous_word(word: str, one: str, other: str):
    assert detect(word, one) == one
    assert detect(word, other) == other
    # The first hint that is plausible enough wins, not the last.
    assert detect(word, one, other) == one and detect(word, other, one) == other


def test_a_hint_that_does_not_fit_the_text_is_ignored():
    # Another alphabet.
    assert detect("Дякую", "de", "ar") == "uk"
    assert detect("Dziękuję", "ar", "ru") == "pl"
    # The same alphabet, but the word is hardly possible in the hint's language.
    assert detect("Teşekkürler", "de") == "tr"
    assert detect("Ajutor", "pl") == "ro"
    assert detect("Hilfe", "en") == "de"
    assert detect("Помощь", "bg") == "ru"  # Bulgarian writes "помощ"


def test_a_text_without_letters_gets_the_first_hint():
    assert detect("0171 1234567", "ar", "de") == "ar"
    assert detect("12.30 👍", None, "tr") == "tr"
    assert detect("0171 1234567") == ""
    # Only the languages in play are labels.
    assert detect("0171 1234567", "xx", "pl") == "pl"


def test_words_too_short_to_judge_get_a_hint_in_their_alphabet():
    assert detect("Да", "ru") == "ru"
    assert detect("Да", "de", "bg") == "bg"
    assert detect("Ja", "de") == "de"
    # Cyrillic "yes" from someone chatting in German is not German: better no label.
    assert detect("Да", "de") == ""
    assert detect("ok", "ar") == ""
    assert detect("ok") == ""


def test_the_detector_is_built_on_first_use_not_at_import():
    code = (
        "import handlers, handlers.helping.text_language as m; "
        "assert m._detector.cache_info().currsize == 0; "
        "assert m.detect('Ich brauche Hilfe beim Einkaufen') == 'de'; "
        "assert m._detector.cache_info().currsize == 1"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


# -- the label of a request's description ----------------------------------------------------


async def test_turkish_written_by_someone_chatting_in_german_is_labelled_turkish(
    story: MemoryTransport,
    db: Database,
):
    await story.onboard("tarik", "de")
    await story.press("tarik", "menu:help")
    await story.press("tarik", "hr:new")
    await story.press("tarik", "hr:cat:shopping")
    await story.text("tarik", TURKISH)
    await story.location("tarik", *NORDMARKT)
    await story.press("tarik", "hr:when:asap")
    out = await story.press("tarik", "hr:langs-done")
    # The summary names the language the text is in, in the writer's language.
    de = translator("de")
    assert f"({de.language('tr')})" in readable(str(out[-1].text))
    await story.press("tarik", "hr:send")
    tarik = await db.users.find("memory", "tarik")
    [request] = await db.requests.for_requester(tarik.id)
    assert request.description == TURKISH and request.description_lang == "tr"
    await story.flush()
    post = readable(str(story.inbox[GROUP][-1].text))
    assert TURKISH in post and f"({de.language('tr')})" in post


async def test_a_text_sent_at_the_main_menu_is_labelled_with_its_language(
    chat: MemoryTransport, db: Database
):
    await chat.onboard("olena", "de")
    out = await chat.text("olena", PHRASES["uk"][0])
    assert "hr:with" in button_data(out)
    await chat.press("olena", "hr:with")
    olena = await db.users.find("memory", "olena")
    state = await db.users.get_state(olena.id)
    assert state is not None
    assert state.data["draft"]["description"] == PHRASES["uk"][0]
    assert state.data["draft"]["description_lang"] == "uk"
