"""A text at a certificate's check ("Send this to the coordinators?") is refused with Send
and Change under the refusal, not only Cancel (from a black-box pass at the console):
numbered choices press only the newest message's, so after "👆 Please use the buttons
above." a "1" meant for Send pressed the refusal's one button, Cancel, and the name and date
of birth given were gone."""

from __future__ import annotations

from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.settings import HandlerSettings, Organisation
from tests.support.terminal import Terminal, state_at_console

SETTINGS = HandlerSettings(
    organisation=Organisation("FreiwilligenAgentur Dortmund", ("Königswall 25", "44137 Dortmund"))
)


async def test_a_text_at_the_check_keeps_send_and_the_answers(db: Database):
    dispatcher = Dispatcher(db, build_router(), SETTINGS)
    term = Terminal(dispatcher, db)
    await term.type(":as oksana", "/start")
    await term.press("lang:uk")
    await term.press("consent:yes")
    for data in ("menu:volunteer", "vo:reg", "vo:bz:Innenstadt-Nord", "vo:area-done", "vo:nopt"):
        await term.press(data)
    for data in ("vo:cat:shopping", "vo:cats-done", "vo:lang:ar", "vo:langs-done", "vo:max:2"):
        await term.press(data)
    await term.type("/start")
    await term.press("menu:volunteer")
    await term.press("ce:home")
    await term.press("ce:new:conduct")
    await term.type("Оксана Коваленко", "17.03.1990")
    assert await state_at_console(dispatcher, "oksana") == "cert.check"
    assert "[1]" in await term.type("так")
    assert await state_at_console(dispatcher, "oksana") == "cert.check"
    # The typed 1 is Send: the name and date given are sent, not dropped.
    await term.type("1")
    assert await state_at_console(dispatcher, "oksana") is None
    oksana = await db.users.find("console", "oksana")
    assert oksana is not None
    [asked] = await db.certificates.of_user(oksana.id)
    answers = ("conduct", "Оксана Коваленко", "1990-03-17")
    assert (asked.kind, asked.name, asked.birth_date) == answers
