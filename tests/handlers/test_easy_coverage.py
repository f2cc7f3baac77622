"""Easy language covers what a resident meets (issue 43): a resident who reads easy language
goes through the help story, the places search and the events, and every message their
translator was asked for has an easy variant in the easy catalog of every language.

The messages are recorded where the easy reader's translator looks them up
(``Translator.gettext``/``ngettext`` of a translator with ``easy``): the resident is the only
easy reader here, so the volunteer's and the coordinators' screens are not recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.events import Event
from handlers.channels import FromUnconfirmedDevice, NotReadThisHour
from handlers.events.reminders import deliver_due
from handlers.helping import held_requests, posting_limits
from handlers.helping.timers import Timing, follow_up
from handlers.places import chat as places_chat
from locales import SUPPORTED_LANGUAGES, TIMEZONE
from locales.catalogs import read_easy_catalog
from tests.support.help_story import NORDMARKT, grant_role_to, press, register_volunteer
from tests.support.memory_transport import MemoryTransport, button_data, texts
from tests.support.places_sample import import_sample

RESIDENT = "resi"
# A second resident in easy language, whose request is not published.
NEIGHBOUR = "nele"
# The places answer at one moment of the week (open or closed lines differ by the hour).
WEDNESDAY_NOON = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


async def _request(story: MemoryTransport, db: Database, who: str, when: str = "asap") -> int:
    """``who`` asks for help, every step by hand; the new request's id."""
    await story.press(who, "menu:help")
    await story.press(who, "hr:new")
    await story.press(who, "hr:cat:shopping")
    await story.text(who, "Ich brauche Hilfe beim Einkaufen")
    await story.location(who, *NORDMARKT)
    out = await story.press(who, f"hr:when:{when}")
    if when == "date":
        # The last day offered: today's afternoon may be over when the test runs, and a
        # request whose day has passed expires (handlers/helping/timers.py), while the
        # story has it reminded ("still needed?") four days on.
        days = [d for d in button_data(out) if d.startswith("hr:day:")]
        await story.press(who, days[-1])
        await story.press(who, "hr:part:afternoon")
    elif when == "window":
        await story.text(who, "Dienstag Nachmittag")
    # The resident reads easy language: one question, their own language only.
    out = await story.press(who, "hr:lang-only")
    assert "hr:send" in button_data(out)
    out = await story.press(who, "hr:send")
    assert "hr:mine" in button_data(out)
    resident = await db.users.find("memory", who)
    return max(r.id for r in await db.requests.for_requester(resident.id))


async def _help_story(story: MemoryTransport, db: Database) -> None:
    """Asked, published, reminded, taken, handed back, taken again with a code word,
    relayed, done with feedback and the amount; a second request asked about, edited by
    the coordinators and withdrawn, a third expired; a second resident's request rejected."""
    vera = await register_volunteer(story, db, "vera")
    vlad = await register_volunteer(story, db, "vlad")
    for volunteer in (vera, vlad):
        await db.volunteers.verify(volunteer, volunteer)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    # A text outside any step: the bot offers to ask for help with it.
    await story.text(RESIDENT, "Wer hilft mir beim Einkaufen?")
    await story.text(RESIDENT, "/menu")

    first = await _request(story, db, RESIDENT, when="date")
    await story.in_group("cora", press(f"mod:ok:{first}"))
    await story.flush()
    # Nobody took it for days: "still needed?", and the resident keeps it.
    now = datetime.now(UTC)
    await follow_up(db, story.dispatcher.settings, now + timedelta(days=4), Timing())
    await story.flush()
    await story.press(RESIDENT, f"hr:keep:{first}")
    await story.press(RESIDENT, "hr:mine")

    # Taken, then handed back: open again, and taken by someone else.
    await story.press("vera", f"mt:acc:{first}")
    await story.press("vera", f"mt:back:{first}")
    await story.press("vera", f"mt:br:{first}:ill")
    await story.flush()
    await story.press("vlad", f"mt:acc:{first}")
    await story.flush()
    assert "Vlad" in story.received(RESIDENT)
    await story.press(RESIDENT, "hr:mine")
    await story.text("vlad", "Ich komme am Dienstag um 15 Uhr.")
    await story.flush()
    await story.text(RESIDENT, "Danke, das passt.")
    await story.flush()
    await story.press(RESIDENT, f"rl:done:{first}")
    await story.press(RESIDENT, f"rl:doney:{first}")
    await story.text(RESIDENT, "Alles gut, danke!")
    await story.flush()
    await story.press("vlad", f"rl:min:{first}:60")
    await story.text("vlad", "12,50")
    await story.flush()
    await story.press(RESIDENT, f"rl:mok:{first}")
    await story.flush()

    # The coordinators ask and correct the text; the resident answers, then withdraws.
    second = await _request(story, db, RESIDENT, when="window")
    await story.in_group("cora", press(f"mod:ask:{second}"))
    await story.text("cora", "Was sollen wir einkaufen?")
    await story.flush()
    await story.text(RESIDENT, "Brot und Milch")
    await story.in_group("cora", press(f"mod:ed:{second}"))
    await story.text("cora", "Einkauf: Brot und Milch")
    await story.flush()
    await story.press(RESIDENT, f"hr:wd:{second}")
    await story.press(RESIDENT, f"hr:wdy:{second}")
    await story.flush()

    third = await _request(story, db, RESIDENT)
    await story.in_group("cora", press(f"mod:ok:{third}"))
    await follow_up(db, story.dispatcher.settings, now + timedelta(days=30), Timing())
    await story.flush()

    await story.onboard(NEIGHBOUR, "de")
    await story.press(NEIGHBOUR, "easy:on")
    fourth = await _request(story, db, NEIGHBOUR)
    await story.in_group("cora", press(f"mod:no:{fourth}"))
    await story.in_group("cora", press(f"mod:rr:{fourth}:trade"))
    await story.flush()

    states = [(await db.requests.get(n)).state for n in (first, second, third, fourth)]
    assert states == ["done", "withdrawn", "expired", "rejected"], states


