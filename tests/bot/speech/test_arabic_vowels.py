"""Arabic is said with its vowels (issue 64, point 7): eSpeak NG's Arabic says a word written
without its short vowels as a run of consonants ("خمسة وثلاثون": "χmst wθlaːθˈuːna"), and
the door code's number and a postcode were such words. The words the bot says are
vocalised on their way to the voice (bot/speech/arabic.py ``vocalised``); this test hears
them as the phone does (bot/speech/script.py ``parts``, then eSpeak NG's phonemes through
libespeak-ng, bot/speech/espeak.py) and fails on a cluster of consonants where Arabic has a
vowel: no Arabic syllable begins with two consonants, nor has three in a row."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

import pytest
from babel.messages.pofile import read_po
from markupsafe import Markup

from bot.speech import diacritiser
from bot.speech.arabic import counted, vocalised
from bot.speech.arabic_words import AS_WRITTEN
from bot.speech.diacritiser import filled, pausal
from bot.speech.engines import embedded
from bot.speech.number_words import number_words
from bot.speech.script import parts, script
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.events.ical import import_events
from handlers.helping.render import door_code_text
from handlers.media.door_codes import DOOR_SYMBOLS
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.privacy import DELETED, detail_parts, notice_lines
from handlers.reader import Medium, translator_for
from handlers.settings import HandlerSettings, TranslationRules
from locales import LOCALES_DIR, medium_variants, translator
from tests.handlers.test_no_chat_words import (  # noqa: F401 - the fixture is used by name
    PERSON,
    SAMPLE_EVENTS,
    SAMPLE_PLACES,
    _walk,
    asked_on_media,
)
from tests.locales.test_phone_and_sms_register import PHONE, ids_in
from tests.support.arabic_sounds import clusters as _clusters
from tests.support.memory_transport import MemoryTransport

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _arabic_phonemes(text: str, t) -> str:
    engine = embedded()
    said = [await engine.phonemes(p.words, p.lang) for p in parts(text, [], t) if p.lang == "ar"]
    assert said, text
    return " ".join(said)


async def test_the_rule_hears_the_vowels_that_were_dropped():
    # eSpeak NG's phonemes for the words unvocalised, as the bot said them before.
    assert _clusters("χmst wθlaːθˈuːna") == ["χmst", "wθlaːθˈuːna"]
    assert _clusters("ʔrbʕt ʔrbʕt wˈaːħid θlˈaːθt sbʕt") == [
        "ʔrbʕt",
        "ʔrbʕt",
        "θlˈaːθt",
        "sbʕt",
    ]
    assert not _clusters("χˈamsat waθˈalaːθˌuːn dʒˈazarat ʔassˈaːʕa")


@pytest.mark.parametrize("symbol", list(DOOR_SYMBOLS))
@pytest.mark.parametrize("number", [11, 12, 15, 35, 47, 60, 99])
async def test_the_door_code_is_said_with_its_vowels(symbol, number):
    t = translator("ar", medium="spoken")
    text = door_code_text(t, f"{symbol} {number}", requester=True, partner_name="Vera")
    first_line = text.split("\n")[0]
    phonemes = await _arabic_phonemes(first_line, t)
    assert not _clusters(phonemes), (number, phonemes)


@pytest.mark.parametrize("postcode", ["44137", "44139", "44225", "10115", "80331"])
async def test_a_postcode_is_said_with_its_vowels(postcode):
    t = translator("ar", medium="spoken")
    text = t.t("📍 <b>Places near {place}</b>", place=postcode)
    phonemes = await _arabic_phonemes(text, t)
    assert not _clusters(phonemes), (postcode, phonemes)


@pytest.mark.parametrize("clock", ["13:00", "11:30", "18:15", "9:05", "22:45"])
async def test_a_clock_time_is_said_with_its_vowels(clock):
    t = translator("ar", medium="spoken")
    phonemes = await _arabic_phonemes(clock, t)
    assert not _clusters(phonemes), (clock, phonemes)


# The phone's modules whose texts are the coordinators' notices, never said in a call: the
# month's calls (a meter's words are its own, as the SMS budget's).
FOR_COORDINATORS = ("bot/transports/phone/calls/dialling.py",)


def _what_the_phone_says() -> list[tuple[str, Markup]]:
    """Every sentence of the phone's own in Arabic, usual and easy: its spoken variants, the
    phone's prompts and the privacy notice's first layer (placeholders left out: a value
    is no word of the bot's)."""
    spoken = {
        instead for (medium, _chat), instead in medium_variants().items() if medium == Medium.SPOKEN
    }
    said = []
    for easy in (False, True):
        t = translator_for("ar", easy, Medium.SPOKEN)
        for key in sorted((ids_in(PHONE) - ids_in(FOR_COORDINATORS)) | spoken):
            said.append((key, Markup(re.sub(r"\{\w+\}", "", t.gettext(key)))))
        settings = HandlerSettings(translation_rules=TranslationRules("deepl"))
        said += [(str(line), line) for line in notice_lines(t, "Dortmund", settings)]
    return said


async def test_every_sentence_of_the_phone_is_said_with_its_vowels():
    engine = embedded()
    t = translator_for("ar", False, Medium.SPOKEN)
    wrong = []
    for key, text in _what_the_phone_says():
        for part in parts(text, [], t):
            if part.lang == "ar" and (words := _clusters(await engine.phonemes(part.words, "ar"))):
                wrong.append((key, words))
    # A word said as consonants is listed with its vowels in bot/speech/arabic.py _VOCALISED.
    assert not wrong, wrong


async def test_every_number_and_clock_time_is_said_with_its_vowels():
    """ICU's words 0-119 and some larger, the counted forms 1-99, every hour at five
    minutes' steps, money, a distance, durations."""
    engine = embedded()
    t = translator("ar")
    said = [number_words(n, "ar") for n in [*range(120), 200, 345, 1000, 2026, 44137, 1.5]]
    said += [counted(n, g) or "" for n in range(1, 100) for g in ("masculine", "feminine")]
    said += [script(Markup(f"{h}:{m:02d}"), [], t) for h in range(24) for m in (0, 5, 15, 30, 45)]
    said += [script(Markup(x), [], t) for x in ("12,50 €", "1,6 Std.", "370 m", "45 Minuten")]
    wrong = [(x, words) for x in said if (words := _clusters(await engine.phonemes(x, "ar")))]
    assert not wrong, wrong


# Issue 80, point 3: the phone says much more than its own modules' texts - the menus, the
# requests, the places, the settings, the whole notice of key 3 - and eSpeak NG's Arabic
# guessed each word it does not know: "أنشطة" was "ʔnʃtt", "أوافق" "ʔuːaːfq", and "لا
# تفتح الباب" "tafattaħ" (to blossom) where a word had no vowel sign at all. Every word
# the bot says in Arabic now carries its vowels before the voice reads it (the catalogs'
# spoken forms, and bot/speech/arabic_words.tsv for the chat's texts a caller hears too),
# so no word is left to eSpeak NG's guess, nor to the diacritiser that vocalises only the
# text written at run time (bot/speech/arabic.py ``vocalised_at_run_time``).

# Texts the walk below does not reach and a caller hears: the promises after a request
# and after erasure.
NAMED = (
    "⏳ Thank you! Your request #{id} is now being checked by our team. We will "
    "tell you as soon as it is published.",
    DELETED,
    # The consent keys: the walk agrees by its button's data.
    "I agree",
    "No, thanks",
)
# A value and a chat command ("/{command}", a chat's text only) are no words of the bot's.
_NO_VALUES = re.compile(r"\{\w+\}|/\w*")
# The modules of a caller's own steps: everything they can say, the walk's path or not
# (a chat text a spoken variant stands for is left out: the caller hears the variant).
CALLERS_STEPS = (
    "handlers/menu.py",
    "handlers/onboarding.py",
    "handlers/preferences.py",
    "handlers/privacy.py",
    "handlers/privacy_purposes.py",
    "handlers/read_aloud.py",
    "handlers/easy_language.py",
    "handlers/forms/language_choice.py",
    "handlers/ui.py",
    "handlers/refusals.py",
    "handlers/helping/requests_flow.py",
    "handlers/helping/render.py",
    "handlers/helping/door_code.py",
    "handlers/helping/talk_now.py",
    "handlers/helping/bridged_calls.py",
    "handlers/helping/returning.py",
    "handlers/helping/unfinished_request.py",
    "handlers/places/chat.py",
    "handlers/places/render.py",
    "handlers/places/short_lists.py",
    "handlers/events/chat.py",
)
_LETTER = re.compile("[\u0621-\u063a\u0641-\u064a\u0671-\u06d3]")
_SIGN = re.compile("[\u064b-\u0652\u0670]")
_LAST_TANWEEN = re.compile("\u064b(?=ا?$)")
_ARABIC_WORD = re.compile(r"[\u0621-\u065f\u0670-\u06d3]+")


def _sounds(phonemes: str) -> str:
    """``phonemes`` without stress and the signs of a sound's colour."""
    sounds = unicodedata.normalize("NFD", re.sub("[ˈˌ.‿]", "", phonemes))
    return "".join(c for c in sounds if not unicodedata.combining(c))


def _vowels_apart(phonemes: str) -> list[str]:
    """The words of ``phonemes`` with two vowels meeting where Arabic has a consonant
    between them ("ʔuːaːfq" for "أوافق", "liːadʒid" for "لِيَجِد"); "ai" and "au" before a
    consonant are eSpeak NG's diphthongs ("jaum", "bain")."""
    wrong = []
    for word in phonemes.split():
        sounds = re.sub("(.)\\1++", "\\1", _sounds(word).replace("ː", ""))
        if re.search("[iu][aiu]|a[ui](?=[aiu])", sounds):
            wrong.append(word)
    return wrong


def _unvocalised(text: str) -> list[str]:
    """The words of ``text`` (of two letters or more) without a single vowel sign: left
    to the voice's guess."""
    return [
        word
        for word in _ARABIC_WORD.findall(text)
        # The "-an" of "مثلًا" alone is no word's vowels: eSpeak NG guesses the rest.
        if len(_LETTER.findall(word)) > 1
        and not _SIGN.search(_LAST_TANWEEN.sub("", word))
        and word not in AS_WRITTEN
    ]


def _plurals() -> dict[str, str]:
    """The plural message id of each counted message id."""
    with (LOCALES_DIR / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return {m.id[0]: m.id[1] for m in read_po(fp) if isinstance(m.id, tuple)}


async def _walk_further(chat: MemoryTransport) -> None:
    """After the walk of tests/handlers/test_no_chat_words.py: the translation switched on
    and off, every part of the whole notice (the phone's key 3), erasure."""
    for data in ("menu:settings", "tr:on", "tr:off", "menu:settings", "privacy:details"):
        await chat.press(PERSON, data)
    for number in range(2, 20):
        await chat.press(PERSON, f"privacy:details:{number}")
    await chat.press(PERSON, "settings:delete")
    await chat.press(PERSON, "delete:yes")


async def _what_a_caller_meets(db: Database, settings: HandlerSettings, asked) -> list[Markup]:
    """Every Arabic text a caller meets, usual and easy, as the phone's translator gives it
    (placeholders left out), with the door code's texts and key 3's parts whole."""
    settings = replace(settings, translation_rules=TranslationRules("deepl"))
    gazetteer = load_gazetteer("data/dortmund")
    await import_places(db, SAMPLE_PLACES, gazetteer, default_source="sample")
    await import_events(db, SAMPLE_EVENTS, gazetteer=gazetteer)
    chat = MemoryTransport(Dispatcher(db, build_router(), settings), platform="phone")
    await _walk(chat)
    await _walk_further(chat)
    met = {message for on, message in asked if on == Medium.SPOKEN} | set(NAMED)
    # What a caller's own steps can say beyond the walk's path (other answers, states).
    met |= ids_in(CALLERS_STEPS) - {
        chat for (medium, chat) in medium_variants() if medium == Medium.SPOKEN
    }
    # A walk that records little proves nothing.
    assert len(met) > 150, len(met)
    said = [text for _key, text in _what_the_phone_says()]
    plurals = _plurals()
    for easy in (False, True):
        t = translator_for("ar", easy, Medium.SPOKEN)
        said += [Markup(_NO_VALUES.sub("", t.gettext(key))) for key in sorted(met)]
        # Every plural form of a counted text (Arabic has six).
        said += [
            Markup(_NO_VALUES.sub("", t.ngettext(key, plurals[key], n)))
            for key in sorted(met & plurals.keys())
            for n in (0, 1, 2, 3, 11, 100)
        ]
        said += detail_parts(t, settings)
        said += [
            door_code_text(t, "🦊 35", requester=True, partner_name="Vera"),
            door_code_text(t, "🦊 35", requester=False, partner_name="Vera"),
        ]
    return said


async def test_every_word_a_caller_hears_carries_its_vowels(
    db: Database,
    settings: HandlerSettings,
    asked_on_media: set[tuple[str, str]],  # noqa: F811 - the fixture
) -> None:
    """Each Arabic word of each text a caller meets is written with its vowels before the
    voice reads it (no word left to a guess), and eSpeak NG says a vowel where Arabic has
    one."""
    engine = embedded()
    t = translator_for("ar", False, Medium.SPOKEN)
    bare: dict[str, str] = {}
    clusters = []
    said = await _what_a_caller_meets(db, settings, asked_on_media)
    for text in said:
        for part in parts(text, [], t):
            if part.lang != "ar":
                continue
            written = vocalised(part.words)
            bare |= {word: part.words for word in _unvocalised(written)}
            phonemes = await engine.phonemes(written, "ar")
            if words := _clusters(phonemes) + _vowels_apart(phonemes):
                clusters.append((part.words, words))
    assert not bare, f"{len(bare)} words without vowels: {sorted(bare)}"
    assert not clusters, clusters


@pytest.mark.parametrize("word", sorted(AS_WRITTEN))
async def test_a_word_said_right_as_written_is_said_so(word):
    """The few words eSpeak NG says right only without their signs, heard as listed."""
    phonemes = await embedded().phonemes(word, "ar")
    assert _sounds(phonemes) == AS_WRITTEN[word], phonemes


async def test_the_rule_hears_vowels_that_meet():
    # eSpeak NG's phonemes of the consent key and "لِيَجِد" as it said them before.
    assert _vowels_apart("ʔuːˈaːfiq liːˈadʒid") == ["ʔuːˈaːfiq", "liːˈadʒid"]
    assert not _vowels_apart("ʔuwˈaːfiq jˈaum baˌin ʔalħˈaiː lijˈadʒid")


async def test_the_rule_finds_the_words_left_to_a_guess():
    """The words the issue named, as the catalogs write them, are found; with the vowels
    the bot gives them, not."""
    named = ["أنشطة", "بأسرع وقت", "مترجمة", "ستبدأ", "لا تفتح الباب", "أوافق"]
    assert all(_unvocalised(words) for words in named)
    assert not any(_unvocalised(vocalised(words)) for words in named)


@pytest.mark.parametrize(
    "written,heard",
    [
        # Not "tafattaħ" (to blossom): "do not open the door".
        ("لا تفتح الباب", "taftaħ"),
        # The consent key: "I agree", not "ʔuːaːfq".
        ("أوافق", "ʔuwaːfiq"),
        ("أنشطة", "ʔanʃit"),
    ],
)
async def test_the_words_of_the_issue_are_said_right(written, heard):
    phonemes = await embedded().phonemes(written, "ar")
    assert heard in _sounds(phonemes), phonemes


@pytest.mark.parametrize(
    "text,number",
    [
        ("تُحذف بعد 90 يومًا من انتهاء الطلب.", "تسعين"),
        ("وتُحفظ أرقام الرسائل لمدة 30 يومًا.", "ثلاثين"),
        ("تُحذف بعد 22 يومًا.", "اثنين وعشرين"),
        ("خلال 45 دقيقة", "خمس وأربعين"),
        ("يبقى 30 يومًا.", "ثلاثون"),  # no preposition: the nominative
    ],
)
async def test_a_number_takes_the_case_its_preposition_needs(text, number):
    """ "بعد تسعين يومًا", never "بعد تسعون": after a preposition (بعد, لمدة, خلال, في, …)
    a number is in the genitive, its tens "ـين", its two "اثنين"."""
    t = translator("ar", medium="spoken")
    written = _SIGN.sub("", vocalised(script(Markup(text), [], t)))
    assert number in written, written


# Arabic written at run time - a place's name, a relayed message, a request - has no list:
# the diacritiser (bot/speech/diacritiser.py) gives each word without a sign its vowels.
RUN_TIME = [
    "مسجد النور في شارع الحديقة",
    "المركز الثقافي العربي",
    "نادي الشباب في الحي الشمالي",
    "أحتاج مساعدة في حمل المشتريات إلى الطابق الثالث",
    "سأتأخر قليلا، الطريق مزدحم",
    "سأصل بعد عشر دقائق ومعي الحليب",
]


@pytest.mark.parametrize("text", RUN_TIME)
async def test_a_text_written_at_run_time_is_said_with_its_vowels(text):
    # As vocalised, before the spelling eSpeak NG reads best (``for_espeak``).
    written = filled(vocalised(text))
    assert not _unvocalised(written), written
    phonemes = await embedded().phonemes(text, "ar")
    assert not _clusters(phonemes), (written, phonemes)
    # The words as written: only signs were added (a hamza restored on a bare alif).
    assert len(_SIGN.sub("", written)) == len(text)


async def test_a_relayed_message_is_vocalised_where_the_phone_says_it():
    """A relayed Arabic message is its own part of the speech, said in Arabic
    (bot/speech/script.py), and the engine is given its words vocalised."""
    t = translator("ar", medium="spoken")
    text = Markup("Vera:\n│ سأتأخر قليلا، الطريق مزدحم")
    said = [p for p in parts(text, [], t) if "مزدحم" in p.words]
    assert said and said[0].lang == "ar", said
    assert not _clusters(await embedded().phonemes(said[0].words, "ar"))


async def test_the_diacritiser_keeps_what_is_written_with_vowels():
    # A word with its vowels is the writer's: "تَفَتَّحَ" (it blossomed) stays.
    assert "تَفَتَّحَ" in filled("تَفَتَّحَ الورد")
    assert _unvocalised(filled("تَفَتَّحَ الورد")) == []
    assert pausal("الشَّمْسُ") == "الشَمْس"  # eSpeak NG doubles a sun letter itself
    assert pausal("انْتِظَارٌ") == "اِنْتِظَار"
    assert pausal("مَثَلًا") == "مَثَلًا"


async def test_without_the_diacritiser_the_words_stay_as_they_are(monkeypatch):
    def broken(text: str) -> str:
        raise RuntimeError("no model")

    monkeypatch.setattr(diacritiser, "_model", [broken])
    assert filled("مسجد النور") == "مسجد النور"
