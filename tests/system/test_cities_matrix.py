"""Two cities' Matrix bots in one ``python -m bot run`` process against a real Synapse:
Dortmund (the main configuration, its bot logged in with an access token) and Unna (a file
in ``cities_dir``, its gazetteer tests/data/unna, its bot logging in with a password given
only as ``NACHBARBOT_CITY_UNNA__MATRIX__PASSWORD``), each with its own account and its own
coordinators' room, on SQLite and on PostgreSQL.

One resident writes to both bots and finds only each city's places; her help request in
Unna is posted only in Unna's room and offered only to Unna's volunteer; Dortmund's
coordinator, sitting in Unna's room too and writing to Unna's bot, cannot publish it;
after a restart each bot goes on from its own sync token, on its own device, and neither
replays nor misses a message; ``doctor`` checks each city's own login and room.

And one city's trouble stays its own: ``doctor`` asks for a further city's own secret
variables and reports an unreachable homeserver instead of waiting for it, a city whose
homeserver is down during a restart does not keep the next city's bot from starting, and a
further city whose account the homeserver refuses is left out while the other runs.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path
from typing import Any

import nio
import pytest

from bot.app import open_city_database
from bot.cities import City, load_cities
from bot.config import load_config
from bot.transports.matrix import KEYCAPS
from bot.transports.matrix.key_vault import opened_text
from bot.transports.matrix.login import SESSION
from db import Database
from handlers.helping.render import category_label
from handlers.helping.vocabulary import WHEN_BUTTONS
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from locales import translator
from tests.support.cli import ROOT, run_bot
from tests.support.crash_story import MatrixProcess
from tests.support.helping_people import volunteer_profile
from tests.support.matrix_bot import synced_to_now
from tests.support.matrix_people import HANG, MatrixPerson
from tests.support.ports import free_port
from tests.support.synapse_server import Synapse
from tests.support.two_cities import write_cities

UNNA_PASSWORD = "unna-bot-password"
_NUMBERS = itertools.count(1)
DE = translator("de")
RUNNING = "running 2 cities: dortmund, unna"


class MatrixBots(MatrixProcess):
    """The real process with only Matrix configured: up once its log says it runs both
    cities."""

    def __init__(self, tmp: Path, config: Path, env: dict[str, str]) -> None:
        super().__init__(tmp, config.read_text(), env, ready=RUNNING, ready_within=180)


def _write_config(
    tmp: Path, database: str, homeserver: str, bots: dict[str, str], rooms: dict[str, str]
) -> Path:
    """The two cities; ``bots`` and ``rooms``: each city's bot account and coordinators'
    room."""

    def sections(slug: str) -> str:
        return (
            "[help]\nnew_user_cooldown_minutes = 0\nrequire_verified_volunteers = false\n"
            f'[matrix]\nhomeserver = "{homeserver}"\nuser_id = "{bots[slug]}"\n'
            f'backchannel_room = "{rooms[slug]}"\nsync_timeout = 1\n'
        )

    return write_cities(tmp, database, dortmund=sections("dortmund"), unna=sections("unna"))


def _text(event: dict[str, Any]) -> str:
    """What a message says now: an edit's new text, else its body."""
    content = event.get("content", {})
    return (content.get("m.new_content") or content).get("body", "")


async def _said(
    person: MatrixPerson, room: str, needle: str, after: int, timeout: float = HANG
) -> dict[str, Any]:
    """The first message in ``room`` (from index ``after``) that says ``needle``."""
    return await person.wait_for(
        lambda e: e["room"] == room and needle in _text(e), after=after, timeout=timeout
    )


