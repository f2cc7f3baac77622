"""A busy contact stays light (issue 79, point 6): only the newest relayed message carries
the contact's buttons; the one before is edited through the outbox to lose them, where the
reader's transport can change a sent message. Where it cannot (a text message, a call: the
channel's ``edits``), nothing is edited. Played through the memory transport, and on
Telegram through PTB's Application against the fake Bot API server."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers import build_router
from handlers.channels import Channel, Channels
from handlers.dispatcher import Dispatcher
from handlers.messages import Delete, Edit, Edited, Incoming, Message, Sender, Text
from handlers.settings import HandlerSettings
from tests.support.fake_telegram import FakeTelegram
from tests.support.help_story import GROUP, matched_through_lifecycle
from tests.support.helping_people import verified_volunteer
from tests.support.memory_transport import MemoryTransport, readable
from tests.support.telegram_wiring import telegram_person, telegram_volunteer


def _chat(db: Database, *, edits: bool) -> MemoryTransport:
    settings = HandlerSettings(
        backchannels=frozenset({("memory", GROUP)}),
        channels=Channels((Channel("memory", edits=edits),)),
    )
    return MemoryTransport(Dispatcher(db, build_router(), settings))


async def _contact(chat: MemoryTransport, db: Database) -> int:
    """Amira asked, Vera helps: a running contact; its request id."""
    for name in ("amira", "vera", "cora"):
        await chat.onboard(name, "de")
    amira, vera, cora = [await db.users.find("memory", n) for n in ("amira", "vera", "cora")]
    assert amira and vera and cora
    await db.users.grant_role(cora.id, "coordinator")
    await verified_volunteer(db, vera.id, quiet=None, verified_by=cora.id)
    request_id = await matched_through_lifecycle(
        db, chat.dispatcher.settings, amira.id, vera.id, cora.id
    )
    await chat.flush()
    return request_id


def _contact_rows(item: object, request_id: int) -> list[str]:
    return [
        b.data
        for row in getattr(item, "buttons", [])
        for b in row
        if b.data.endswith(f":{request_id}")
    ]


async def test_only_the_newest_relayed_message_keeps_the_buttons(db: Database):
    chat = _chat(db, edits=True)
    request_id = await _contact(chat, db)
    # The notice that the contact began carries the buttons first.
    notice = next(i for i in chat.inbox["amira"] if f"rl:to:{request_id}" in str(i))
    assert isinstance(notice, Message)
    for text in ("Ich bin um drei da.", "Brauchst du auch Milch?", "Bis gleich!"):
        await chat.text("vera", text)
        await chat.flush()
    inbox = chat.inbox["amira"]
    relayed = [i for i in inbox if isinstance(i, Message) and "Vera" in readable(str(i.text))]
    edits = [i for i in inbox if isinstance(i, Edit)]
    # Three messages, the newest with every way to answer ...
    assert "Bis gleich!" in readable(str(relayed[-1].text))
    assert {f"rl:to:{request_id}", f"rl:done:{request_id}", f"rl:rep:{request_id}"} <= set(
        _contact_rows(relayed[-1], request_id)
    )
    # ... and the notice and the two before it edited: same text, no buttons.
    assert len(edits) == 3
    assert all(not e.buttons for e in edits)
    edited = [readable(str(e.text)) for e in edits]
    assert any("Ich bin um drei da." in text for text in edited)
    assert any("Brauchst du auch Milch?" in text for text in edited)
    assert not any("Bis gleich!" in text for text in edited)
    # Vera's side: Amira's answer carries Vera's buttons; nothing of Vera's chat was edited
    # yet (it is her first message from Amira).
    await chat.text("amira", "Danke!")
    await chat.flush()
    assert not [i for i in chat.inbox["vera"] if isinstance(i, Edit)]
    assert f"rl:to:{request_id}" in _contact_rows(chat.inbox["vera"][-1], request_id)


async def test_a_transport_that_cannot_edit_keeps_every_message_as_it_was(db: Database):
    chat = _chat(db, edits=False)
    request_id = await _contact(chat, db)
    for text in ("Ich bin um drei da.", "Bis gleich!"):
        await chat.text("vera", text)
        await chat.flush()
    inbox = chat.inbox["amira"]
    assert not [i for i in inbox if isinstance(i, Edit)]
    relayed = [i for i in inbox if isinstance(i, Message) and "Vera" in readable(str(i.text))]
    assert all(f"rl:to:{request_id}" in _contact_rows(i, request_id) for i in relayed[-2:])


async def test_a_correction_of_an_older_message_does_not_bring_its_buttons_back(db: Database):
    chat = _chat(db, edits=True)
    request_id = await _contact(chat, db)
    for number, text in enumerate(("Ich bin um drei da.", "Bis gleich!"), start=1):
        vera = Sender("memory", "vera", "Vera")
        await chat.dispatcher.handle(
            Incoming(vera, "vera", Text(text), f"u{number}", message_id=f"m{number}")
        )
        await chat.flush()
    before = len(chat.inbox["amira"])
    incoming = Incoming(
        Sender("memory", "vera", "Vera"), "vera", Edited("m1", "Ich bin um vier da."), "u9"
    )
    await chat.dispatcher.handle(incoming)
    await chat.flush()
    corrections = [i for i in chat.inbox["amira"][before:] if isinstance(i, Edit)]
    assert corrections and "vier" in readable(str(corrections[0].text))
    assert not _contact_rows(corrections[0], request_id)


async def test_telegram_edits_the_older_message_to_lose_its_buttons(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database, telegram_group
):
    fake = fake_telegram
    fake.names.update({1001: "Amira", 2001: "Vera"})
    amira = await telegram_person(db, 1001, "Amira", "de")
    vera = await telegram_volunteer(db, 2001, "Vera")
    cora = await telegram_person(db, 3001, "Cora", "de", "coordinator")
    settings = telegram_group.dispatcher.settings
    request_id = await matched_through_lifecycle(db, settings, amira, vera, cora)
    telegram_group.dispatcher.on_queued()
    notice = await fake.wait_for(
        "sendMessage", lambda c: f"rl:to:{request_id}" in str(c.params), chat_id=1001
    )
    sent = [notice]
    for text in ("Ich bin um drei da.", "Bis gleich!"):
        mark = len(fake.calls)
        fake.send_text(2001, text)
        relayed = await fake.wait_for(
            "sendMessage", lambda c, t=text: t in readable(c.text), after=mark, chat_id=1001
        )
        assert f"rl:to:{request_id}" in str(relayed.params)
        # The message before it is edited in place: its text stays, its buttons go.
        earlier = sent[-1]
        edit = await fake.wait_for(
            "editMessageText",
            after=mark,
            chat_id=1001,
            message_id=earlier.result["message_id"],
        )
        assert readable(edit.text) == readable(earlier.text)
        assert not edit.buttons
        sent.append(relayed)
    # Only those two were edited: the newest keeps its buttons.
    assert len(fake.calls_to("editMessageText", chat_id=1001)) == 2


async def _report(chat: MemoryTransport, who: str, request_id: int, text: str) -> None:
    await chat.press(who, f"rl:rep:{request_id}")
    await chat.text(who, text)
    await chat.flush()


async def test_reports_about_one_request_are_one_post_in_the_group(db: Database):
    chat = _chat(db, edits=True)
    request_id = await _contact(chat, db)
    await _report(chat, "amira", request_id, "Sie kam nicht.")
    first = chat.inbox[GROUP][-1]
    assert isinstance(first, Message) and "Sie kam nicht." in readable(str(first.text))
    await _report(chat, "vera", request_id, "Niemand hat geöffnet.")
    group = chat.inbox[GROUP]
    # The earlier post goes; one post now holds both reports, sent anew (a notification).
    deleted = [i for i in group if isinstance(i, Delete)]
    assert len(deleted) == 1
    newest = group[-1]
    assert isinstance(newest, Message)
    text = readable(str(newest.text))
    assert "Sie kam nicht." in text and "Niemand hat geöffnet." in text
    assert f"#{request_id}" in text


async def test_reports_stay_apart_where_the_group_cannot_lose_a_post(db: Database):
    chat = _chat(db, edits=False)
    request_id = await _contact(chat, db)
    await _report(chat, "amira", request_id, "Sie kam nicht.")
    await _report(chat, "vera", request_id, "Niemand hat geöffnet.")
    group = chat.inbox[GROUP]
    assert not [i for i in group if isinstance(i, Delete)]
    newest = readable(str(group[-1].text))
    assert "Niemand hat geöffnet." in newest and "Sie kam nicht." not in newest