async def _places(story: MemoryTransport) -> None:
    await story.press(RESIDENT, "menu:places")
    out = await story.text(RESIDENT, "44137")
    more = [d for d in button_data(out) if d.startswith("pl:n:") or d == "pl:more"]
    assert more, texts(out)
    await story.press(RESIDENT, more[0])
    detail = next(d for d in button_data(out) if d.startswith("pl:d:"))
    out = await story.press(RESIDENT, detail)
    # An easy reader's short place keeps the rest one tap away ("All details").
    for more_details in [d for d in button_data(out) if d.startswith("pl:i:")]:
        await story.press(RESIDENT, more_details)


async def _events(story: MemoryTransport, db: Database) -> None:
    day = (datetime.now(TIMEZONE) + timedelta(days=3)).date()
    await db.events.upsert(
        Event(
            uid="cafe",
            title="Sprachcafé",
            starts_local=f"{day.isoformat()}T17:00",
            rrule="FREQ=WEEKLY",
            stadtbezirk="Innenstadt-Nord",
            address="Leopoldstraße 50",
            category="Sprache",
            lat=51.5245,
            lon=7.4650,
        )
    )
    await story.press(RESIDENT, "menu:events")
    await story.press(RESIDENT, "ev:where")
    out = await story.location(RESIDENT, *NORDMARKT)
    assert "Sprachcafé" in texts(out)
    out = await story.press(RESIDENT, "ev:week")
    detail = next(d for d in button_data(out) if d.startswith("ev:d:"))
    out = await story.press(RESIDENT, detail)
    remind = next(d for d in button_data(out) if d.startswith("ev:rm:"))
    out = await story.press(RESIDENT, remind)
    once = next(d for d in button_data(out) if d.startswith("ev:r1:"))
    await story.press(RESIDENT, once)
    resident = await db.users.find("memory", RESIDENT)
    [first, *_] = sorted(
        await db.events.pending_for_user(resident.id), key=lambda reminder: reminder.fire_at
    )
    fire = datetime.fromisoformat(first.fire_at.replace("Z", "+00:00"))
    assert await deliver_due(db, fire) == (1, 0)
    await story.flush()
    assert "Sprachcafé" in story.received(RESIDENT)
    await story.press(RESIDENT, "ev:mine")


