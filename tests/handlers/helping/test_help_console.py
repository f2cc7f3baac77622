"""The help story played in the console with ``:as`` and ``:group``, as in ``make demo``."""

from __future__ import annotations

from dataclasses import replace

from bot.transports.console import BACKCHANNEL
from db import Database
from handlers.dispatcher import Dispatcher
from tests.support.terminal import Terminal


async def test_story_in_the_console(dispatcher: Dispatcher, db: Database):
    dispatcher.settings = replace(
        dispatcher.settings, backchannels=frozenset({("console", BACKCHANNEL)})
    )
    term = Terminal(dispatcher, db)
    cora = await db.users.seen("console", "cora", "cora", "Cora")
    await db.users.grant_role(cora.id, "coordinator")

    # Vera registers as a volunteer; Cora verifies her.
    await term.volunteers("vera")

    # Amira asks for help in Arabic.
    await term.started("amira", "ar")
    shown = await term.asks("أحتاج مساعدة في التسوق")
    assert f"[{BACKCHANNEL}]" in shown  # the post appears in the coordinators' group

    # Cora publishes it from the group; Amira and Vera are told (printed with their names).
    await term.type(":as cora", ":group")
    shown = await term.press("mod:ok:")
    assert "[amira]" in shown and "[vera]" in shown
    amira = await db.users.find("console", "amira")
    request = (await db.requests.for_requester(amira.id))[0]
    assert request.state == "open"

    await term.type(":as vera")
    shown = await term.press("mt:acc:")
    assert "[amira]" in shown and "vera" in shown
    assert (await db.requests.get(request.id)).state == "matched"
    shown = await term.type("Bis gleich!")
    assert "[amira]" in shown and "Bis gleich!" in shown
    await term.type(":as amira")
    await term.press("rl:done:")  # asked once
    shown = await term.press("rl:doney:")
    assert "[vera]" in shown
    assert (await db.requests.get(request.id)).state == "done"


async def test_edit_delete_and_undo_in_the_console(dispatcher: Dispatcher, db: Database):
    from tests.support.help_story import matched_at_console
    from tests.support.memory_transport import readable as without_isolates

    def readable(text: str) -> str:
        return without_isolates(text).replace("\u200e", "")

    term = Terminal(dispatcher, db)
    await matched_at_console(term, db, dispatcher.settings, "amira:de", "vera:de")
    await term.type(":as amira")

    shown = readable(await term.type("Bitte Milch"))
    assert "[vera] 💬 amira: │ Bitte Milch" in shown
    assert "» ✓ 👌" in shown
    shown = readable(await term.type(":edit Bitte Hafermilch"))
    assert "[vera] ✏️ amira: │ Bitte Hafermilch" in shown
    shown = readable(await term.type(":delete"))
    assert "[vera] 🗑 💬 amira: │ Bitte Milch" in shown and "↩️" in shown
    shown = readable(await term.type("Zweite Nachricht", "/undo"))
    assert "[vera] 🗑 💬 amira: │ Zweite Nachricht" in shown
    shown = readable(await term.type("/undo"))
    assert "🗑" not in shown and "ℹ️" in shown  # nothing left to take back
    assert (await db.fetch_all("SELECT COUNT(*) FROM relay_messages"))[0][0] == 0


async def test_when_nobody_says_yes_in_the_console(dispatcher: Dispatcher, db: Database):
    # docs/console.md, "When nobody says yes": a "no" lowers the guesses, never to nobody;
    # "offer again" with nobody left says so plainly.
    dispatcher.settings = replace(
        dispatcher.settings, backchannels=frozenset({("console", BACKCHANNEL)})
    )
    term = Terminal(dispatcher, db)
    cora = await db.users.seen("console", "cora", "cora", "Cora")
    await db.users.grant_role(cora.id, "coordinator")
    # Cora reads German: the group answers her in her language (the console's hint, Arabic,
    # while she has chosen none).
    await db.users.set_language(cora.id, "de")

    async def asks(name: str) -> tuple[int, str]:
        person = await term.started(name, "de")
        await term.asks("Ich brauche Hilfe beim Einkaufen")
        await term.type(":as cora", ":group")
        shown = await term.press("mod:ok:")
        return (await db.requests.for_requester(person.id))[0].id, shown

    await term.volunteers("vera")
    first, shown = await asks("amira")
    assert "[vera]" in shown and f"#{first}" in shown
    await term.type(":as vera")
    await term.press(f"mt:dec:{first}")
    shown = await term.type(":as cora", ":group", f"/offer {first}")
    assert f"Niemand mehr, dem wir #{first} jetzt anbieten können" in shown
    shown = await term.volunteers("ben")
    assert "[ben]" in shown and f"#{first}" in shown  # confirmed: offered at once
    await term.type(":as ben")
    await term.press(f"mt:dec:{first}")
    second, shown = await asks("bernd")
    assert "[vera]" in shown and "[ben]" in shown and f"#{second}" in shown
