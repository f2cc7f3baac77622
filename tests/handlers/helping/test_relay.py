"""A contact between requester and volunteer stands until the help is done or ended: other
actions in between (/myrequests, /menu, a place search) never lose it. Both get the same
code word for the door. Played in the console and on Telegram (fake Bot API server)."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.transports.console import BACKCHANNEL
from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.helping.relay.chat import HELPER_LEFT_NOT_PASSED
from handlers.media.door_codes import DOOR_SYMBOLS
from handlers.messages import ButtonPress, Incoming, Sender
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.helping_people import person, verified_volunteer
from tests.support.memory_transport import readable
from tests.support.telegram_wiring import TELEGRAM_GROUP as GROUP
from tests.support.telegram_wiring import telegram_person as _user
from tests.support.telegram_wiring import telegram_volunteer as _volunteer
from tests.support.terminal import Terminal

_CODE = re.compile(r"🔐 (\S+ \d\d)\b")


async def _match(term: Terminal, db: Database, requester: str, text: str) -> int:
    """``requester`` (already onboarded) asks for shopping help; Cora publishes it; Vera
    takes it. Returns the request id."""
    await term.type(f":as {requester}")
    await term.press("menu:help")
    await term.press("hr:new")
    await term.press("hr:cat:shopping")
    await term.type(text, ":loc 51.5230,7.4560")
    await term.press("hr:when:asap")
    await term.press("hr:langs-done")
    await term.press("hr:send")
    user = await db.users.find("console", requester)
    request_id = (await db.requests.for_requester(user.id))[0].id
    await term.type(":as cora", ":group")
    await term.press(f"mod:ok:{request_id}")
    await term.type(":private", ":as vera")
    await term.press(f"mt:acc:{request_id}")
    assert (await db.requests.get(request_id)).state == "matched"
    return request_id


async def _people(term: Terminal, db: Database, *residents: str) -> None:
    cora = await db.users.seen("console", "cora", "cora", "Cora")
    await db.users.grant_role(cora.id, "coordinator")
    vera = await person(db, "vera")
    await verified_volunteer(db, vera.id, languages=("de", "ar"), max_open=3, verified_by=cora.id)
    for name in residents:
        await term.type(f":as {name}", "/start")
        await term.press("lang:ar" if name == "amira" else "lang:de")
        await term.press("consent:yes")


def _terminal(dispatcher: Dispatcher, db: Database) -> Terminal:
    dispatcher.settings = replace(
        dispatcher.settings, backchannels=frozenset({("console", BACKCHANNEL)})
    )
    return Terminal(dispatcher, db)


def _buttons(term: Terminal) -> list[str]:
    console = term.console
    return [button.data for button in console._buttons.get(console.group or console.user, [])]


async def test_the_contact_survives_other_actions(dispatcher: Dispatcher, db: Database):
    term = _terminal(dispatcher, db)
    await _people(term, db, "amira")
    # Vera's acceptance prints Amira's notice and her own code word.
    await term.type(":as amira")
    request_id = await _match(term, db, "amira", "أحتاج مساعدة في التسوق")
    vera_view = readable(term.out.getvalue())
    codes = _CODE.findall(vera_view)
    assert len(set(codes)) == 1, codes  # Amira and Vera got the same code word
    symbol, number = codes[0].split(" ")
    assert symbol in DOOR_SYMBOLS and 10 <= int(number) <= 99
    assert (await db.requests.get(request_id)).door_code == codes[0]

    # Amira looks at her requests, then the menu: the contact is one tap away in both.
    await term.type(":as amira")
    shown = await term.type("/myrequests")
    assert codes[0] in readable(shown)
    assert f"rl:to:{request_id}" in _buttons(term) and f"rl:done:{request_id}" in _buttons(term)
    await term.type("/menu")
    assert f"rl:to:{request_id}" in _buttons(term) and f"rl:done:{request_id}" in _buttons(term)
    assert "menu:places" in _buttons(term)

    # Typing after those screens still reaches Vera; it is not "not understood".
    shown = await term.type("شكرا، الباب الأزرق")
    assert "[vera]" in shown and "الباب الأزرق" in shown

    # Vera starts a place search, leaves it by the menu, and answers: it reaches Amira,
    # with Amira's buttons (write back, done) under it.
    await term.type(":as vera", "/menu")
    await term.press("menu:places")
    await term.type("/menu")
    assert f"rl:to:{request_id}" in _buttons(term) and f"mt:back:{request_id}" in _buttons(term)
    shown = await term.type("Bin in 10 Minuten da")
    assert "[amira]" in shown and "Bin in 10 Minuten da" in shown
    await term.type(":as amira")
    assert f"rl:to:{request_id}" in _buttons(term) and f"rl:done:{request_id}" in _buttons(term)

    # "Write to Vera" shows the code word again and keeps the contact chosen.
    shown = await term.press(f"rl:to:{request_id}")
    assert codes[0] in readable(shown)
    # Done from the button under the relayed message ends the contact for both.
    await term.press(f"rl:done:{request_id}")
    # One tap asks, it does not end the contact.
    assert (await db.requests.get(request_id)).state == "matched"
    await term.press(f"rl:doney:{request_id}")
    assert (await db.requests.get(request_id)).state == "done"
    await term.type(":as vera", "/menu")
    assert f"rl:to:{request_id}" not in _buttons(term)


async def test_with_two_contacts_the_bot_asks_which(dispatcher: Dispatcher, db: Database):
    term = _terminal(dispatcher, db)
    await _people(term, db, "amira", "bernd")
    first = await _match(term, db, "amira", "أحتاج مساعدة في التسوق")
    second = await _match(term, db, "bernd", "Bitte Einkauf mitbringen")
    amira_code = (await db.requests.get(first)).door_code
    bernd_code = (await db.requests.get(second)).door_code
    assert amira_code and bernd_code

    # Vera writes without choosing: nothing goes anywhere until she picks the person.
    await term.type(":as vera", "/menu")
    shown = await term.type("Ich komme um drei")
    assert "[amira]" not in shown and "[bernd]" not in shown
    assert sorted(_buttons(term)) == sorted([f"rl:for:{first}", f"rl:for:{second}"])
    shown = await term.press(f"rl:for:{second}")
    assert "[bernd]" in shown and "Ich komme um drei" in shown and "[amira]" not in shown
    # The choice stands for her next message.
    shown = await term.type("Klingel geht nicht?")
    assert "[bernd]" in shown and "[amira]" not in shown

    # A forged choice (a request she is not part of) changes nothing and sends nothing.
    await term.type("/menu", "Noch eine Frage")
    vera = await db.users.find("console", "vera")
    out = await dispatcher.handle(
        Incoming(Sender("console", "vera", "Vera"), vera.chat_id, ButtonPress("rl:for:999"))
    )
    assert [type(item).__name__ for item in out] == ["Toast"]
    assert (await db.users.get_state(vera.id)).state == "relay.which"

    # Bernd says it is done: Vera's only contact left is Amira, and text goes there again.
    await term.type(":as bernd")
    await term.press(f"rl:done:{second}")
    await term.press(f"rl:doney:{second}")
    await term.type(":as vera", "/menu")
    shown = await term.type("Jetzt zu dir, Amira")
    assert "[amira]" in shown and "[bernd]" not in shown


async def test_free_input_asks_for_contacts_only_where_one_runs(
    dispatcher: Dispatcher, db: Database, monkeypatch
):
    """Whether a contact runs comes with the person's row (db/users.py ``in_contact``): a
    text from someone in none - a place's name, a reply a step cannot use - asks the
    database for no contacts; once one runs, the text goes to the partner."""
    term = _terminal(dispatcher, db)
    await _people(term, db, "amira")
    asked = []
    relays_of = db.requests.relays_of

    async def counted(user_id: int):  # type: ignore[no-untyped-def]
        asked.append(user_id)
        return await relays_of(user_id)

    monkeypatch.setattr(db.requests, "relays_of", counted)
    await term.type(":as amira")
    shown = await term.type("Hörde")  # a place search outside any step
    assert "Hörde" in readable(shown)
    await term.type("/events")
    await term.press("ev:where")
    shown = await term.type("ما هذا؟")  # a reply the step cannot use
    assert "📍" in shown
    assert asked == []
    await term.type("/menu")
    await _match(term, db, "amira", "أحتاج مساعدة في التسوق")
    await term.type(":as amira", "/menu")
    asked.clear()
    shown = await term.type("شكرا، الباب الأزرق")
    assert "[vera]" in shown and asked


async def test_telegram_contact_buttons_and_myrequests(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names.update({1001: "Amira", 2001: "Vera", 3001: "Cora"})
    await _user(db, 1001, "Amira", "ar")
    await _volunteer(db, 2001, "Vera")
    await _user(db, 3001, "Cora", "de", "coordinator")
    for data in ("hr:new", "hr:cat:shopping"):
        mark = len(fake.calls)
        fake.press(1001, data)
        await fake.wait_for("sendMessage", after=mark, chat_id=1001)
    mark = len(fake.calls)
    fake.send_text(1001, "أحتاج مساعدة في حمل المشتريات")
    await fake.wait_for("sendMessage", after=mark, chat_id=1001)
    mark = len(fake.calls)
    fake.send_message(1001, location={"latitude": 51.523, "longitude": 7.456})
    await fake.wait_for("sendMessage", after=mark, chat_id=1001)
    for data in ("hr:when:asap", "hr:langs-done", "hr:send"):
        mark = len(fake.calls)
        fake.press(1001, data)
        await fake.wait_for("sendMessage", after=mark, chat_id=1001)
    post = await fake.wait_for("sendMessage", lambda c: "mod:ok" in str(c.params), chat_id=GROUP)
    request_id = int(post.button_data("✅").split(":")[2])
    fake.press(3001, f"mod:ok:{request_id}", post)
    offer = await fake.wait_for("sendMessage", lambda c: "mt:acc" in str(c.params), chat_id=2001)
    mark = len(fake.calls)
    fake.press(2001, f"mt:acc:{request_id}", offer)
    code_for_amira = await fake.wait_for(
        "sendMessage", lambda c: "🔐" in c.text, after=mark, chat_id=1001
    )
    code_for_vera = await fake.wait_for(
        "sendMessage", lambda c: "🔐" in c.text, after=mark, chat_id=2001
    )
    code = (await db.requests.get(request_id)).door_code
    assert code in readable(code_for_amira.text) and code in readable(code_for_vera.text)

    # Amira opens /myrequests mid-contact: "Write to Vera" and "Help is done" are there.
    mark = len(fake.calls)
    fake.send_text(1001, "/myrequests")
    mine = await fake.wait_for("sendMessage", after=mark, chat_id=1001)
    assert f"rl:to:{request_id}" in str(mine.params) and f"rl:done:{request_id}" in str(mine.params)
    assert any("Vera" in label for label in mine.button_labels)
    # ... and her next text still reaches Vera, with Vera's buttons under it.
    mark = len(fake.calls)
    fake.send_text(1001, "شكرا جزيلا")
    relayed = await fake.wait_for("sendMessage", after=mark, chat_id=2001)
    assert "│ شكرا جزيلا" in readable(relayed.text)
    assert f"rl:to:{request_id}" in str(relayed.params)
    assert f"mt:back:{request_id}" in str(relayed.params)
    assert any("Amira" in label for label in relayed.button_labels)


def test_door_code_pictures_are_used_nowhere_else():
    """A door code is one picture and a number: a picture the bot also shows as an icon
    ("🔐 🔑 86", the quiet hours' 🌙) would read as two things."""
    from tests.support.cli import ROOT

    elsewhere = {}
    for folder in ("bot", "handlers", "db", "locales"):
        for path in (ROOT / folder).rglob("*"):
            if (
                path.suffix not in (".py", ".html", ".po", ".js", ".css")
                or path.name == "door_codes.py"
            ):
                continue
            text = path.read_text(encoding="utf-8")
            for symbol in DOOR_SYMBOLS:
                if symbol in text:
                    elsewhere.setdefault(symbol, []).append(path.relative_to(ROOT).as_posix())
    owner = (ROOT / "handlers/media/door_codes.py").read_text(encoding="utf-8")
    for symbol in DOOR_SYMBOLS:
        assert owner.count(symbol) == 1, symbol  # in DOOR_SYMBOLS only
    assert elsewhere == {}


async def test_a_message_after_a_hand_back_is_not_passed_on_and_says_so(
    dispatcher: Dispatcher, db: Database
):
    """Vera hands the request back; Bernd's next message was meant for her: it reaches
    nobody, he reads that (and that the request looks for someone again), and what he typed
    is kept - offered as a new request. Only that first message gets the notice."""
    term = _terminal(dispatcher, db)
    await _people(term, db, "bernd")
    request_id = await _match(term, db, "bernd", "Bitte Einkauf mitbringen")
    await term.type(":as vera", "/menu")
    await term.press(f"mt:back:{request_id}")
    await term.press(f"mt:br:{request_id}:time")
    assert (await db.requests.get(request_id)).state == "open"

    await term.type(":as bernd")
    shown = readable(await term.type("Kommen Sie um drei?"))
    assert "[vera]" not in shown
    assert translator("de").t(HELPER_LEFT_NOT_PASSED, id=request_id) in shown
    bernd = await db.users.find("console", "bernd")
    state = await db.users.get_state(bernd.id)
    assert state.state == "anything"
    assert state.data["description"] == "Kommen Sie um drei?"
    await term.type("/menu")
    shown = readable(await term.type("Noch eine Frage an Sie"))
    assert translator("de").t(HELPER_LEFT_NOT_PASSED, id=request_id) not in shown