async def _choose(person: MatrixPerson, room: str, message: dict[str, Any], label: str) -> None:
    """Press the button ``label`` of the bot's ``message`` as Element users do: react with
    its number (on the message an edit replaces, if it is one)."""
    relation = message["content"].get("m.relates_to") or {}
    target = (
        relation["event_id"] if relation.get("rel_type") == "m.replace" else message["event_id"]
    )
    for line in _text(message).splitlines():
        number, _, rest = line.partition(" ")
        if label in rest and (number in KEYCAPS or number.startswith("[")):
            # Past 🔟 there is no keycap: the button's own emoji, as people react.
            await person.react(room, target, number if number in KEYCAPS else rest.split()[0])
            return
    raise AssertionError(f"no button {label!r} in {_text(message)!r}")


async def _step(
    person: MatrixPerson, room: str, act: Any, needle: str, *, in_room: str | None = None
) -> dict[str, Any]:
    """Do ``act`` and wait for the bot's message saying ``needle`` (in ``in_room``, by
    default the same room)."""
    mark = len(person.received)
    await act()
    return await _said(person, in_room or room, needle, mark)


async def _onboard(person: MatrixPerson, bot: str) -> str:
    """A direct chat with ``bot``: its greeting, Deutsch by typing 1, no read aloud by
    typing 3 (offered before the privacy notice), agreeing by reacting 1️⃣ on the notice;
    returns the room."""
    mark = len(person.received)
    room = await person.dm(bot)
    picker = await _said(person, room, "1️⃣", mark)
    await _step(person, room, lambda: person.say(room, "1"), "3️⃣")  # the read-aloud offer
    notice = await _step(person, room, lambda: person.say(room, "3"), "🔒")
    assert "Deutsch" in _text(picker)
    await _step(person, room, lambda: person.react(room, notice["event_id"], "1️⃣"), "🏠")
    return room


async def _bot_joined(person: MatrixPerson, room: str, bot: str) -> None:
    for _ in range(300):  # a hang detector, not a speed bound
        members = await person.client.joined_members(room)
        assert isinstance(members, nio.JoinedMembersResponse), members
        if any(m.user_id == bot for m in members.members):
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the bot did not join its coordinators' room")


async def _room(creator: MatrixPerson, name: str, invite: list[str]) -> str:
    created = await creator.client.room_create(name=name, invite=invite)
    assert isinstance(created, nio.RoomCreateResponse), created
    return created.room_id


async def _seed(city: City, places: Path, coordinator: MatrixPerson) -> None:
    """The city's places and its coordinator (who acts in the coordinators' room)."""
    db = await open_city_database(city)
    try:
        await import_places(db, places, load_gazetteer(city.config.places.data_dir))
        user = await db.users.seen("matrix", coordinator.user_id, "", "C", private=False)
        await db.users.grant_role(user.id, "coordinator")
    finally:
        await db.close()


async def _volunteer(city: City, person: MatrixPerson) -> None:
    """``person``, onboarded in the city's bot, volunteers for shopping in Königsborn (a
    Dortmund volunteer too: only the city keeps her from an Unna request)."""
    db = await open_city_database(city)
    try:
        user = await db.users.find("matrix", person.user_id)
        assert user is not None and user.consent_at
        await volunteer_profile(db, user.id, districts=("Königsborn", "Innenstadt-Nord"))
    finally:
        await db.close()


async def _read(city: City, sql: str) -> list[tuple[Any, ...]]:
    db = await open_city_database(city)
    try:
        return [tuple(row) for row in await db.fetch_all(sql)]
    finally:
        await db.close()


async def _user_id(city: City, person: MatrixPerson) -> int:
    db = await open_city_database(city)
    try:
        user = await db.users.find("matrix", person.user_id)
        assert user is not None
        return user.id
    finally:
        await db.close()


async def _synced(city: City, synapse: Synapse, access_token: str | None = None) -> None:
    """Until the city's bot has taken and answered every event the homeserver holds for it
    (``synced_to_now``); ``access_token``: its own, by default the one it stored at its
    login with the password."""
    db = await open_city_database(city)
    try:
        if access_token is None:  # sealed with the city's key, as the bot stored it
            stored = await db.transport_state.get(SESSION)
            assert stored is not None
            opened = await opened_text(city.config.matrix, stored, SESSION)
            access_token = json.loads(opened)["access_token"]
        await synced_to_now(
            synapse.url, access_token, lambda: db.transport_state.get("matrix.next_batch")
        )
    finally:
        await db.close()