async def test_a_resident_meets_only_messages_with_an_easy_variant_in_every_language(
    story: MemoryTransport, db: Database, asked: set[str], monkeypatch: pytest.MonkeyPatch
):
    await import_sample(db)
    monkeypatch.setattr(places_chat, "_now", lambda: WEDNESDAY_NOON)
    await story.onboard(RESIDENT, "de")
    await story.press(RESIDENT, "easy:on")
    await _help_story(story, db)
    await _places(story)
    await _events(story, db)
    # The notice again, with the button that withdraws consent (issue 56, point 3).
    out = await story.text(RESIDENT, "/privacy")
    assert "delete:ask" in button_data(out)
    # A story that records little proves nothing: the steps, the outbox and the lists.
    assert len(asked) > 60, len(asked)
    _assert_easy_everywhere(asked)


def _assert_easy_everywhere(asked: set[str]) -> None:
    """Each of ``asked`` has an easy variant in the easy catalog of every language."""
    missing: dict[str, list[str]] = {}
    for lang in SUPPORTED_LANGUAGES:
        catalog = read_easy_catalog(lang)
        have = set()
        if catalog is not None:
            for message in catalog:
                strings = message.string if message.pluralizable else (message.string,)
                if message.id and all(strings):
                    have.add(message.id[0] if message.pluralizable else message.id)
        for msgid in sorted(asked - have):
            missing.setdefault(msgid, []).append(lang)
    report = "\n".join(f"{langs}: {msgid!r}" for msgid, langs in missing.items())
    assert not missing, f"{len(missing)} messages without an easy variant:\n{report}"


async def test_what_a_refused_easy_reader_is_told_is_easy_in_every_language(
    story: MemoryTransport, db: Database, asked: set[str]
):
    """A description too long for the city (the dispatcher's limit, which names the
    step's own, ``Router.input_limits``) or too short, and a postcode the city does not
    know - in the places search and as the help request's "where" - are answered in easy
    language too: the person who is refused keeps a text they can read."""
    await story.onboard(RESIDENT, "de")
    await story.press(RESIDENT, "easy:on")
    await story.press(RESIDENT, "menu:places")
    await story.text(RESIDENT, "99999")
    await story.press(RESIDENT, "menu:help")
    await story.press(RESIDENT, "hr:new")
    await story.press(RESIDENT, "hr:cat:shopping")
    asked.clear()
    await story.text(RESIDENT, "Einkaufen " * story.dispatcher.settings.max_text_length)
    await story.text(RESIDENT, "Brot")
    too_long_or_short = set(asked)
    await story.text(RESIDENT, "Ich brauche Hilfe beim Einkaufen")
    out = await story.text(RESIDENT, "99999")
    # Refused, not taken: the person is still at the step.
    assert "hr:send" not in button_data(out)
    # Two different answers, one each (a walk that meets neither proves nothing).
    assert len(too_long_or_short) >= 2, too_long_or_short
    _assert_easy_everywhere(asked)


async def test_what_a_lost_or_held_easy_reader_is_told_is_easy_in_every_language(
    story: MemoryTransport, db: Database, asked: set[str]
):
    """A command the bot does not know, a button of a screen that is gone, and a second
    request right after the first (a new account waits between its requests: it is kept
    and passed on later) - the errors and holds an easy reader meets first - are answered
    in easy language too."""
    await story.onboard(RESIDENT, "de")
    await story.press(RESIDENT, "easy:on")
    # A new account waits ten minutes between its requests (the city's default).
    story.dispatcher.settings = replace(story.dispatcher.settings, new_user_cooldown_minutes=10)
    await _request(story, db, RESIDENT)
    asked.clear()
    await story.text(RESIDENT, "/frobnicate")
    await story.press(RESIDENT, "no-such-screen:1")
    await _request(story, db, RESIDENT)
    assert any(msgid.startswith("⏳") for msgid in asked), sorted(asked)  # held
    assert len(asked) >= 3, asked
    _assert_easy_everywhere(asked)


async def test_what_matrix_tells_an_easy_reader_of_her_chat_is_easy_in_every_language(
    story: MemoryTransport, db: Database, asked: set[str]
):
    """The lines a chat transport has said to a person it knows (Matrix: a message from
    a device she has not confirmed, the hour's work used up - reported, and sent by the
    features; a new chat opened after she left hers, asked through the city's ports) are
    in her words - easy ones for an easy reader."""
    await story.onboard(RESIDENT, "de")
    await story.press(RESIDENT, "easy:on")
    ports = story.dispatcher.ports
    person = await db.users.find("memory", RESIDENT)
    assert person is not None and person.chat_id is not None
    asked.clear()
    await ports.report(FromUnconfirmedDevice("memory", RESIDENT, person.chat_id))
    until = WEDNESDAY_NOON
    await ports.report(NotReadThisHour("memory", RESIDENT, person.chat_id, until, False, False))
    ports.chats.reopened(await ports.words.words_of("memory", RESIDENT))
    assert len(asked) == 3, asked
    _assert_easy_everywhere(asked)


