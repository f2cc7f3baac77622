"""The desk holds a description to what the chat holds it to (issue 77 follow-up, INPUT2):
the city's ``max_text_length`` where it is lower than the step's own (a request's text
1,000 - router.written_limit; an event's description 1,000 - events/fields.description_limit),
and refuses a longer one with a clear message, the typed text kept in the form - also when
the form is sent without the browser's maxlength, as here. Before, the queue took a
1,000-character text where the city keeps 500, and an event's description was cut short
without a word. Over HTTP, the real desk (tests/support/desk_client.py)."""

from __future__ import annotations

from html import unescape

from db import Database
from db.statements import fetch_all
from handlers.events import fields
from handlers.helping import lifecycle
from locales import translator
from tests.bot.web.desk.test_events import _event_form
from tests.support.desk_client import at_the_desk
from tests.support.memory_transport import MemoryTransport

TEXT = "Brot und Milch aus dem Supermarkt, bitte"


async def test_a_corrected_text_over_the_citys_limit_is_refused_and_kept(
    db: Database, site, web_chat: MemoryTransport
):
    served, base = site
    most = served.settings.max_text_length  # 500: below the 1,000 a request keeps
    await web_chat.onboard("amira", "de")
    amira = await db.users.find("memory", "amira")
    request = await db.requests.create(amira.id, amira.id, category="shopping", description=TEXT)
    typed = ("Bitte Milch, Brot und Butter vom Markt. " * 30)[: most + 1]
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.post(f"/desk/queue/{request.id}/edit", {"text": typed})
        assert status == 409
        assert lifecycle.written(TEXT, most)  # a text within the limit is taken
        assert str(translator("en").t(lifecycle.WRITE_BETWEEN, low=1, high=most)) in html
        assert typed in unescape(html)  # the typed text is back in the form
        assert f'maxlength="{most}"' in html
        stored = await db.requests.get(request.id)
        assert stored is not None and stored.description == TEXT
        status, _html = await desk.post(f"/desk/queue/{request.id}/edit", {"text": typed[:most]})
        assert status == 200
        stored = await db.requests.get(request.id)
        assert stored is not None and stored.description == typed[:most].strip()


async def test_an_event_description_too_long_is_refused_not_cut(
    db: Database, site, web_chat: MemoryTransport
):
    served, base = site
    most = fields.description_limit(served.settings.max_text_length)
    typed = ("Deutsch üben bei Kaffee und Kuchen am Nordmarkt. " * 30)[: most + 1]
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.post(
            "/desk/events/new",
            _event_form(address="Nordmarkt 1, Dortmund", description_de=typed),
        )
        assert status == 422
        said = translator("en").t(fields.DESCRIPTION_PROBLEM, high=most)
        assert str(said) in html
        assert typed in unescape(html)
        assert await fetch_all(db.transactions, "SELECT description FROM events") == []
        status, _html = await desk.post(
            "/desk/events/new",
            _event_form(address="Nordmarkt 1, Dortmund", description_de=typed[:most]),
        )
        assert status == 200
        rows = await fetch_all(db.transactions, "SELECT description FROM events")
        assert [row[0] for row in rows] == [typed[:most].strip()]