async def _all_sent(city: City) -> None:
    """Until the city's outbox has nothing left to send (a hang detector of a minute)."""
    db = await open_city_database(city)
    try:
        for _ in range(1200):
            if await db.outbox.pending() == 0:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{city.slug}'s outbox still held messages after a minute")
    finally:
        await db.close()


async def _state(city: City, key: str) -> str | None:
    db: Database = await open_city_database(city)
    try:
        return await db.transport_state.get(key)
    finally:
        await db.close()


async def test_two_cities_matrix_bots_in_one_process(
    tmp_path: Path,
    database_url: str,
    synapse: Synapse,
):
    number = next(_NUMBERS)
    dortmund_bot = synapse.register(f"dortmundbot{number}")
    bots = {
        "dortmund": dortmund_bot["user_id"],
        "unna": synapse.register(f"unnabot{number}", password=UNNA_PASSWORD)["user_id"],
    }
    amira = MatrixPerson(synapse, "amira")  # the resident, writing to both cities' bots
    cora, vera = MatrixPerson(synapse, "cora"), MatrixPerson(synapse, "vera")  # Dortmund
    ute, uwe = MatrixPerson(synapse, "ute"), MatrixPerson(synapse, "uwe")  # Unna
    people = (amira, cora, vera, ute, uwe)
    for person in people:
        await person.start()
    process: MatrixBots | None = None
    try:
        # Each city's coordinators' room; Cora, Dortmund's coordinator, sits in Unna's too.
        back_d = await _room(cora, "Koordination Dortmund", [bots["dortmund"]])
        back_u = await _room(ute, "Koordination Unna", [bots["unna"], cora.user_id])
        assert isinstance(await cora.client.join(back_u), nio.JoinResponse)
        config = _write_config(
            tmp_path, database_url, synapse.url, bots, {"dortmund": back_d, "unna": back_u}
        )
        env = {
            "NACHBARBOT_MATRIX__ACCESS_TOKEN": dortmund_bot["access_token"],
            "NACHBARBOT_CITY_UNNA__MATRIX__PASSWORD": UNNA_PASSWORD,
        }
        dortmund, unna = load_cities(load_config(config, env), env)
        assert (dortmund.slug, unna.slug) == ("dortmund", "unna")
        await _seed(dortmund, ROOT / "data/dortmund/places-sample.csv", cora)
        await _seed(unna, ROOT / "tests/data/unna/places.csv", ute)

        process = MatrixBots(tmp_path, config, env)
        await process.start()
        await _bot_joined(cora, back_d, bots["dortmund"])
        await _bot_joined(ute, back_u, bots["unna"])
        # Everyone's direct chats, all at once: two bots serving side by side.
        dm_d, dm_u, vera_dm, uwe_dm, cora_dm_u = await asyncio.gather(
            _onboard(amira, bots["dortmund"]),
            _onboard(amira, bots["unna"]),
            _onboard(vera, bots["dortmund"]),
            _onboard(uwe, bots["unna"]),
            _onboard(cora, bots["unna"]),  # a newcomer there, and no coordinator
        )
        # Each bot greets as its own city's.
        greetings = {r: _text(e) for r, e in reversed(amira.received) if "👋" in _text(e)}
        assert "Unna" in greetings[dm_u] and "Dortmund" not in greetings[dm_u]
        assert "Dortmund" in greetings[dm_d] and "Unna" not in greetings[dm_d]
        await _volunteer(dortmund, vera)
        await _volunteer(unna, uwe)

        # Places: each bot knows its own city's only.
        _, found_d = await asyncio.gather(
            _step(amira, dm_u, lambda: amira.say(dm_u, "Königsborn"), "Testcafé Königsborn"),
            _step(amira, dm_d, lambda: amira.say(dm_d, "Innenstadt-Nord"), "📏"),
        )
        assert "Testcafé" not in _text(found_d)
        mark = len(amira.received)
        await amira.say(dm_d, "Königsborn")  # Dortmund's bot knows no such place
        await amira.wait_for(lambda e: e["room"] == dm_d, after=mark)
        await _synced(dortmund, synapse, dortmund_bot["access_token"])  # all it answered
        await amira.caught_up()
        said_d = " ".join(_text(e) for r, e in amira.received[mark:] if r == dm_d)
        assert "Testcafé" not in said_d and "Friedrich-Ebert" not in said_d
        await _step(amira, dm_d, lambda: amira.say(dm_d, "!menu"), "🏠")

        # Amira asks Unna's neighbours for help with her shopping.
        say, press = amira.say, _choose
        home = await _step(amira, dm_u, lambda: say(dm_u, "!request"), DE._("Ask for help"))
        kinds = await _step(
            amira, dm_u, lambda: press(amira, dm_u, home, DE._("Ask for help")), "🤝"
        )
        shopping = category_label(DE, "shopping")
        await _step(amira, dm_u, lambda: press(amira, dm_u, kinds, shopping), "✍️")
        await _step(amira, dm_u, lambda: say(dm_u, "Einkauf in Königsborn"), "📍")
        when = await _step(amira, dm_u, lambda: say(dm_u, "Königsborn"), "🕓")
        langs = await _step(
            amira, dm_u, lambda: press(amira, dm_u, when, DE._(WHEN_BUTTONS["asap"])), "🗣"
        )
        summary = await _step(amira, dm_u, lambda: press(amira, dm_u, langs, DE._("Done")), "📋")
        mark_d = len(cora.received)
        post = await _step(
            ute,
            back_u,
            lambda: press(amira, dm_u, summary, DE._("Send")),
            "Einkauf in Königsborn",
        )
        [(request_id, state, decided_by)] = await _read(
            unna, "SELECT id, state, decided_by FROM help_requests"
        )
        assert (state, decided_by) == ("review", None)

        # Cora, Dortmund's coordinator, cannot publish it: not by reacting ✅ on the post
        # in Unna's room (she sits in it), not with !publish in her chat with Unna's bot.
        await _step(cora, back_u, lambda: cora.react(back_u, post["event_id"], "✅"), "⛔")
        refusal = await _step(
            cora, cora_dm_u, lambda: cora.say(cora_dm_u, f"!publish {request_id}"), "⛔"
        )
        assert "Einkauf" not in _text(refusal)
        assert await _read(unna, "SELECT state, decided_by FROM help_requests") == [
            ("review", None)
        ]
        # Ute, Unna's coordinator, can: Uwe is offered it, Vera is not.
        mark_vera = len(vera.received)
        mark_uwe = len(uwe.received)
        await ute.react(back_u, post["event_id"], "✅")
        offer = await _said(uwe, uwe_dm, "🔔", mark_uwe)
        assert "Königsborn" in _text(offer)
        assert await _read(unna, "SELECT state, decided_by FROM help_requests") == [
            ("open", await _user_id(unna, ute))
        ]
        # Whatever else the bots would send: the rest of their outboxes sent and read.
        await _all_sent(dortmund)
        await _all_sent(unna)
        await vera.caught_up()
        await cora.caught_up()
        assert not [e for _, e in vera.received[mark_vera:] if "🔔" in _text(e)]
        assert not [e for r, e in cora.received[mark_d:] if r == back_d]
        assert await _read(dortmund, "SELECT COUNT(*) FROM help_requests") == [(0,)]

        # A restart: each bot goes on from its own sync token, on its own device.
        tokens = {c.slug: await _state(c, "matrix.next_batch") for c in (dortmund, unna)}
        device = await _state(unna, "matrix.device_id")
        assert tokens["dortmund"] and tokens["unna"] and device
        process.stop()
        mark = len(amira.received)
        await amira.say(dm_u, "!help")  # written while the bots are down
        await amira.say(dm_d, "!help")
        marks = {p.name: len(p.received) for p in people}
        await process.start()
        await _said(amira, dm_u, "!menu", mark)
        await _said(amira, dm_d, "!menu", mark)
        # Anything replayed would be answered before each bot's token is the homeserver's.
        await _synced(dortmund, synapse, dortmund_bot["access_token"])
        await _synced(unna, synapse)
        for person in people:
            await person.caught_up()
        for room in (dm_u, dm_d):
            answers = [e for r, e in amira.received[mark:] if r == room]
            assert len(answers) == 1, [_text(e)[:40] for e in answers]  # no replay
        for person in (cora, vera, ute, uwe):
            assert person.received[marks[person.name] :] == [], person.name
        assert await _state(unna, "matrix.device_id") == device
    finally:
        if process is not None:
            process.stop()
        for person in people:
            await person.stop()

    # doctor checks each city's own login (the stored one: no new device) and room.
    checked = run_bot("--config", str(config), "doctor", env=env)
    for city in ("dortmund", "unna"):
        assert f"ok    {city}: matrix login - {bots[city]}" in checked.stdout, checked.stdout
        assert f"ok    {city}: matrix backchannel" in checked.stdout, checked.stdout
    assert await _state(unna, "matrix.device_id") == device

    # Each bot spoke only in its own city's rooms.
    rooms = {
        bots["dortmund"]: {dm_d, vera_dm, back_d},
        bots["unna"]: {dm_u, uwe_dm, cora_dm_u, back_u},
    }
    for person in people:
        for room, event in person.received:
            if event["sender"] in rooms:
                assert room in rooms[event["sender"]], (person.name, _text(event)[:60])
    said_in_dortmund = " ".join(_text(e) for r, e in amira.received if r == dm_d)
    assert "Testcafé" not in said_in_dortmund and "Testtreff" not in said_in_dortmund
    assert "Einkauf in Königsborn" not in " ".join(_text(e) for _, e in vera.received)
    log = process.log.read_text(encoding="utf-8") if process else ""
    assert "[unna]" in log and "[dortmund]" in log


