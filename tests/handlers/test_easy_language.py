"""Easy language (handlers/easy_language.py): the toggle, the reader's translator with its
fallback, and how much shorter the easy screens are, in German and Arabic."""

from __future__ import annotations

import re

from db import Database
from handlers.messages import Message, Outgoing
from handlers.read_aloud import spoken
from locales import translator
from tests.support.memory_transport import MemoryTransport, button_data, messages

_TAG = re.compile(r"<[^>]+>")


def words(out: list[Outgoing]) -> int:
    """The words a person meets: each message's text and its buttons' labels."""
    shown = [str(m.text) for m in messages(out)]
    shown += [b.label for m in messages(out) for row in m.buttons for b in row]
    return sum(1 for w in _TAG.sub(" ", " ".join(shown)).split() if re.search(r"\w", w))


def said_words(out: list[Outgoing], lang: str) -> int:
    """The words read aloud: what read aloud says of each message (text and labels)."""
    total = 0
    for item in messages(out):
        speech = spoken(item, lang)
        assert speech is not None
        text = _TAG.sub(" ", " ".join([str(speech.text), *speech.labels]))
        total += sum(1 for w in text.split() if re.search(r"\w", w))
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


async def _screens(chat: MemoryTransport, who: str, lang: str, easy: bool) -> list[Outgoing]:
    """The main menu, the privacy notice and the help request's first steps."""
    await chat.onboard(who, lang)
    if easy:
        await chat.press(who, "easy:on")
    out = await chat.text(who, "/menu")
    out += [m for m in await chat.text(who, "/privacy") if isinstance(m, Message)][:1]
    await chat.press(who, "hr:new")
    out += await chat.press(who, "hr:cat:shopping")
    out += await chat.text(who, "Ich brauche Hilfe beim Einkaufen am Montag")
    return out


async def test_easy_screens_have_half_the_words_and_at_most_60_percent_said(
    chat: MemoryTransport,
):
    for lang in ("de", "ar"):
        normal = await _screens(chat, f"normal-{lang}", lang, easy=False)
        easy = await _screens(chat, f"easy-{lang}", lang, easy=True)
        shown, said = (
            (words(normal), words(easy)),
            (said_words(normal, lang), said_words(easy, lang)),
        )
        print(lang, "words normal/easy", shown, "said normal/easy", said)
        assert shown[1] * 2 <= shown[0], (lang, shown)
        assert said[1] <= 0.6 * said[0], (lang, said)


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