async def test_what_an_easy_reader_held_by_her_limits_is_told_is_easy_in_every_language(
    story: MemoryTransport, db: Database, asked: set[str]
):
    """The posting limits an easy reader meets (as many open requests as one person may
    have, the day's requests used up), what her held request is (before the form, when it is
    kept, under "My requests", a further request while it waits, when it goes on), and a
    ban: each says what happens next, so each has an easy text in every language."""
    settings = story.dispatcher.settings
    story.dispatcher.settings = replace(settings, max_open_requests=1)
    await story.onboard(RESIDENT, "de")
    await story.press(RESIDENT, "easy:on")
    first = await _request(story, db, RESIDENT)
    asked.clear()
    # Her open request is as many as she may have: the next is kept and held.
    held_one = await _request(story, db, RESIDENT)
    assert (await db.requests.get(held_one)).state == "draft"
    await story.press(RESIDENT, "hr:mine")
    # A further request while one is held is refused before the form.
    await story.press(RESIDENT, "menu:help")
    await story.press(RESIDENT, "hr:new")
    # Withdrawn, the first makes room: the held one goes on, and she is told.
    await story.press(RESIDENT, f"hr:wd:{first}")
    await story.press(RESIDENT, f"hr:wdy:{first}")
    await story.flush()
    await held_requests.tick(db, story.dispatcher.settings, datetime.now(UTC))
    await story.flush()
    assert (await db.requests.get(held_one)).state != "draft"
    # The day's requests used up: a neighbour's second of the day is held too.
    story.dispatcher.settings = replace(settings, max_requests_per_day=1)
    await story.onboard(NEIGHBOUR, "de")
    await story.press(NEIGHBOUR, "easy:on")
    await _request(story, db, NEIGHBOUR)
    await _request(story, db, NEIGHBOUR)
    await story.press(NEIGHBOUR, "hr:mine")
    neighbour = await db.users.find("memory", NEIGHBOUR)
    await db.users.set_banned(neighbour.id, True)
    await story.press(NEIGHBOUR, "menu:help")
    # Very many new accounts asking at once: a third newcomer's request waits its time.
    story.dispatcher.settings = replace(
        settings, new_user_cooldown_minutes=10, new_account_flood_requests=1
    )
    await story.onboard("fini", "de")
    await story.press("fini", "easy:on")
    await _request(story, db, "fini")
    await story.press("fini", "hr:mine")
    assert posting_limits.OPEN_TEXT in asked and posting_limits.DAY_TEXT in asked, asked
    assert posting_limits.HELD_ONE in asked and posting_limits.BANNED_TEXT in asked, asked
    assert posting_limits.FLOOD_TEXT in asked, asked
    _assert_easy_everywhere(asked)


async def test_what_an_easy_reader_is_told_when_a_step_or_the_pace_stops_her_is_easy(
    story: MemoryTransport, db: Database, asked: set[str]
):
    """The answers that stop an easy reader in her tracks (no requests yet, a typed answer
    where the step asks for a choice, a form cancelled, a kind of message the bot cannot
    use, too many presses within a minute) say what to do next: each has an easy text in
    every language."""
    await story.onboard(RESIDENT, "de")
    await story.press(RESIDENT, "easy:on")
    asked.clear()
    await story.press(RESIDENT, "hr:mine")
    await story.press(RESIDENT, "menu:help")
    await story.press(RESIDENT, "hr:new")
    await story.text(RESIDENT, "99")
    await story.press(RESIDENT, "hr:cat:shopping")
    await story.text(RESIDENT, "Ich brauche Hilfe beim Einkaufen")
    await story.location(RESIDENT, *NORDMARKT)
    await story.text(RESIDENT, "irgendwann")
    await story.text(RESIDENT, "/cancel")
    await story.media(RESIDENT, "sticker")
    story.dispatcher.settings = replace(story.dispatcher.settings, max_presses_per_minute=2)
    for _ in range(4):
        await story.press(RESIDENT, "menu:main")
    _assert_easy_everywhere(asked)
