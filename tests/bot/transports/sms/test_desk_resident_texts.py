"""A resident a coordinator entered on the desk has data and no consent (issue 62, point 1):
a text with her number as sender - through real Kannel, fakesmsc as the phone network -
is asked about erasing as /delete asks, never told "so far only your language", and
"yes" texts the code to her number instead of erasing her with her request. Each step
waits for events, never for a time."""

from __future__ import annotations

from collections.abc import Callable

from db import Database
from tests.support.sms.city import City, Resident
from tests.support.sms.codes import code_in as _code

GRETA = "+4917622222222"


async def test_no_thanks_from_her_number_erases_a_desk_resident_only_by_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    # Greta as the desk's resident form leaves her (bot/web/desk/phone_residents.py): the
    # number's person, with her name, her language and a request - she never agreed.
    greta = await db.users.seen("phone", GRETA, GRETA, "Greta")
    await db.users.set_language(greta.id, "de")
    request = await db.requests.create(
        greta.id, greta.id, category="shopping", description="Einkauf", state="open"
    )
    sender = Resident(city, GRETA)  # anyone who sets her number as the sender
    await sender.say("Hallo")
    await sender.choose("Nein, danke")
    asked = " ".join(text.text for text in sender.new)
    assert "Alle Ihre Daten" in asked and "bisher nur" not in asked, asked
    await sender.choose("Ja, alles löschen")
    code = _code(sender.new[-1].text)  # texted to her number: only she reads it
    kept = await db.users.get(greta.id)
    assert kept is not None and kept.consent_at is None
    still = await db.requests.get(request.id)
    assert still is not None and still.requester_id == greta.id and still.state == "open"
    # Her own code erases her.
    await sender.say(code)
    assert await db.users.get(greta.id) is None
