"""The desk's event title fields let a browser type exactly what the title's rule accepts
(the rule in handlers/events/fields.py): a title as long as the field's maxlength is
published, one character more is refused; as short as its minlength is published, one less
is refused. Over HTTP, the real desk."""

from __future__ import annotations

import re

from tests.bot.web.desk.test_events import _count, _event_form
from tests.support.desk_client import at_the_desk

_FIELD = re.compile(r'<input[^>]*name="(title_de|title_local)"[^>]*>')


def _bounds(tag: str) -> tuple[int, int]:
    low = re.search(r'minlength="(\d+)"', tag)
    high = re.search(r'maxlength="(\d+)"', tag)
    assert low and high, tag
    return int(low.group(1)), int(high.group(1))


async def test_the_title_fields_follow_the_titles_rule(db, site, web_chat):
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        status, html = await desk.get("/desk/events/new")
        assert status == 200
        fields = {
            name: _bounds(match.group(0))
            for match in _FIELD.finditer(html)
            for name in [match.group(1)]
        }
        assert set(fields) == {"title_de", "title_local"}
        for name, (low, high) in fields.items():
            for length, accepted in (
                (high, True),
                (high + 1, False),
                (low, True),
                (low - 1, False),
            ):
                before = await _count(db)
                title = ("Sprachcafé-am-Nordmarkt-" * 20)[:length]  # no blank at an end
                status, _page = await desk.post(
                    "/desk/events/new",
                    _event_form(address="Nordmarkt 1, Dortmund", **{name: title}),
                )
                assert (await _count(db) == before + 1) is accepted, (name, length, status)
