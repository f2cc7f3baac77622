"""Certificates for volunteers in the chat (issue 41, point 17): a volunteer asks for a
certificate of volunteering or for the confirmation for a free extended certificate of good
conduct under 📄 in their profile; bad names and dates are answered and change nothing; the
coordinators are told in the backchannel. Signing and declining follow their one owner
(handlers/helping/certificate_requests.py), which checks the signer's role at that moment;
a signed paper comes again only to its own volunteer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import to_text
from handlers import build_router
from handlers.context import Backstage
from handlers.dispatcher import Dispatcher
from handlers.helping import certificate_requests as papers
from handlers.helping.lifecycle import Refused
from handlers.messages import Document, Toast
from handlers.settings import HandlerSettings, Organisation
from locales import translator
from tests.support.help_story import GROUP, grant_role_to, register_volunteer
from tests.support.memory_transport import MemoryTransport, button_data, texts
from tests.support.pdf_glyphs import text_of

ORGANISATION = Organisation("FreiwilligenAgentur Dortmund", ("Königswall 25", "44137 Dortmund"))
SETTINGS = HandlerSettings(backchannels=frozenset({("memory", GROUP)}), organisation=ORGANISATION)


@pytest.fixture
def story(db: Database) -> MemoryTransport:
    return MemoryTransport(Dispatcher(db, build_router(), SETTINGS))


async def helped(db: Database, volunteer: int, *done: tuple[str, int, int]) -> None:
    """Requests ``volunteer`` completed: (kind of help, days ago, minutes reported)."""
    requester = (await db.users.seen("memory", "rosa", "rosa", "Rosa")).id
    for category, days_ago, minutes in done:
        request = await db.requests.create(requester, requester, state="open", category=category)
        closed = to_text(datetime.now(UTC) - timedelta(days=days_ago))
        await db.execute(
            "UPDATE help_requests SET state = 'done', volunteer_id = ?, matched_at = ?,"
            " closed_at = ?, minutes_spent = ? WHERE id = ?",
            (volunteer, closed, closed, minutes, request.id),
        )


async def test_a_volunteer_asks_for_a_certificate_and_the_coordinators_are_told(story, db):
    vera = await register_volunteer(story, db, "vera", "de")
    await helped(db, vera, ("shopping", 40, 90), ("accompaniment", 3, 60))
    assert "ce:home" in button_data(await story.press("vera", "menu:volunteer"))
    out = await story.press("vera", "ce:home")
    assert {"ce:new:record", "ce:new:conduct", "menu:volunteer"} <= set(button_data(out))
    out = await story.press("vera", "ce:new:record")
    assert "Ausweis" in texts(out)
    # Not a name: answered, nothing changes, the step stays.
    for bad in ("Vera 1990", "x", "https://example.org", "V" * 81, "@vera"):
        out = await story.text("vera", bad)
        assert "nur den Namen" in texts(out), bad
    assert (await db.users.get_state(vera)).state == "cert.name"
    out = await story.text("vera", "  Vera   Müller-Öztürk ")
    assert "Vera Müller-Öztürk" in texts(out) and "ce:send" in button_data(out)
    out = await story.press("vera", "ce:send")
    assert "Gesendet" in texts(out)
    asked = await db.certificates.of_user(vera)
    assert [(r.kind, r.name, r.birth_date, r.lang, r.state) for r in asked] == [
        ("record", "Vera Müller-Öztürk", "", "de", "asked")
    ]
    await story.flush()
    post = story.received(GROUP)
    assert f"Vera (Person Nr. {vera}) bittet um: 📜 Bescheinigung über das Ehrenamt" in post
    assert "/desk" in post and "Müller" not in post
    # The same again while it waits: told at once, no second request.
    out = await story.press("vera", "ce:new:record")
    assert "⏳" in texts(out) and len(await db.certificates.of_user(vera)) == 1


async def test_the_confirmation_asks_the_date_of_birth_in_any_digits(story, db):
    parisa = await register_volunteer(story, db, "parisa", "fa")
    await story.press("parisa", "ce:new:conduct")
    await story.text("parisa", "پریسا احمدی")
    for bad in ("۳۱.۰۲.۱۹۹۰", "1.1.2020", "17.03.90", "gestern"):
        await story.text("parisa", bad)
        assert (await db.users.get_state(parisa)).state == "cert.birth", bad
    out = await story.text("parisa", "۱۷.۰۳.۱۹۹۰")
    assert "ce:send" in button_data(out)
    await story.press("parisa", "ce:send")
    (asked,) = await db.certificates.of_user(parisa)
    assert (asked.kind, asked.name, asked.birth_date, asked.lang) == (
        "conduct",
        "پریسا احمدی",
        "1990-03-17",
        "fa",
    )
    # The date of birth never goes to the group.
    await story.flush()
    assert "1990" not in story.received(GROUP) and "۱۹۹۰" not in story.received(GROUP)


async def test_no_certificate_of_volunteering_before_any_help(story, db):
    await register_volunteer(story, db, "nina", "de")
    out = await story.press("nina", "ce:new:record")
    assert "sobald Sie bei einer Anfrage geholfen haben" in texts(out)
    assert (await db.users.get_state((await db.users.find("memory", "nina")).id)) is None


async def test_without_an_organisation_there_is_nothing_to_ask_for(db):
    chat = MemoryTransport(
        Dispatcher(db, build_router(), replace(SETTINGS, organisation=Organisation()))
    )
    await register_volunteer(chat, db, "vera", "de")
    assert "ce:home" not in button_data(await chat.press("vera", "menu:volunteer"))
    out = await chat.press("vera", "ce:home")
    assert "ce:new:record" not in button_data(out)


async def _signed(db: Database, vera: int, cora: int) -> int:
    scene = Backstage(db, SETTINGS)
    number = await db.certificates.ask(vera, "record", "Vera Müller", "", "de")
    prepared = await papers.prepare(
        db, SETTINGS, number, await db.users.get(cora), name="Cora Schmidt", role="Koordinatorin"
    )
    async with db.transaction():
        assert await papers.issue(scene, await db.users.get(cora), prepared)
    return number


async def test_only_a_coordinator_signs_and_only_its_volunteer_gets_it_again(story, db):
    vera = await register_volunteer(story, db, "vera", "de")
    otto = await register_volunteer(story, db, "otto", "de")
    await helped(db, vera, ("shopping", 10, 45))
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    scene = Backstage(db, SETTINGS)
    number = await db.certificates.ask(vera, "record", "Vera Müller", "", "de")
    # A volunteer cannot sign, not even their own; nor decline.
    for actor in (vera, otto):
        user = await db.users.get(actor)
        prepared = await papers.prepare(db, SETTINGS, number, user, name="Vera", role="")
        with pytest.raises(Refused):
            await papers.issue(scene, user, prepared)
        with pytest.raises(Refused):
            await papers.decline(scene, user, number)
    # A coordinator whose role was taken away since is no coordinator.
    await db.users.revoke_role(cora, "coordinator")
    prepared = await papers.prepare(
        db, SETTINGS, number, await db.users.get(cora), name="Cora", role=""
    )
    with pytest.raises(Refused):
        await papers.issue(scene, await db.users.get(cora), prepared)
    assert (await db.certificates.get(number)).state == "asked"
    await db.users.grant_role(cora, "coordinator")
    async with db.transaction():
        assert await papers.issue(scene, await db.users.get(cora), prepared)
    # Signed once: a second signature changes nothing.
    async with db.transaction():
        assert not await papers.issue(scene, await db.users.get(cora), prepared)
    await story.flush()
    (delivered,) = [item for item in story.inbox["vera"] if isinstance(item, Document)]
    assert delivered.mime_type == "application/pdf" and delivered.filename.endswith(".pdf")
    assert "Vera Müller" in text_of(delivered.content)
    # Another volunteer presses the button's data: nothing of Vera's.
    out = await story.press("otto", f"ce:pdf:{number}")
    assert not [item for item in out if isinstance(item, Document)]
    assert [item.text for item in out if isinstance(item, Toast)] == [
        translator("de")._("This button is no longer valid.")
    ]
    out = await story.press("vera", f"ce:pdf:{number}")
    (again,) = [item for item in out if isinstance(item, Document)]
    assert "Cora" in text_of(again.content)
    assert f"ce:pdf:{number}" in button_data(await story.press("vera", "ce:home"))
