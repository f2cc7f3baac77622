"""The Matrix connector against a real Synapse homeserver on 127.0.0.1."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from bot.config import MatrixSection
from bot.transports.matrix import MatrixTransport
from bot.transports.matrix.render import number_label
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.limits.encrypted_work import UNREADABLE
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from handlers.settings import HandlerSettings
from locales import DEFAULT_LANGUAGE, translator
from tests.support.helping_people import volunteer_profile
from tests.support.matrix_bot import (
    BOT_NUMBERS,
    Bot,
    WithTelegram,
    all_synced,
    delivering,
    is_notice,
    onboard,
)
from tests.support.matrix_people import HANG, MatrixPerson, body
from tests.support.synapse_server import Synapse

ROOT = Path(__file__).resolve().parents[3]


async def test_onboarding_in_arabic_with_numbers_and_reactions(
    alice: MatrixPerson, matrix_bot: Bot
):
    room = await onboard(alice, matrix_bot, "3")  # the picker: Deutsch, English, العربية, …
    menu = alice.received[-1][1]
    ar = translator("ar")
    assert ar._("Find a place") in body(menu)
    assert "<b>" in menu["content"]["formatted_body"]
    user = await matrix_bot.db.users.find("matrix", alice.user_id)
    assert user.language == "ar" and user.consent_at and user.chat_id == room


async def test_places_by_shared_location(alice: MatrixPerson, matrix_bot: Bot, db: Database):
    await import_places(
        db, ROOT / "data/dortmund/places-sample.csv", load_gazetteer("data/dortmund")
    )
    room = await onboard(alice, matrix_bot, "2")  # English
    mark = len(alice.received)
    await alice.say(room, "1")  # 1️⃣ Find a place
    await alice.wait_for(lambda e: "📍" in body(e), after=mark)
    mark = len(alice.received)
    await alice.share_location(room, 51.5230, 7.4560)
    results = await alice.wait_for(lambda e: "📏" in body(e), after=mark)
    assert body(results).count("📏") == 5
    mark = len(alice.received)
    await alice.say(room, "1")  # details of the nearest place
    venue = await alice.wait_for(lambda e: e["content"].get("msgtype") == "m.location", after=mark)
    assert venue["content"]["geo_uri"].startswith("geo:51.5")


async def test_restart_neither_replays_nor_misses(
    alice: MatrixPerson, matrix_bot: Bot, synapse: Synapse
):
    room = await alice.dm(matrix_bot.user_id)
    await alice.wait_for(lambda e: "1️⃣" in body(e))  # the greeting on joining
    mark = len(alice.received)
    await alice.say(room, "/start")
    await alice.wait_for(lambda e: "1️⃣" in body(e), after=mark)
    await matrix_bot.stop()
    # Written while the bot is down: answered once after the restart.
    mark = len(alice.received)
    await alice.say(room, "4")  # Türkçe
    await matrix_bot.start()
    await alice.wait_for(lambda e: "🔒" in body(e), after=mark)
    # Everything handled and its answers seen: a replayed "/start" would be among them.
    await all_synced(synapse, matrix_bot)
    await alice.caught_up()
    answers = [e for _, e in alice.received[mark:] if is_notice(e)]
    # The Turkish notice once, and no second picker from replaying "/start".
    assert sum("🔒" in body(e) for e in answers) == 1
    assert not any("1️⃣ ✅ Deutsch" in body(e) for e in answers)
    assert translator("tr")._("I agree") in body(answers[-1])


async def test_a_message_that_cannot_be_decrypted_is_asked_for_again_once(
    alice: MatrixPerson, matrix_bot: Bot
):
    """An encrypted message whose key never comes (here: a session nobody has) gets one
    short line asking to send it again - nothing about switching encryption off."""
    assert matrix_bot.transport is not None
    matrix_bot.transport.config = replace(matrix_bot.transport.config, key_wait_seconds=0)
    async with delivering(matrix_bot):  # the line goes through the outbox
        await _asked_again_once(alice, matrix_bot)


async def _asked_again_once(alice: MatrixPerson, matrix_bot: Bot) -> None:
    room = await alice.dm(matrix_bot.user_id)
    mark = len(alice.received)
    await alice.send(
        room,
        "m.room.encrypted",
        {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "AwgAEnAC",
            "sender_key": "x",
            "session_id": "y",
            "device_id": "Z",
        },
    )
    again = translator(DEFAULT_LANGUAGE).t(UNREADABLE)
    await alice.wait_for(lambda e: body(e) == again, after=mark)
    # Later messages are answered as usual, and the line was said once.
    after_line = len(alice.received)
    await alice.say(room, "!start")
    await alice.wait_for(lambda e: "1️⃣" in body(e), after=after_line)
    assert [body(e) for _, e in alice.received[mark:]].count(again) == 1
    assert not [e for _, e in alice.received if "encryption off" in body(e)]


async def test_bang_commands_and_unknown_commands(alice: MatrixPerson, matrix_bot: Bot):
    room = await onboard(alice, matrix_bot, "2")
    mark = len(alice.received)
    await alice.say(room, "!frobnicate")
    hint = await alice.wait_for(lambda e: "!help" in body(e), after=mark)
    # Element swallows "/help": every command the bot names reads "!help" on Matrix, in
    # the plain body and in the HTML; what is no command stays as it was.
    assert "/help" not in body(hint) and "!help" in hint["content"]["formatted_body"]
    assert "/frobnicate" in body(hint)
    mark = len(alice.received)
    await alice.say(room, "!help")
    listing = await alice.wait_for(lambda e: "!menu" in body(e), after=mark)
    assert "/menu" not in body(listing) and "/" not in body(listing).replace("</", "")


async def test_help_across_telegram_and_matrix(synapse: Synapse, db: Database, fake_telegram):
    """A Telegram resident asks, a coordinator publishes by reacting ✅ in the Matrix room,
    a Matrix volunteer accepts, and they talk through the bot across the two networks."""

    cora = MatrixPerson(synapse, "cora")
    vera = MatrixPerson(synapse, "vera")
    await cora.start()
    await vera.start()
    registration = synapse.register(f"helperbot{next(BOT_NUMBERS)}")
    response = await cora.client.room_create(name="Koordination", invite=[registration["user_id"]])
    group = response.room_id
    running = Bot(
        synapse,
        db,
        HandlerSettings(
            backchannels=frozenset({("matrix", group)}), require_verified_volunteers=False
        ),
        registration,
    )
    both = WithTelegram(running, fake_telegram)
    await both.start()
    try:
        # Cora is a coordinator; the bot joins her room (invite accepted automatically).
        for _ in range(300):  # a hang detector, not a speed bound
            members = await cora.client.joined_members(group)
            if any(m.user_id == running.user_id for m in members.members):
                break
            await asyncio.sleep(0.2)
        coordinator = await db.users.seen("matrix", cora.user_id, "", "Cora", private=False)
        await db.users.grant_role(coordinator.id, "coordinator")
        # Vera, on Matrix, registers as a volunteer through her direct chat.
        vera_room = await onboard(vera, running, "1")  # Deutsch
        volunteer = await db.users.find("matrix", vera.user_id)
        await volunteer_profile(db, volunteer.id, max_open=1)
        # Amira, on Telegram, asks for help.
        fake_telegram.names[1001] = "Amira"
        amira = await db.users.seen("telegram", "1001", "1001", "Amira")
        await db.users.set_language(amira.id, "ar")
        await db.users.record_consent(amira.id)
        for data in ("hr:new", "hr:cat:shopping"):
            mark = len(fake_telegram.calls)
            fake_telegram.press(1001, data)
            await fake_telegram.wait_for("sendMessage", after=mark, chat_id=1001)
        mark = len(fake_telegram.calls)
        fake_telegram.send_text(1001, "Einkaufen am Dienstag")
        await fake_telegram.wait_for("sendMessage", after=mark, chat_id=1001)
        mark = len(fake_telegram.calls)
        fake_telegram.send_text(1001, "Nordmarkt")
        await fake_telegram.wait_for("sendMessage", after=mark, chat_id=1001)
        for data in ("hr:when:asap", "hr:langs-done", "hr:send"):
            mark = len(fake_telegram.calls)
            fake_telegram.press(1001, data)
            await fake_telegram.wait_for("sendMessage", after=mark, chat_id=1001)

        post = await cora.wait_for(lambda e: "Einkaufen am Dienstag" in body(e))
        mark = len(vera.received)
        await cora.react(group, post["event_id"], "✅")  # Publish
        offer = await vera.wait_for(lambda e: "🔔" in body(e), after=mark)
        mark = len(vera.received)
        await vera.react(vera_room, offer["event_id"], "1️⃣")  # I can help
        await vera.wait_for(lambda e: "🎉" in body(e), after=mark)
        request = (await db.requests.for_requester(amira.id))[0]
        assert request.state == "matched" and request.volunteer_id == volunteer.id
        await fake_telegram.wait_for("sendMessage", lambda c: "🎉" in c.text, chat_id=1001)

        mark = len(vera.received)
        fake_telegram.send_text(1001, "Danke! Um drei?")
        relayed = await vera.wait_for(lambda e: "Danke! Um drei?" in body(e), after=mark)
        assert "Amira" in body(relayed) and "1001" not in body(relayed)
        mark = len(fake_telegram.calls)
        await vera.say(vera_room, "Ja, bis dann")
        answer = await fake_telegram.wait_for(
            "sendMessage", lambda c: "bis dann" in c.text, after=mark, chat_id=1001
        )
        assert vera.user_id not in answer.text
    finally:
        await both.stop()
        await cora.stop()
        await vera.stop()


async def test_event_reminder_reaches_matrix(alice: MatrixPerson, matrix_bot: Bot, db: Database):
    from datetime import UTC, datetime, timedelta

    from bot.delivery import OutboxWorker
    from db.events import Event
    from handlers.events.recurrence import local_text
    from handlers.events.reminders import deliver_due, sync_event

    await onboard(alice, matrix_bot, "5")  # Українська
    user = await db.users.find("matrix", alice.user_id)
    start = datetime.now(UTC) + timedelta(days=2)
    event_id, _, _ = await db.events.upsert(
        Event(
            uid="mx",
            title="Sprachcafé",
            starts_local=local_text(start),
        )
    )
    async with db.transaction():
        await db.events.follow(user.id, event_id)
        await sync_event(db, event_id, datetime.now(UTC))
    [first, _] = await db.events.pending_for_user(user.id)
    fire = datetime.fromisoformat(first.fire_at.replace("Z", "+00:00"))
    mark = len(alice.received)
    assert await deliver_due(db, fire) == (1, 0)
    await OutboxWorker(db, [matrix_bot.transport]).run_once()
    reminder = await alice.wait_for(lambda e: "Sprachcafé" in body(e), after=mark)
    assert translator("uk")._("Details") in body(reminder)


async def test_login_with_password_keeps_the_device(
    synapse: Synapse, db: Database, alice: MatrixPerson
):
    registration = synapse.register(f"pwbot{next(BOT_NUMBERS)}", password="bot-password")
    config = MatrixSection(
        homeserver=synapse.url,
        user_id=registration["user_id"],
        password="bot-password",
        sync_timeout=1,
    )
    dispatcher = Dispatcher(db, build_router(), HandlerSettings())
    transport = MatrixTransport(dispatcher.ports, db, config)
    await transport.start()
    device = await db.transport_state.get("matrix.device_id")
    assert device
    room = await alice.dm(config.user_id)
    mark = len(alice.received)
    await alice.say(room, "!help")
    await alice.wait_for(lambda e: "!menu" in body(e), after=mark)
    await transport.stop()
    assert await db.transport_state.get("matrix.next_batch")


async def test_a_refused_login_closes_its_connection(synapse: Synapse, db: Database, monkeypatch):
    """A wrong password: the login fails, and the client made for it closes its HTTP
    session - it was not the transport's yet, so stopping the transport did not reach it,
    and aiohttp said "Unclosed client session" at the exit."""
    from bot.transports.matrix import transport as matrix_transport

    made: list[matrix_transport._Client] = []

    class Kept(matrix_transport._Client):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(matrix_transport, "_Client", Kept)
    registration = synapse.register(f"pwbot{next(BOT_NUMBERS)}", password="bot-password")
    config = MatrixSection(
        homeserver=synapse.url, user_id=registration["user_id"], password="not-it"
    )
    transport = MatrixTransport(Dispatcher(db, build_router(), HandlerSettings()).ports, db, config)
    try:
        await transport.connect()
    except Exception:
        pass
    else:
        raise AssertionError("a wrong password logged in")
    assert made, "no client was made for the login"
    assert all(client.client_session is None for client in made)


# -- typed numbers: a press only for the newest message of the bot that allows typing ------


class Recorded(list):
    """What reaches the dispatcher, in order; ``answered``: how many of them had their
    answers sent (the dispatcher's ``answered``, called once they are). An update taken
    before the recording began (the onboarding's last, answered a moment later) is not
    counted."""

    answered = 0


def recorded_events(running: Bot) -> Recorded:
    """What reaches the dispatcher, in order."""
    events = Recorded()
    handle = running.dispatcher.handle
    answered = running.dispatcher.answered
    taken: list = []

    async def recording(incoming):
        events.append(incoming.event)
        taken.append(incoming)
        return await handle(incoming)

    async def counting(incoming, outgoing):
        await answered(incoming, outgoing)
        if any(incoming is recorded for recorded in taken):
            events.answered += 1

    running.dispatcher.handle = recording  # type: ignore[method-assign]
    running.dispatcher.answered = counting  # type: ignore[method-assign]
    return events


async def next_event(events: Recorded, count: int, person: MatrixPerson, timeout: float = HANG):
    """The event number ``count`` that reached the dispatcher, once the bot's answers to it
    have arrived (so that they do not cross a message the test sends next): sent by the
    bot, then seen by the person's next sync."""
    for _ in range(int(timeout * 10)):
        if events.answered > count:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(f"nothing reached the dispatcher and was answered; got {events}")
    await person.caught_up()
    return events[count]


async def test_a_typed_number_after_a_relayed_message_is_text(alice: MatrixPerson, matrix_bot: Bot):
    from markupsafe import Markup

    from bot.transports.matrix import REACT_HINT
    from handlers.messages import Button, ButtonPress, Message, Text

    room = await onboard(alice, matrix_bot, "2")  # English; the main menu is the newest message
    events = recorded_events(matrix_bot)
    assert matrix_bot.transport is not None
    # A normal menu still takes a typed number.
    await alice.say(room, "1")
    pressed = await next_event(events, 0, alice)
    assert isinstance(pressed, ButtonPress) and pressed.data.startswith("menu:")

    # The partner asks something in the relay; its buttons cannot be typed.
    relayed = Message(
        Markup("Vera: How many water crates?"),
        [[Button("✅ Done", "zz:done")], [Button("🚩 Report", "zz:report")]],
        typed_choices=False,
    )
    event_id = await matrix_bot.transport.deliver(room, relayed)
    shown = await alice.wait_for(lambda e: e.get("event_id") == event_id)
    assert "1️⃣ ✅ Done" in body(shown)
    assert translator("en")._(REACT_HINT) in body(shown)  # says to react
    await alice.say(room, "1")
    assert await next_event(events, 1, alice) == Text("1")
    # Reacting with the keycap on that message is a press.
    await alice.react(room, event_id, "1️⃣")
    assert await next_event(events, 2, alice) == ButtonPress("zz:done", message_id=event_id)

    # A later message without buttons ends a menu's typed choices as well.
    menu = Message(Markup("Choose"), [[Button("🅰️ A", "zz:a")], [Button("🅱️ B", "zz:b")]])
    menu_id = await matrix_bot.transport.deliver(room, menu)
    shown = await alice.wait_for(lambda e: e.get("event_id") == menu_id)
    assert translator("en")._(REACT_HINT) not in body(shown)
    await alice.say(room, "2")
    assert await next_event(events, 3, alice) == ButtonPress("zz:b", message_id=menu_id)
    notice_id = await matrix_bot.transport.deliver(room, Message(Markup("Vera: 2 or 3?")))
    await alice.wait_for(lambda e: e.get("event_id") == notice_id)
    await alice.say(room, "1")
    assert await next_event(events, 4, alice) == Text("1")


async def test_a_list_of_values_is_asked_for_as_numbers(alice: MatrixPerson, matrix_bot: Bot):
    """A message whose choices are values (a distance: a typed number is the value there,
    ``Router.read_typed``) showed "1️⃣ 1 km … 4️⃣ ✖️ Cancel", and a typed 4 was no Cancel.
    Now the values are asked for in a sentence, Cancel keeps its keycap with the line that
    says to react, and that reaction cancels; a typed 2 reaches the bot as the text "2"
    (handlers/media/value_choices.py; the sentence is the reader chain's, as on every
    message a feature sends, handlers/reader_chain.py ``asked``)."""
    from markupsafe import Markup

    from bot.transports.matrix import REACT_HINT
    from handlers.messages import Button, ButtonPress, Message, Text
    from handlers.reader import Reader
    from handlers.reader_chain import ReaderChain, Surroundings

    room = await onboard(alice, matrix_bot, "2")  # English
    events = recorded_events(matrix_bot)
    assert matrix_bot.transport is not None
    asked = Message(
        Markup("How far from there?"),
        [
            [Button(f"{km} km", f"vo:r:{km}000", value=km) for km in (1, 2, 5)],
            [Button("✖️ Cancel", "vo:cancel")],
        ],
    )
    where = Surroundings(matrix_bot.db, frozenset(), None)
    reading = await ReaderChain().prepare(where, Reader(translator("en")), asked)
    event_id = await matrix_bot.transport.deliver(room, reading.item)
    shown = body(await alice.wait_for(lambda e: e.get("event_id") == event_id))
    assert not any(f"{key} " in shown for key in ("1️⃣", "2️⃣", "3️⃣")), shown
    assert "1 km, 2 km, or 5 km" in shown and "4️⃣ ✖️ Cancel" in shown, shown
    assert translator("en")._(REACT_HINT) in shown
    await alice.say(room, "2")
    assert await next_event(events, 0, alice) == Text("2")
    await alice.react(room, event_id, "4️⃣")
    assert await next_event(events, 1, alice) == ButtonPress("vo:cancel", message_id=event_id)


async def test_typed_numbers_are_never_presses_in_the_backchannel(synapse: Synapse, db: Database):
    from markupsafe import Markup

    from bot.transports.matrix import REACT_HINT
    from handlers.messages import Button, ButtonPress, Message, Text

    cora = MatrixPerson(synapse, "cora")
    await cora.start()
    registration = synapse.register(f"backbot{next(BOT_NUMBERS)}")
    created = await cora.client.room_create(name="Koordination", invite=[registration["user_id"]])
    group = created.room_id
    running = Bot(
        synapse, db, HandlerSettings(backchannels=frozenset({("matrix", group)})), registration
    )
    transport = await running.start()
    try:
        for _ in range(300):  # a hang detector, not a speed bound
            members = await cora.client.joined_members(group)
            if any(m.user_id == running.user_id for m in members.members):
                break
            await asyncio.sleep(0.2)
        events = recorded_events(running)
        # A post with buttons that would allow typing anywhere else.
        post = Message(
            Markup("Anfrage #1: Einkaufen"),
            [[Button("✅ Veröffentlichen", "zz:ok:1"), Button("❌ Ablehnen", "zz:no:1")]],
        )
        event_id = await transport.deliver(group, post)
        shown = await cora.wait_for(lambda e: e.get("event_id") == event_id)
        assert translator("de")._(REACT_HINT) in body(shown)  # the city's language
        await cora.say(group, "1")
        assert await next_event(events, 0, cora) == Text("1")
        await cora.react(group, event_id, "✅")
        assert await next_event(events, 1, cora) == ButtonPress("zz:ok:1", message_id=event_id)
    finally:
        await running.stop()
        await cora.stop()


async def test_relay_reactions_corrections_and_redactions(synapse: Synapse, db: Database):
    """On Matrix: a relayed text is acknowledged with an m.reaction, an m.replace passes on
    a correction (the bot edits its copy), a newer message takes the numbered choices off the
    one before (an m.replace of it), and a redaction removes the copy (the bot redacts its own
    event) and the stored text."""
    from bot.delivery import OutboxWorker
    from tests.support.help_story import matched_through_lifecycle

    amira = MatrixPerson(synapse, "amira")
    vera = MatrixPerson(synapse, "vera")
    await amira.start()
    await vera.start()
    running = Bot(synapse, db, HandlerSettings(require_verified_volunteers=False))
    transport = await running.start()
    worker = OutboxWorker(db, [transport], poll_seconds=0.2)
    running.dispatcher.on_queued = worker.wake
    stop = asyncio.Event()
    delivery = asyncio.create_task(worker.run(stop))
    try:
        amira_room = await onboard(amira, running, "1")  # Deutsch
        vera_room = await onboard(vera, running, "1")
        requester = await db.users.find("matrix", amira.user_id)
        volunteer = await db.users.find("matrix", vera.user_id)
        await volunteer_profile(db, volunteer.id, max_open=1)
        coordinator = await db.users.seen("memory", "cora", "cora", "Cora")
        await db.users.grant_role(coordinator.id, "coordinator")
        await matched_through_lifecycle(
            db, running.dispatcher.settings, requester.id, volunteer.id, coordinator.id
        )
        worker.wake()
        await amira.wait_for(lambda e: "🎉" in body(e))
        await amira.wait_for(lambda e: "🔐" in body(e))  # the door code word comes next

        mark_amira, mark_vera = len(amira.received), len(vera.received)
        own = await amira.say(amira_room, "Bitte Milch und Brot")
        copy = await vera.wait_for(lambda e: "Milch" in body(e), after=mark_vera)
        assert amira.name in body(copy)
        reaction = await amira.wait_for(lambda e: e.get("type") == "m.reaction", after=mark_amira)
        relation = reaction["content"]["m.relates_to"]
        assert relation == {"rel_type": "m.annotation", "event_id": own, "key": "👌"}
        assert not [e for _, e in amira.received[mark_amira:] if is_notice(e)]  # quiet

        mark_vera = len(vera.received)
        await amira.edit(amira_room, own, "Bitte Hafermilch und Brot")
        corrected = await vera.wait_for(lambda e: "Hafermilch" in body(e), after=mark_vera)
        assert corrected["content"]["m.relates_to"] == {
            "rel_type": "m.replace",
            "event_id": copy["event_id"],
        }
        assert "✏️" in corrected["content"]["m.new_content"]["body"]
        assert number_label(0) in corrected["content"]["m.new_content"]["body"]  # its choices

        # A newer message carries the contact's choices; the one before loses them: an
        # m.replace of the first copy, reading as corrected, without the numbered choices.
        mark_vera = len(vera.received)
        await amira.say(amira_room, "Und Eier, bitte")
        newer = await vera.wait_for(lambda e: "Eier" in body(e), after=mark_vera)
        assert number_label(0) in body(newer)
        stripped = await vera.wait_for(
            lambda e: (
                (e.get("content", {}).get("m.relates_to") or {}).get("event_id") == copy["event_id"]
                and "Hafermilch" in body(e)
            ),
            after=mark_vera,
        )
        assert number_label(0) not in stripped["content"]["m.new_content"]["body"]

        mark_amira, mark_vera = len(amira.received), len(vera.received)
        await amira.redact(amira_room, own)
        redaction = await vera.wait_for(
            lambda e: e.get("type") == "m.room.redaction", after=mark_vera
        )
        assert copy["event_id"] in (redaction.get("redacts"), redaction["content"].get("redacts"))
        assert redaction["sender"] == running.user_id
        await amira.wait_for(lambda e: "↩️" in body(e), after=mark_amira)
        # The redacted text is gone; the newer message stays.
        kept = [row[0] for row in await db.fetch_all("SELECT text FROM relay_messages")]
        assert kept == ["Und Eier, bitte"]
        assert vera_room
    finally:
        stop.set()
        await delivery
        await running.stop()
        await amira.stop()
        await vera.stop()


async def test_a_message_sent_again_comes_out_once(alice: MatrixPerson, matrix_bot: Bot):
    """Nothing shown twice: an outbox item sent again (its mark lost in a crash, or its
    first try timed out after reaching the homeserver) and an answer kept over a restart
    and sent again use the same Matrix transaction id, so Synapse keeps one event."""
    from markupsafe import Markup

    from bot.transports.sending import sending
    from handlers.messages import Incoming, Message, Sender, Text

    room = await onboard(alice, matrix_bot, "2")
    transport = matrix_bot.transport
    assert transport is not None
    note = Message(Markup("Vera: I am on my way"))
    with sending("o4242"):
        first = await transport.deliver(room, note)
    with sending("o4242"):
        again = await transport.deliver(room, note)
    with sending("o4243"):  # another message with the same words is another message
        other = await transport.deliver(room, note)
    assert again == first and other != first
    incoming = Incoming(Sender("matrix", alice.user_id), room, Text("hi"), update_id="$kept")
    for _ in range(2):
        await transport.answer(incoming, [Message(Markup("Kept answer"))])
    mark = len(alice.received)
    await alice.say(room, "!help")
    await alice.wait_for(lambda e: "!menu" in body(e), after=mark)
    said = [body(e) for _, e in alice.received]
    assert sum("on my way" in text for text in said) == 2
    assert sum("Kept answer" in text for text in said) == 1


def _numbered(event: dict) -> list[str]:
    """The labels of a bot message's numbered choices (1️⃣ …), as Element shows them."""
    from bot.transports.matrix import KEYCAPS

    found = []
    for line in body(event).splitlines():
        number, _, label = line.partition(" ")
        if number in KEYCAPS:
            found.append(label)
    return found


async def test_a_listener_onboards_by_the_numbers_she_heard(
    alice: MatrixPerson, synapse: Synapse, db: Database
):
    """Alice cannot read. She types 3 for العربية and hears the read-aloud offer, its
    buttons named; she types ٢ ("second button: only when I tap"): the offer's second
    button, not the privacy notice's "No, thanks" - the notice comes only now, said aloud
    with its own buttons, and her 1 agrees. Each voice names the numbered choices of the
    newest message, the one a typed number presses."""
    from bot.delivery import OutboxWorker
    from db.users import ReadAloud
    from tests.support.fake_speaker import FakeSpeaker

    speaker = FakeSpeaker(frozenset({"ar"}))
    running = Bot(synapse, db, HandlerSettings(speech_languages=speaker.languages))
    matrix = await running.start()
    worker = OutboxWorker(db, [matrix], speaker=speaker, poll_seconds=0.2)
    running.dispatcher.on_queued = worker.wake
    stop = asyncio.Event()
    delivery = asyncio.create_task(worker.run(stop))
    ar = translator("ar")

    def voiced(event: dict) -> bool:
        return event["content"].get("msgtype") == "m.audio"

    try:
        room = await alice.dm(running.user_id)
        await alice.wait_for(lambda e: "1️⃣" in body(e))  # the picker, on joining
        mark = len(alice.received)
        await alice.say(room, "3")
        await alice.wait_for(voiced, after=mark)
        texts = [e for _, e in alice.received[mark:] if is_notice(e)]
        offer = texts[-1]  # the newest message: nothing with buttons after the offer
        assert body(offer).startswith("🔊 ") and "🔒" not in "".join(map(body, texts))
        assert speaker.said[-1].labels == _numbered(offer)

        mark = len(alice.received)
        await alice.say(room, "٢")
        await alice.wait_for(voiced, after=mark)
        user = await db.users.find("matrix", alice.user_id)
        assert user is not None and user.read_aloud == ReadAloud.ON_TAP
        # Someone who hears the bot is offered easy language next, said aloud; "2": no.
        texts = [e for _, e in alice.received[mark:] if is_notice(e)]
        easy = texts[-1]
        assert "🔒" not in "".join(map(body, texts))
        assert speaker.said[-1].labels == _numbered(easy)
        assert _numbered(easy)[1] == "📝 " + ar._("No, as usual")

        mark = len(alice.received)
        await alice.say(room, "2")
        await alice.wait_for(voiced, after=mark)
        texts = [e for _, e in alice.received[mark:] if is_notice(e)]
        notice = texts[-1]
        assert "🔒" in body(notice)
        assert not any(ar._("Yes, delete everything") in body(e) for e in texts)
        assert speaker.said[-1].labels == _numbered(notice)
        assert _numbered(notice)[0] == "✅ " + ar._("I agree")

        mark = len(alice.received)
        await alice.say(room, "1")
        await alice.wait_for(lambda e: "🏠" in body(e), after=mark)
        user = await db.users.find("matrix", alice.user_id)
        assert user is not None and user.consent_at is not None
    finally:
        stop.set()
        await delivery
        await running.stop()
