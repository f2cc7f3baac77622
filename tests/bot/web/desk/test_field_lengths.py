"""The desk's text fields let a browser type exactly what their rule accepts: a value as
long as the field's maxlength is taken, one character more is refused (a form sent without
the browser's maxlength), the text kept. Found in a black-box pass: the place form's name
field took 500 characters where the name's rule takes 120 - a coordinator typed on, saved,
and only then was refused. Over HTTP, the real desk; the event titles are
test_event_title_length.py's."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from handlers.events import fields as events
from handlers.places import fields as places
from handlers.settings import HandlerSettings
from tests.bot.web.desk.test_certificates import ORGANISATION, _volunteer_who_helped
from tests.bot.web.desk.test_events import _count, _event_form
from tests.bot.web.desk.test_phone_residents import _entered
from tests.bot.web.desk.test_places import _form, _multi, _place
from tests.support.desk_client import at_the_desk


@pytest.fixture
def settings(settings: HandlerSettings) -> HandlerSettings:
    """The tests' city, its certificates set up."""
    return replace(settings, organisation=ORGANISATION)


def _longest(page: str, name: str) -> int:
    """The maxlength of the page's field ``name``."""
    tag = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', page)
    assert tag, name
    found = re.search(r'maxlength="(\d+)"', tag.group(0))
    assert found, tag.group(0)
    return int(found.group(1))


def _written(start: str, length: int, end: str = "") -> str:
    """``length`` characters: ``start`` repeated, then ``end`` - no blank before ``end``
    nor at the ends, which the rules would drop."""
    body = (start * length)[: length - len(end)]
    return (body[:-1] + "x" if body.endswith(" ") else body) + end


async def test_the_place_forms_name_and_address_follow_their_rule(db, site, web_chat):
    _site, base = site
    place_id = await _place(db)
    async with at_the_desk(web_chat, db, base) as desk:
        for field, write in (
            ("name", lambda n: _written("Treff-Nordmarkt-", n)),
            ("address", lambda n: _written("Mallinckrodtstraße", n, " 2, 44145")),
        ):
            _status, page = await desk.get(f"/desk/places/{place_id}")
            high = _longest(page, field)
            values = _form(page)
            too_long = write(high + 1)
            status, page = await desk.post(
                f"/desk/places/{place_id}", _multi({**values, field: too_long}, desk.csrf)
            )
            assert status == 422 and f'id="error-{field}"' in page, (field, high, status)
            assert html.escape(too_long) in page  # kept to correct
            status, page = await desk.post(
                f"/desk/places/{place_id}", _multi({**values, field: write(high)}, desk.csrf)
            )
            assert status == 200 and f'id="error-{field}"' not in page, (field, high)
    place = await db.places.get(place_id)
    assert len(place.name) == _longest(page, "name")
    assert place.postcode == "44145" and place.housenumber == "2"


async def test_the_event_forms_address_follows_its_rule(db, site, web_chat):
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        _status, page = await desk.get("/desk/events/new")
        high = _longest(page, "address")
        for length, accepted in ((high + 1, False), (high, True)):
            before = await _count(db)
            address = _written("Nordmarkt-", length, " 1")
            status, page = await desk.post("/desk/events/new", _event_form(address=address))
            assert (await _count(db) == before + 1) is accepted, (length, status)


async def test_the_certificate_forms_fields_follow_their_rule(db, site, web_chat):
    _site, base = site
    vera = await _volunteer_who_helped(db, "Vera")
    number = await db.certificates.ask(vera, "conduct", "Vera Müller", "1990-03-17", "de")
    async with at_the_desk(web_chat, db, base) as desk:
        _status, page = await desk.get(f"/desk/certificates/{number}")
        highest = {
            field: _written("Hausaufgabenhilfe ", _longest(page, field))
            for field in ("signer_name", "signer_role", "activity")
        }
        for field, high in highest.items():
            too_long = {**highest, field: high + "x", "basis": "minors"}
            status, page = await desk.post(f"/desk/certificates/{number}/sign", too_long)
            assert status == 409 and 'id="certificate-error"' in page, field
        assert (await db.certificates.get(number)).state == "asked"
        status, page = await desk.post(
            f"/desk/certificates/{number}/sign", {**highest, "basis": "minors"}
        )
        assert status == 200 and 'id="certificate-error"' not in page
    signed = await db.certificates.get(number)
    assert signed.state == "issued" and signed.signer_name == highest["signer_name"]


async def test_the_phone_residents_name_follows_its_rule(db, site, web_chat):
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        request_id = await _entered(db, desk.user_id)
        _status, page = await desk.get(f"/desk/requests/{request_id}")
        high = _longest(page, "first_name")
        for length, status_then in ((high + 1, 422), (high, 200)):
            status, page = await desk.post(
                f"/desk/requests/{request_id}/phone",
                {
                    "number": "0231 9876543",
                    "first_name": _written("Erna ", length),
                    "language": "de",
                },
            )
            assert status == status_then, (length, status, page)
    assert (await db.requests.get(request_id)).requester_id is not None


def test_the_refusals_name_the_rules_bounds():
    # The refusals' texts are literal (their catalogs' words): they say what the rule takes.
    assert f"{places.NAME_SHORTEST} to {places.NAME_LONGEST} characters" in places.NAME_PROBLEM
    assert f"{events.ADDRESS_SHORTEST} to {events.ADDRESS_LONGEST}" in events.ADDRESS_PROBLEM
