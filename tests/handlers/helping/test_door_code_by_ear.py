"""The code word at the door for a resident on the phone or by SMS (issue 64, point 9):
such a resident has no picture - a caller hears "روباه سی و پنج" where the volunteer reads
"🦊 35" and would say "Fuchs fünfunddreißig". Each side is told what the other has, in all
ten languages: the resident (said or texted, easy or usual) that the helper shows a
picture and the number, which is the same in every language, and the number itself; the
volunteer (on taking the request, and on "Write to") the word the resident got in their
language and the number, to show on the screen.

Played through the dispatcher: the volunteer presses the buttons, the resident's messages
are read from the outbox as their transport would say or text them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import bot.transports.registry  # noqa: F401 - the phone's and the SMS's media declared
from db import Database
from handlers.context import Backstage
from handlers.helping import lifecycle
from handlers.helping.render import HEARD_CODE
from handlers.media.door_codes import DOOR_SYMBOLS
from handlers.messages import Command
from handlers.reader import Medium
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.help_story import grant_role_to, press, register_volunteer
from tests.support.memory_transport import MemoryTransport, readable, texts

NUMBER = "+492315550177"
CHAT_ADVICE = (
    "Ask {name} for this code word at the door. Open only if it is right. The code word "
    "works in every language."
)
MEDIA = {"phone": Medium.SPOKEN, "sms": Medium.TEXTED}


async def _matched(story: MemoryTransport, db: Database, platform: str, lang: str, easy: bool):
    """A resident of ``platform`` in ``lang`` asks for help; a volunteer in the next
    language takes it. The request, the volunteer's language and what they read."""
    helper_lang = SUPPORTED_LANGUAGES[(SUPPORTED_LANGUAGES.index(lang) + 1) % 10]
    vera = await register_volunteer(story, db, "vera", "de")
    await db.users.set_language(vera, helper_lang)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", Command("verify", str(vera)))
    resident = (await db.users.arrive(platform, NUMBER, NUMBER)).user
    await db.users.set_language(resident.id, lang)
    async with db.transaction():
        await db.users.set_easy_language(resident.id, easy)
    scene = Backstage(db, story.dispatcher.settings)
    async with db.transaction():
        request = await lifecycle.submit(
            scene,
            await db.users.get(resident.id),
            {
                "category": "shopping",
                "description": "Einkauf am Nordmarkt",
                "stadtbezirk": "Innenstadt-Nord",
                "lat": 51.523,
                "lon": 7.456,
                "languages": ("de",),
            },
        )
    await story.flush()
    await story.in_group("cora", press(f"mod:ok:{request.id}"))
    await story.flush()
    said = texts(await story.press("vera", f"mt:acc:{request.id}"))
    request = await db.requests.get(request.id)
    assert request is not None and request.state == "matched"
    return request, helper_lang, said


async def _resident_read(db: Database, platform: str) -> list[str]:
    later = datetime.now(UTC) + timedelta(days=1)
    items = await db.outbox.waiting(platform, NUMBER, later)
    return [readable(str(item.payload.get("text", ""))) for item in items]


def _after_the_code(text: str) -> str:
    """A door code message without its first line (the code itself: "🔐 🦊 35")."""
    return text.split("\n", 1)[1]


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize(("platform", "easy"), [("phone", True), ("phone", False), ("sms", False)])
async def test_each_side_is_told_what_the_other_has(
    story: MemoryTransport, db: Database, lang: str, platform: str, easy: bool
):
    request, helper_lang, said = await _matched(story, db, platform, lang, easy)
    symbol, number = request.door_code.split(" ")
    medium = MEDIA[platform]
    # The resident: the number in their own words' digits, and what the helper shows.
    theirs = translator(lang, easy=easy, medium=medium.value)
    (code_message,) = [text for text in await _resident_read(db, platform) if "🔐" in text]
    advice = _after_the_code(code_message)
    assert theirs.gettext(CHAT_ADVICE) != translator(lang, easy=easy).gettext(CHAT_ADVICE)
    if easy:  # a caller's easy texts have their own form of it
        usual = translator(lang, medium=medium.value).gettext(CHAT_ADVICE)
        assert theirs.gettext(CHAT_ADVICE) != usual
    assert readable(str(theirs.number(int(number)))) in advice, (lang, advice)
    helper = (await db.users.find("memory", "vera")).first_name
    expected = theirs.t(CHAT_ADVICE, name=helper, number=int(number))
    assert readable(str(expected)) in advice
    # The volunteer: the word the resident got, in the resident's language, and the number.
    word = theirs.gettext(DOOR_SYMBOLS[symbol])
    mine = translator(helper_lang)
    resident = mine._("Resident")
    told = readable(str(mine.t(HEARD_CODE[medium], name=resident, word=word, number=int(number))))
    assert told in said, (lang, said)
    assert word in told and readable(str(mine.number(int(number)))) in told
    chat_form = mine.t(
        "Show or say this code word at the door, so that {name} knows it is you.",
        name=resident,
    )
    assert readable(str(chat_form)) not in said
    # "Write to" shows the code again, told the same way.
    again = texts(await story.press("vera", f"rl:to:{request.id}"))
    assert told in again and request.door_code in again
