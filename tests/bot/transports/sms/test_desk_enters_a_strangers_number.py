"""Issue 77, point 4: whoever texts first from a number does not decide how the resident the
desk enters with it is reached. Forged texts through real Kannel (fakesmsc as the phone
network), the entry through the desk's real web server: a person with no data of their own
(db/users.py ``has_data``) is a stranger's - the coordinator's name, language and channel
win, consent given from the number goes, a STOP they sent binds no one, and the page says
what changed. A person with data of their own keeps hers, her STOP included. Each step
waits for events, never for a time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from db import Database
from locales import translator
from tests.support.channels import channels
from tests.support.desk_client import cora_at_the_desk, erna_on_the_form
from tests.support.memory_transport import readable
from tests.support.sms.city import City, Resident

ERNA = "+4917655555555"
TYPED = "0176 55555555"


Enter = Callable[..., Awaitable[tuple[int, str]]]


@asynccontextmanager
async def _desk(city: City, db: Database) -> AsyncIterator[Enter]:
    """Cora at the desk (the real web server); what it yields enters a request for Erna and
    then her on its resident form: the number, a name ("Erna"), German, a channel ("phone":
    calls, "sms": texts). It gives the request's id and the page after saving, as a reader
    sees it."""
    settings = replace(city.story.dispatcher.settings, channels=channels("phone", "sms"))
    async with cora_at_the_desk(db, settings) as (browser, base, cora):

        async def enter(channel: str, name: str = "Erna") -> tuple[int, str]:
            status, request, page = await erna_on_the_form(
                db, browser, base, cora, TYPED, first_name=name, channel=channel
            )
            assert status == 200
            return request.id, readable(page)

        yield enter


async def test_a_strangers_language_channel_and_consent_give_way_to_the_desks_entry(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    forger = Resident(city, ERNA)  # anyone who sets the number as the sender
    await forger.say("Hallo")
    await forger.choose("Türkçe")
    await forger.choose(translator("tr")._("I agree"))
    stranger = await db.users.find("sms", ERNA)
    assert stranger is not None and stranger.consent_at is not None
    assert (stranger.language, stranger.platform) == ("tr", "sms")

    # The coordinator enters Erna for that number, to be called back: her name, German,
    # calls, and no consent; the page says what the entry changed.
    async with _desk(city, db) as enter:
        request_id, page = await enter("phone")
    assert "Someone had already texted or called from this number" in page, page
    assert "agreement to the privacy notice given from this number was dropped" in page, page
    assert "had sent STOP" not in page, page
    erna = await db.users.find("phone", ERNA)
    assert erna is not None and erna.id == stranger.id  # one person per number
    assert (erna.first_name, erna.language, erna.platform) == ("Erna", "de", "phone")
    assert erna.consent_at is None
    # What the outbox has for her waits for a call-back, in German; nothing is texted.
    texted = len(forger.texts)
    await city.flush()
    assert len(forger.texts) == texted
    later = datetime.now(UTC) + timedelta(days=1)
    [published] = [item.payload for item in await db.outbox.waiting("phone", ERNA, later)]
    assert f"#{request_id}" in published["text"], published
    assert "veröffentlicht" in published["text"], published


async def test_a_stop_after_hallo_binds_no_resident_entered_later_but_hers_binds(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    forger = Resident(city, ERNA)
    await forger.say("Hallo")
    await forger.say("STOP")
    assert await city.sms.store.stopped(ERNA)

    async with _desk(city, db) as enter:
        # Entered to be texted: the STOP was a stranger's, the desk says so, her notices
        # reach the number.
        request_id, page = await enter("sms")
        assert "had sent STOP" in page and "does not count" in page, page
        assert "Someone had already texted or called from this number" in page, page
        assert "privacy notice" not in page, page  # nobody had agreed: nothing dropped
        assert not await city.sms.store.stopped(ERNA)
        await city.flush()
        assert f"#{request_id}" in forger.texts[-1].text
        erna = await db.users.find("sms", ERNA)
        assert erna is not None and (erna.first_name, erna.language) == ("Erna", "de")

        # A STOP from her number now (she has data of her own) binds her: a second entry
        # for her keeps it, her name and her channel, and says it changed nothing.
        await forger.say("STOP")
        assert await city.sms.store.stopped(ERNA)
        _, again = await enter("phone", name="E.")
        assert "had sent STOP" not in again and "Someone had already" not in again, again
    assert await city.sms.store.stopped(ERNA)
    kept = await db.users.find("sms", ERNA)
    assert kept is not None and kept.id == erna.id
    assert (kept.first_name, kept.platform) == ("Erna", "sms")