def test_doctor_names_a_further_citys_own_matrix_variables(tmp_path: Path):
    """Unna's bot without its secret: doctor asks for Unna's variables, never for the main
    city's (set, they would be Dortmund's bot's login)."""
    config = _write_config(
        tmp_path,
        str(tmp_path / "bot.sqlite3"),
        "http://127.0.0.1:9",
        {"dortmund": "@dortmundbot:localhost", "unna": "@unnabot:localhost"},
        {"dortmund": "!dortmund:localhost", "unna": "!unna:localhost"},
    )
    env = {"NACHBARBOT_MATRIX__ACCESS_TOKEN": "dortmund-token"}
    checked = run_bot("--config", str(config), "doctor", env=env)
    assert checked.returncode == 1
    [line] = [line for line in checked.stdout.splitlines() if "unna: configuration" in line]
    assert "NACHBARBOT_CITY_UNNA__MATRIX__ACCESS_TOKEN" in line
    assert "NACHBARBOT_CITY_UNNA__MATRIX__PASSWORD" in line
    assert "NACHBARBOT_MATRIX__" not in line
    # Dortmund's homeserver cannot be reached: a verdict, not a doctor waiting for ever.
    assert "FAIL  dortmund: matrix - ClientConnectorError" in checked.stdout, checked.stdout


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("login", ["stored", "first"])
async def test_one_citys_homeserver_down_holds_up_no_other_city(
    tmp_path: Path,
    database_url: str,
    synapse: Synapse,
    login: str,
):
    """Dortmund's bot logs in with a password while its homeserver is down: with a login
    stored from an earlier run it starts without checking it (the sync loop waits for the
    homeserver); on its first start its login waits. Either way Unna's bot serves its
    people, and the process stops cleanly when told to."""
    number = next(_NUMBERS)
    unna_bot = synapse.register(f"unna{login}{number}")
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    config = _write_config(
        tmp_path,
        database_url,
        synapse.url,
        {"dortmund": "@dortmundbot:localhost", "unna": unna_bot["user_id"]},
        {"dortmund": "", "unna": ""},
    )
    config.write_text(config.read_text().replace(synapse.url, down, 1), encoding="utf-8")
    env = {
        "NACHBARBOT_MATRIX__PASSWORD": "dortmund-password",
        "NACHBARBOT_CITY_UNNA__MATRIX__ACCESS_TOKEN": unna_bot["access_token"],
    }
    dortmund, unna = load_cities(load_config(config, env), env)
    assert dortmund.config.matrix.homeserver == down
    assert unna.config.matrix.homeserver == synapse.url
    if login == "stored":
        db = await open_city_database(dortmund)
        try:
            session = {"homeserver": down, "user_id": "@dortmundbot:localhost"}
            session |= {"device_id": "DEVICE", "access_token": "stored-token"}
            await db.transport_state.set("matrix.session", json.dumps(session))
            await db.transport_state.set("matrix.next_batch", "s1_2_3")
        finally:
            await db.close()
    amira = MatrixPerson(synapse, "amira")
    await amira.start()
    process = MatrixBots(tmp_path, config, env)
    try:
        await process.start(RUNNING if login == "stored" else "[unna] bot.city_service: running")
        mark = len(amira.received)
        room = await amira.dm(unna_bot["user_id"])
        greeting = await _said(amira, room, "👋", mark)
        assert "Unna" in _text(greeting)
    finally:
        process.stop()
        await amira.stop()
    assert process.process is not None and process.process.returncode == 0
    log = process._log()
    if login == "stored":
        assert "[dortmund] bot.transports.matrix.login: matrix: whoami failed" in log
    else:
        assert RUNNING not in log  # Dortmund is still waiting for its first login
        assert "[dortmund] bot.city_service: running" not in log


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_further_citys_refused_matrix_account_stops_no_other_city(
    tmp_path: Path, database_url: str, synapse: Synapse
):
    """Unna's bot password is wrong (Synapse refuses the login: M_FORBIDDEN): ``run`` serves
    Dortmund and says in the log that Unna is not served and why, the password not in it.
    Before, run stopped every city ("no city runs", exit 1) and systemd started it again,
    to stop again, for as long as the password stayed wrong."""
    number = next(_NUMBERS)
    dortmund_bot = synapse.register(f"dortmundrefused{number}")
    unna_bot = synapse.register(f"unnarefused{number}")
    config = _write_config(
        tmp_path,
        database_url,
        synapse.url,
        {"dortmund": dortmund_bot["user_id"], "unna": unna_bot["user_id"]},
        {"dortmund": "", "unna": ""},
    )
    wrong = "not-unnas-password-5b9d"
    env = {
        "NACHBARBOT_MATRIX__ACCESS_TOKEN": dortmund_bot["access_token"],
        "NACHBARBOT_CITY_UNNA__MATRIX__PASSWORD": wrong,
    }
    amira = MatrixPerson(synapse, "amira")
    await amira.start()
    process = MatrixBots(tmp_path, config, env)
    try:
        await process.start("city unna is not served: its chat service refused its account")
        mark = len(amira.received)
        room = await amira.dm(dortmund_bot["user_id"])
        greeting = await _said(amira, room, "👋", mark)
        assert "Dortmund" in _text(greeting)
        assert process.process is not None and process.process.poll() is None  # still running
    finally:
        process.stop()
        await amira.stop()
    assert process.process is not None and process.process.returncode == 0
    log = process._log()
    assert "(LoginFailed: matrix login failed: M_FORBIDDEN)" in log, log
    assert wrong not in log
    assert "no city runs" not in log
