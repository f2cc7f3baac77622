"""Measuring the easy-language screens (issues 43, 56): the same moment of the week for the
places' open or closed lines, words counted the same way whether they come from the
messages a chat got or from what the console printed, and the easy reader's walk through
the in-memory chat (the main menu, the privacy notice, the places near a postcode and every
step of a help request), as an easy and as a usual reader meets it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.messages import Outgoing
    from tests.support.memory_transport import MemoryTransport

# Wednesday, 11:30 in Dortmund: the places answer at one moment of the week.
WEDNESDAY_NOON = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
_TAG = re.compile(r"<[^>]+>")


def word_count(text: str) -> int:
    """The words of ``text`` (markup left out): what has a letter or a digit."""
    return sum(1 for w in _TAG.sub(" ", text).split() if re.search(r"\w", w))


# What each one asks for help with, in their language (the description step).
DESCRIPTIONS = {
    "de": "Ich brauche Hilfe beim Einkaufen am Montag",
    "en": "I need help with shopping on Monday",
    "ar": "أحتاج مساعدة في التسوق يوم الاثنين",
    "tr": "Pazartesi alışverişte yardıma ihtiyacım var",
    "uk": "Мені потрібна допомога з покупками в понеділок",
    "ru": "Мне нужна помощь с покупками в понедельник",
    "ro": "Am nevoie de ajutor la cumpărături luni",
    "bg": "Трябва ми помощ с пазаруването в понеделник",
    "pl": "Potrzebuję pomocy przy zakupach w poniedziałek",
    "fa": "برای خرید روز دوشنبه کمک لازم دارم",
}


async def walk(chat: MemoryTransport, who: str, lang: str, easy: bool) -> dict[str, list[Outgoing]]:
    """``who``'s screens, by name: the main menu, the privacy notice, the places near 44137
    (the question and the answer) and every step of a help request up to its summary -
    shopping, the description, where (44137), as soon as possible, the languages (an easy
    reader: their own only; a usual one: Done with their own ticked)."""
    from handlers.messages import Message
    from tests.support.memory_transport import button_data

    await chat.onboard(who, lang)
    if easy:
        await chat.press(who, "easy:on")
    screens: dict[str, list[Outgoing]] = {"menu": await chat.text(who, "/menu")}
    notice: list[Outgoing] = [m for m in await chat.text(who, "/privacy") if isinstance(m, Message)]
    screens["privacy"] = notice[:1]
    screens["places: where"] = await chat.press(who, "menu:places")
    screens["places"] = await chat.text(who, "44137")
    screens["step: category"] = await chat.press(who, "hr:new")
    screens["step: description"] = await chat.press(who, "hr:cat:shopping")
    screens["step: where"] = await chat.text(who, DESCRIPTIONS[lang])
    screens["step: when"] = await chat.text(who, "44137")
    screens["step: languages"] = await chat.press(who, "hr:when:asap")
    done = "hr:lang-only" if easy else "hr:langs-done"
    assert done in button_data(screens["step: languages"]), (lang, easy)
    screens["step: summary"] = await chat.press(who, done)
    assert "hr:send" in button_data(screens["step: summary"]), (lang, easy)
    return screens


def shown(out: list[Outgoing]) -> str:
    """What a reader meets of ``out``: each message's text and its buttons' labels."""
    from tests.support.memory_transport import messages

    parts = [str(m.text) for m in messages(out)]
    parts += [b.label for m in messages(out) for row in m.buttons for b in row]
    return "\n".join(parts)
