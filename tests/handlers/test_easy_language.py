"""Easy language (handlers/easy_language.py): the toggle, the reader's translator with its
fallback, what coordinators see, and how much shorter the easy screens are in German and
Arabic: words shown and said, and read-aloud seconds with the embedded eSpeak NG."""

from __future__ import annotations

import pytest

from bot.speech.engines import embedded
from bot.speech.script import parts
from db import Database
from handlers.messages import Message, Outgoing
from handlers.places import chat as places_chat
from handlers.read_aloud import spoken
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.easy_measure import WEDNESDAY_NOON, word_count
from tests.support.memory_transport import MemoryTransport, button_data, messages
from tests.support.places_sample import import_sample


def words(out: list[Outgoing]) -> int:
    """The words a person meets: each message's text and its buttons' labels."""
    shown = [str(m.text) for m in messages(out)]
    shown += [b.label for m in messages(out) for row in m.buttons for b in row]
    return word_count(" ".join(shown))


def said_words(out: list[Outgoing], lang: str) -> int:
    """The words read aloud: what read aloud says of each message (text and labels)."""
    total = 0
    for item in messages(out):
        speech = spoken(item, lang)
        assert speech is not None
        total += word_count(" ".join([str(speech.text), *speech.labels]))
    return total


async def test_the_toggle_persists_and_easy_texts_fall_back_to_the_normal_ones(
    chat: MemoryTransport, db: Database
):
    await chat.onboard("lena", "de")
    screen = await chat.press("lena", "menu:settings")
    assert "easy:on" in button_data(screen)
    out = await chat.press("lena", "easy:on")
    assert (await db.users.find("memory", "lena")).easy_language
    assert "easy:off" in button_data(out)
    menu = await chat.text("lena", "/menu")
    assert "🏠 <b>Menü</b>" in [str(m.text) for m in messages(menu)]
    easy, normal = translator("de", easy=True), translator("de")
    assert easy._("Find a place") == "Orte" and normal._("Find a place") == "Ort finden"
    # Without an easy variant: the normal text.
    assert easy._("Change language") == normal._("Change language") != "Change language"
    await chat.press("lena", "easy:off")
    assert not (await db.users.find("memory", "lena")).easy_language
    menu = await chat.text("lena", "/menu")
    assert "Hauptmenü" in str(messages(menu)[0].text)


async def said_seconds(out: list[Outgoing], lang: str) -> float:
    """How long read aloud speaks: each message's spoken words, as the chat's voice says
    them (bot/speech/script.py parts, in the voices the embedded eSpeak NG has), its audio's
    length (the same words give the same samples, whatever the machine's speed)."""
    engine = embedded()
    voices = await engine.languages(SUPPORTED_LANGUAGES)
    total = 0.0
    for item in messages(out):
        speech = spoken(item, lang)
        assert speech is not None
        for part in parts(str(speech.text), list(speech.labels), translator(lang), voices):
            total += (await engine.speak(part.words, part.lang)).seconds
    return total


async def _screens(chat: MemoryTransport, who: str, lang: str, easy: bool) -> list[Outgoing]:
    """The main menu, the privacy notice, the places near 44137 and the help request's
    first steps."""
    await chat.onboard(who, lang)
    if easy:
        await chat.press(who, "easy:on")
    out = await chat.text(who, "/menu")
    out += [m for m in await chat.text(who, "/privacy") if isinstance(m, Message)][:1]
    await chat.press(who, "menu:places")
    out += await chat.text(who, "44137")
    await chat.press(who, "hr:new")
    out += await chat.press(who, "hr:cat:shopping")
    out += await chat.text(who, "Ich brauche Hilfe beim Einkaufen am Montag")
    return out


async def test_easy_screens_have_at_most_half_the_words_and_60_percent_said(
    chat: MemoryTransport, db: Database, monkeypatch: pytest.MonkeyPatch
):
    """Measured on 2026-11-25 (the sample places at Wednesday 11:30, eSpeak NG at 150 words
    a minute), normal → easy: German 212 → 100 words shown (47 %), 212 → 100 said;
    Arabic 196 → 92 words (47 %), after the native-speaker review of issue 56 put back what
    the easy texts had lost (95 and 87 before it). These screens are a part of the walk;
    issue 56's goal of 45 % is for the whole walk, every help step included, and is
    measured in all ten languages by tests/handlers/test_easy_walk.py. (2026-11-24, before
    issue 56's fuller privacy notice and description warning: German 214 → 89, Arabic
    199 → 81.) Without the easy reader's short list of
    places (tried at 01c25c9) German stays at 147 words and 134.7 s (82 %): the short list
    is most of the difference."""
    await import_sample(db)
    # The places' open or closed lines at one fixed moment, not at whatever hour tests run.
    monkeypatch.setattr(places_chat, "_now", lambda: WEDNESDAY_NOON)
    for lang in ("de", "ar"):
        normal = await _screens(chat, f"normal-{lang}", lang, easy=False)
        easy = await _screens(chat, f"easy-{lang}", lang, easy=True)
        shown = (words(normal), words(easy))
        said = (said_words(normal, lang), said_words(easy, lang))
        seconds = (await said_seconds(normal, lang), await said_seconds(easy, lang))
        print(lang, "words", shown, "said", said, "seconds", seconds)
        # Half for these screens; 45 % for the whole walk (test_easy_walk.py).
        assert shown[1] <= 0.5 * shown[0], (lang, shown)
        assert said[1] <= 0.5 * said[0], (lang, said)
        assert seconds[1] <= 0.6 * seconds[0], (lang, seconds)


async def test_coordinators_see_that_a_requester_uses_easy_language(
    story: MemoryTransport, db: Database
):
    from tests.support.help_story import GROUP, post_request

    tag = str(translator("de").t("🟢 Uses easy language"))
    assert tag == "🟢 Nutzt Leichte Sprache"
    await story.onboard("amira", "ar")
    await story.press("amira", "easy:on")
    easy_id = await post_request(story, "amira")
    usual_id = await post_request(story, "bilal", "de", "Wer trägt meine Kisten am Freitag?")
    await story.flush()
    posts: dict[int, list[str]] = {easy_id: [], usual_id: []}
    for post in messages(story.inbox[GROUP]):
        heading = str(post.text).splitlines()[0]
        for request_id in posts:
            if f"#{request_id}<" in heading:
                posts[request_id].append(str(post.text))
    # The review post of the easy reader's request carries the tag, the other one does not.
    assert posts[easy_id] and all(tag in post for post in posts[easy_id])
    assert posts[usual_id] and not any(tag in post for post in posts[usual_id])
