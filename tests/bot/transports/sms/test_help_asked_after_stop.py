"""A help she asks for by text after STOP is hers to hear of: through Kannel, a resident
sends STOPP (СТОП in Russian), later asks for help by text (her answers still come: she
asked), and the bot promises "Wir sagen Ihnen Bescheid". Its notices go as those of a help
under way at a STOP (bot/transports/sms/store.py ``keep_help``); before, they were given up
for good and she never learnt that a helper was found. What the bot starts unasked still
does not go."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from markupsafe import Markup

from db import Database
from handlers.messages import Message, encode
from locales import language_name, translator
from tests.support.help_story import grant_role_to, press, register_volunteer
from tests.support.sms.city import City, Resident, write_request
from tests.support.sms.codes import code_in

GRETA = "+4917622222222"
# Her language, her greeting, STOP in it, her request, and a word of the answer to its code
# (German: its promise to tell her; the Russian one says it after "0").
TOLD = [
    ("de", "Hallo", "STOPP", "Ich brauche Hilfe beim Einkaufen am Dienstag", "Bescheid"),
    ("ru", "Здравствуйте", "СТОП", "Мне нужна помощь с покупками во вторник", "проверяется"),
]


@pytest.mark.parametrize(("lang", "greeting", "stop", "need", "promise"), TOLD, ids=["de", "ru"])
async def test_the_notices_of_a_help_asked_after_stop_reach_her(
    make_city: Callable[..., object],
    db: Database,
    lang: str,
    greeting: str,
    stop: str,
    need: str,
    promise: str,
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    greta = Resident(city, GRETA)
    await greta.say(greeting)
    await greta.choose(language_name(lang))
    await greta.choose(translator(lang)._("I agree"))
    user = await db.users.find("sms", GRETA)
    assert user is not None and user.language == lang
    person = user.id
    await greta.say(stop)
    assert ("СТАРТ" if lang == "ru" else "START") in greta.new[-1].text
    # Nothing she asked for: still given up (the outbox's, as any notice).
    queued = await db.outbox.enqueue(
        "sms", GRETA, encode(Message(Markup("Erinnerung: Sommerfest")))
    )
    await city.flush()
    state = await db.outbox.state(queued)
    assert state is not None and not state[1] and state[2]

    asked = await write_request(greta, need, lang)
    await greta.say(code_in(asked))
    assert promise in greta.new[-1].text, greta.new[-1].text
    (request,) = await db.requests.for_requester(person)
    story = city.story
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, vera)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    before = len(greta.texts)
    await story.in_group("cora", press(f"mod:ok:{request.id}"))
    await city.flush()
    await story.press("vera", f"mt:acc:{request.id}")
    await city.flush()
    matched = await db.requests.get(request.id)
    assert matched is not None and matched.state == "matched"
    told = "\n".join(text.text for text in greta.texts[before:])
    assert "Vera" in told, told
    assert "Sommerfest" not in "\n".join(text.text for text in greta.texts)
