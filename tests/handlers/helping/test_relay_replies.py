"""A reply to a relayed message goes to the person who wrote it (relay/chat.py ``_to_replied``),
with the console connector and its outbox worker (tests/support/terminal.py)."""

from __future__ import annotations

from bot.transports.console import PLATFORM
from bot.transports.contract import take_update
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.helping.relay.chat import ENDED_NOT_PASSED
from handlers.messages import Incoming, Sender, Text
from locales import translator
from tests.handlers.helping.test_relay import _buttons, _match, _people, _terminal
from tests.support.memory_transport import readable
from tests.support.terminal import Terminal


async def _relayed_to_vera(term: Terminal, db: Database, writer: str, text: str) -> str:
    """``writer`` writes ``text`` to Vera: the id of its copy in Vera's chat."""
    await term.type(f":as {writer}")
    await term.type(text)
    source = term.console._last_own[writer]
    user = await db.users.find(PLATFORM, writer)
    item = await db.relay.relayed(user.id, source)
    assert item is not None and item.copies
    state = await db.outbox.state(min(item.copies))
    assert state is not None and state[0]
    return state[0]


async def _reply(term: Terminal, user: str, text: str, to: str) -> str:
    """``user`` answers the message ``to`` of their chat with ``text`` (a Telegram reply):
    what the console printed."""
    await term.type(f":as {user}")
    start = term.out.tell()
    incoming = Incoming(
        Sender(PLATFORM, user, display_name=user),
        chat_id=user,
        event=Text(text),
        message_id=f"reply-{to}",
        reply_to=to,
    )
    await take_update(term.console, incoming)
    await term.console.deliver_due()
    term.out.seek(start)
    shown = term.out.read()
    term.out.seek(0, 2)
    return readable(shown)


async def test_a_reply_to_a_relayed_message_goes_to_its_writer(
    dispatcher: Dispatcher, db: Database
):
    """Vera helps Amira and Bernd. Her reply to Amira's message reaches Amira, with no
    question which contact - also after she chose Bernd with "Write to" and while she is
    asked about another message; a reply to anything else is asked about, as before."""
    term = _terminal(dispatcher, db)
    await _people(term, db, "amira", "bernd")
    first = await _match(term, db, "amira", "أحتاج مساعدة في التسوق")
    second = await _match(term, db, "bernd", "Bitte Einkauf mitbringen")
    from_amira = await _relayed_to_vera(term, db, "amira", "الباب الأزرق")
    await _relayed_to_vera(term, db, "bernd", "Klingel bei Schmidt")

    shown = await _reply(term, "vera", "Bin gleich da, Amira", from_amira)
    assert "[amira]" in shown and "Bin gleich da, Amira" in shown and "[bernd]" not in shown
    assert f"rl:for:{first}" not in _buttons(term)

    # "Write to Bernd" chosen: a reply to Amira's message still goes to Amira, and the
    # next plain message to Bernd.
    await term.press(f"rl:to:{second}")
    shown = await _reply(term, "vera", "Noch zwei Minuten", from_amira)
    assert "[amira]" in shown and "[bernd]" not in shown
    shown = await term.type("Bernd, ich klingle")
    assert "[bernd]" in shown and "[amira]" not in shown

    # Asked which contact a message is for: the reply goes to Amira, the kept one waits.
    await term.type("/menu")
    await term.type("Wer bekommt das?")
    assert sorted(_buttons(term)) == sorted([f"rl:for:{first}", f"rl:for:{second}"])
    shown = await _reply(term, "vera", "Amira, ich bin unten", from_amira)
    assert "[amira]" in shown and "[bernd]" not in shown
    vera = await db.users.find(PLATFORM, "vera")
    assert (await db.users.get_state(vera.id)).state == "relay.which"
    shown = await term.press(f"rl:for:{second}")
    assert "[bernd]" in shown and "Wer bekommt das?" in shown

    # A reply to a message that is no relayed one is asked about, as any text.
    await term.type("/menu")
    shown = await _reply(term, "vera", "Hallo?", "no-such-message")
    assert "[amira]" not in shown and "[bernd]" not in shown
    assert sorted(_buttons(term)) == sorted([f"rl:for:{first}", f"rl:for:{second}"])


async def test_a_reply_to_an_ended_contact_is_not_passed_on(dispatcher: Dispatcher, db: Database):
    """Amira's contact ended: Vera's reply to Amira's old message reaches nobody - not
    Bernd, her running contact - and she reads that in her language."""
    term = _terminal(dispatcher, db)
    await _people(term, db, "amira", "bernd")
    first = await _match(term, db, "amira", "أحتاج مساعدة في التسوق")
    await _match(term, db, "bernd", "Bitte Einkauf mitbringen")
    from_amira = await _relayed_to_vera(term, db, "amira", "الباب الأزرق")
    await term.type(":as amira")
    await term.press(f"rl:done:{first}")
    await term.press(f"rl:doney:{first}")

    shown = await _reply(term, "vera", "Bin gleich da, Amira", from_amira)
    assert "[amira]" not in shown and "[bernd]" not in shown
    assert readable(str(translator("de").t(ENDED_NOT_PASSED))) in shown
