"""Two coordinators change one event at once: the second save, from a form shown before the
first, does not undo the first (the moved time put back, followers told a wrong time) - it is
refused, saying so, what was typed kept and the event as it is now shown. Through the real web
server and the chat's login link, each coordinator in a browser of their own."""

from __future__ import annotations

import html as markup
import re
from datetime import datetime, timedelta

from db.events import Event
from locales import TIMEZONE
from tests.support.desk_client import at_the_desk, audited


def _form(page: str) -> dict[str, str]:
    """The event form's fields as a browser sends them, untouched."""
    form = re.search(r'<form [^>]*id="event-form">(.*?)</form>', page, re.S)
    assert form, "the event's form is shown"
    body = form.group(1)
    inputs = r'<input type="\w+" (?:id="[\w-]+" )?name="(\w+)"[^>]*?value="([^"]*)"'
    fields = dict(re.findall(inputs, body))
    fields.update(re.findall(r'<textarea [^>]*name="(\w+)"[^>]*>([^<]*)</textarea>', body))
    fields["repeat"] = re.findall(r'<option value="(\w+)" selected>', body)[0]
    fields.pop("csrf", None)
    return {key: markup.unescape(value) for key, value in fields.items()}


async def test_a_save_from_a_form_shown_before_a_colleagues_change_is_refused(db, site, web_chat):
    _site, base = site
    start = (datetime.now(TIMEZONE) + timedelta(days=7)).replace(
        hour=14, minute=0, second=0, microsecond=0, tzinfo=None
    )
    event_id, _, _ = await db.events.upsert(
        Event(
            uid="desk-meanwhile",
            title="Nachbarschaftsfest",
            starts_local=start.isoformat(timespec="minutes"),
            address="Nordmarkt",
            duration_minutes=180,
            source="test",
        )
    )
    url = f"/desk/events/{event_id}"
    async with (
        at_the_desk(web_chat, db, base, "cora") as cora,
        at_the_desk(web_chat, db, base, "carl") as carl,
    ):
        _status, cora_page = await cora.get(url)
        _status, carl_page = await carl.get(url)
        assert 'name="was"' in carl_page
        status, page = await cora.post(
            url, {**_form(cora_page), "start_time": "16:00", "end_time": "19:00"}
        )
        assert status == 200 and "were told" in page, page
        # Carl, his form still showing 14:00, changes the title only.
        status, page = await carl.post(url, {**_form(carl_page), "title_de": "Straßenfest"})
        assert status == 409, page
        assert f"Event #{event_id} was changed meanwhile. Nothing was saved" in page
        assert 'value="Straßenfest"' in page  # what Carl typed, kept
        now = re.search(r'<dl id="event-now">(.*?)</dl>', page, re.S)
        assert now and "16:00" in now.group(1)  # the event as it is now
        event = await db.events.get(event_id)
        assert event.title == "Nachbarschaftsfest" and event.starts_local.endswith("T16:00")
        # Saved again from the form as it is now: taken, Cora's time kept.
        _status, carl_page = await carl.get(url)
        status, page = await carl.post(url, {**_form(carl_page), "title_de": "Straßenfest"})
        assert status == 200 and "were told" in page, page
    event = await db.events.get(event_id)
    assert event.title == "Straßenfest" and event.starts_local.endswith("T16:00")
    assert (await audited(db, carl.user_id)).count("desk.event.edit") == 1
