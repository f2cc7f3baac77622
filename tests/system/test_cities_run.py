"""Two cities on one installation, through the real ``python -m bot run`` process: Dortmund
(the main configuration) and Unna (a file in ``cities_dir``, its own small gazetteer in
tests/data/unna), each with its own bot token on a fake Bot API server of its own, on SQLite
and on PostgreSQL.

Both cities' stories run at the same time: a resident of each finds only their city's
places, a help request is posted only in its city's backchannel and offered only to its
city's volunteers, each city's coordinators reach only their own city's desk (a web of its
own on its own port), nothing crosses between the two bots, neither bot is ever answered
429, and the log names the city of each line."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import aiohttp
import pytest
from markupsafe import Markup

from bot.app import open_city_database
from bot.cities import load_cities
from bot.config import load_config
from db import Database
from handlers.messages import Message, encode
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from tests.support.cli import ROOT
from tests.support.crash_story import BotProcess
from tests.support.fake_telegram import FakeTelegram
from tests.support.forked_bot import launch_forked
from tests.support.helping_people import volunteer_profile
from tests.support.ports import free_port
from tests.support.two_cities import GROUP_DORTMUND, GROUP_UNNA, telegram_cities

TOKEN_DORTMUND = "111111:DORTMUND-TOKEN"
TOKEN_UNNA = "222222:UNNA-TOKEN"
RESIDENT = 5001  # writes to both cities' bots: one Telegram account, two cities
VERA, CORA = 6001, 6002  # Dortmund's volunteer and coordinator
UWE, UTE = 7001, 7002  # Unna's volunteer and coordinator
OFFERS = 45  # per city, to chats 20000, 20001, …


def _is_offer(call) -> bool:
    return call.method == "sendMessage" and int(call.params["chat_id"]) >= 20_000


def _offered(fake: FakeTelegram) -> list:
    """The offers of the fan-out the fake server answered."""
    return [c for c in fake.calls if _is_offer(c) and c.result]


async def _seed(db: Database, data: Path, places: Path, people: dict[int, str], bezirk: str):
    await import_places(db, places, load_gazetteer(str(data)))
    for uid, role in people.items():
        user = await db.users.seen("telegram", str(uid), str(uid), f"P{uid}")
        await db.users.set_language(user.id, "de")
        await db.users.record_consent(user.id)
        if role == "volunteer":
            await volunteer_profile(db, user.id, districts=(bezirk,))
        elif role == "coordinator":
            await db.users.grant_role(user.id, "coordinator")


async def _story(
    fake: FakeTelegram,
    group: int,
    coordinator: int,
    volunteer: int,
    where: str,
    intruder: int | None = None,
):
    """A resident asks for shopping help; ``intruder`` (another city's coordinator) tries
    to approve it through this city's bot with the button's data and changes nothing; the
    city's coordinator approves; the volunteer is offered it."""

    async def reply(chat: int, needle: str = "", after: int = 0) -> None:
        await fake.wait_for(
            "sendMessage", lambda c: needle in c.text, chat_id=chat, after=after, timeout=30
        )

    for send, chat, needle in (
        (lambda: fake.press(RESIDENT, "hr:new"), RESIDENT, ""),
        (lambda: fake.press(RESIDENT, "hr:cat:shopping"), RESIDENT, "✍️"),
        (lambda: fake.send_text(RESIDENT, f"Einkauf in {where}"), RESIDENT, "📍"),
        (lambda: fake.send_text(RESIDENT, where), RESIDENT, "🕓"),
        (lambda: fake.press(RESIDENT, "hr:when:asap"), RESIDENT, "🗣"),
        (lambda: fake.press(RESIDENT, "hr:langs-done"), RESIDENT, "📋"),
        (lambda: fake.press(RESIDENT, "hr:send"), group, f"Einkauf in {where}"),
    ):
        mark = len(fake.calls)
        send()
        await reply(chat, needle, mark)
    post = fake.calls_to("sendMessage", chat_id=group)[-1]
    request_id = int(post.button_data("✅").split(":")[2])
    if intruder is not None:
        mark = len(fake.calls)
        fake.press(intruder, f"mod:ok:{request_id}")
        await fake.wait_for("answerCallbackQuery", after=mark)
        await fake.settle(quiet=1.0, timeout=20)
        assert not fake.calls_to("sendMessage", chat_id=volunteer)
    mark = len(fake.calls)
    fake.press(coordinator, f"mod:ok:{request_id}", post)
    await reply(volunteer, "🔔", mark)


async def _desk_link(fake: FakeTelegram, coordinator: int) -> str:
    mark = len(fake.calls)
    fake.send_text(coordinator, "/desk")
    answer = await fake.wait_for("sendMessage", chat_id=coordinator, after=mark)
    found = re.search(r'href="(http://[^"]+/desk/login/[^"]+)"', answer.text)
    assert found, answer.text
    return found.group(1)


async def _desks_stay_apart(dortmund: FakeTelegram, unna: FakeTelegram) -> None:
    """Each city's coordinator logs in to their own city's desk, which shows their city's
    request only; one city's login link is worth nothing at the other's desk."""
    link_d, link_u = await _desk_link(dortmund, CORA), await _desk_link(unna, UTE)
    base_d, token_d = link_d.split("/desk/login/")
    base_u, token_u = link_u.split("/desk/login/")
    assert base_d != base_u  # two webs, each on its own port
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        async with browser.get(f"{base_u}/desk/login/{token_d}") as wrong:
            assert wrong.status == 403
        async with browser.post(
            f"{base_u}/desk/login/{token_d}", headers={"Origin": base_u}, allow_redirects=False
        ) as wrong:
            assert wrong.status == 403
        async with browser.post(
            f"{base_u}/desk/login/{token_u}", headers={"Origin": base_u}, allow_redirects=False
        ) as logged_in:
            assert logged_in.status == 303
        # Both cities' first request is number 1, each in its own database.
        async with browser.get(f"{base_u}/desk/requests/1") as detail:
            page = await detail.text()
            assert detail.status == 200
    assert "Einkauf in Königsborn" in page and "Nordmarkt" not in page


async def test_two_cities_one_process_nothing_crosses(tmp_path, database_url: str):
    dortmund, unna = FakeTelegram(TOKEN_DORTMUND), FakeTelegram(TOKEN_UNNA)
    await dortmund.start()
    await unna.start()
    config_path = telegram_cities(tmp_path, database_url, dortmund.url, unna.url)
    env = {
        "NACHBARBOT_TELEGRAM__TOKEN": TOKEN_DORTMUND,
        "NACHBARBOT_CITY_UNNA__TELEGRAM__TOKEN": TOKEN_UNNA,
    }
    cities = load_cities(load_config(config_path, env), env)
    assert [c.slug for c in cities] == ["dortmund", "unna"]
    for city, data, places, people, bezirk in (
        (
            cities[0],
            ROOT / "data/dortmund",
            ROOT / "data/dortmund/places-sample.csv",
            {RESIDENT: "", VERA: "volunteer", CORA: "coordinator"},
            "Innenstadt-Nord",
        ),
        (
            cities[1],
            ROOT / "tests/data/unna",
            ROOT / "tests/data/unna/places.csv",
            {RESIDENT: "", UWE: "volunteer", UTE: "coordinator"},
            "Königsborn",
        ),
    ):
        db = await open_city_database(city)
        try:
            await _seed(db, data, places, people, bezirk)
        finally:
            await db.close()

    bot = BotProcess(
        tmp_path, dortmund, settings=config_path.read_text(), env=env, launch=launch_forked
    )
    bot.env["NACHBARBOT_TELEGRAM__TOKEN"] = TOKEN_DORTMUND
    try:
        await bot.start()
        await unna.wait_for("getMe")
        # Places: each resident finds their own city's, and only those.
        dortmund.send_text(RESIDENT, "Hörde")
        unna.send_text(RESIDENT, "Königsborn")
        await dortmund.wait_for("sendMessage", chat_id=RESIDENT)
        await unna.wait_for(
            "sendMessage", lambda c: "Testcafé Königsborn" in c.text, chat_id=RESIDENT, timeout=30
        )
        # Both cities' help stories at the same time.
        await asyncio.gather(
            _story(dortmund, GROUP_DORTMUND, CORA, VERA, "Nordmarkt"),
            _story(unna, GROUP_UNNA, UTE, UWE, "Königsborn", intruder=CORA),
        )
        await dortmund.settle(quiet=1.0, timeout=20)
        await unna.settle(quiet=1.0, timeout=20)
        await _desks_stay_apart(dortmund, unna)
        # Each city's outbox has its own worker: Dortmund's offers are held at the fake server
        # until Unna's first one has arrived. Had the cities one sender, one after the other,
        # Unna's would never come and nothing would move; nothing is lost either way round.
        unna_sending = asyncio.Event()

        async def after_unna(call) -> None:
            if _is_offer(call):
                await unna_sending.wait()

        async def unna_sends(call) -> None:
            if _is_offer(call):
                unna_sending.set()

        dortmund.hold, unna.hold = after_unna, unna_sends
        for city in cities:
            db = await open_city_database(city)
            try:
                async with db.transaction():
                    for n in range(OFFERS):
                        message = encode(Message(Markup(f"🔔 {city.name} #{n}")))
                        await db.outbox.enqueue("telegram", str(20_000 + n), message)
            finally:
                await db.close()
        for fake in (dortmund, unna):
            await fake.wait_for(
                "sendMessage",
                lambda c, f=fake: len(_offered(f)) == OFFERS,
                timeout=60,
            )
    finally:
        bot.stop()
        await dortmund.stop()
        await unna.stop()

    said_in_dortmund = " ".join(c.text for c in dortmund.calls if c.method == "sendMessage")
    said_in_unna = " ".join(c.text for c in unna.calls if c.method == "sendMessage")
    assert "Testcafé" not in said_in_dortmund and "Testtreff" not in said_in_dortmund
    assert "Einkauf in Königsborn" not in said_in_dortmund
    assert "Einkauf in Nordmarkt" not in said_in_unna
    for dortmund_place in ("Stadt- und Landesbibliothek", "Volkshochschule Dortmund"):
        assert dortmund_place not in said_in_unna
    # Each bot spoke only to its own city's people and backchannel.
    spoken_to = {
        str(c.params["chat_id"])
        for c in unna.calls
        if c.method == "sendMessage" and int(c.params["chat_id"]) < 20_000
    }
    # (Cora, Dortmund's coordinator, wrote to Unna's bot herself: a newcomer there.)
    assert spoken_to <= {str(chat) for chat in (RESIDENT, UWE, UTE, GROUP_UNNA, CORA)}, spoken_to
    to_cora = " ".join(c.text for c in unna.calls_to("sendMessage", chat_id=CORA))
    assert "Einkauf" not in to_cora
    assert not dortmund.calls_to("sendMessage", chat_id=UWE)
    assert not dortmund.calls_to("sendMessage", chat_id=GROUP_UNNA)
    assert not unna.calls_to("sendMessage", chat_id=VERA)
    assert not unna.calls_to("sendMessage", chat_id=GROUP_DORTMUND)
    assert len(_offered(dortmund)) == len(_offered(unna)) == OFFERS
    assert "Unna #" not in said_in_dortmund and "Dortmund #" not in said_in_unna

    # Each city's request is in its own database only.
    for city, mine, theirs in (
        (cities[0], "Einkauf in Nordmarkt", "Einkauf in Königsborn"),
        (cities[1], "Einkauf in Königsborn", "Einkauf in Nordmarkt"),
    ):
        db = await open_city_database(city)
        try:
            texts = [row[0] for row in await db.fetch_all("SELECT description FROM help_requests")]
        finally:
            await db.close()
        assert texts == [mine], (city.slug, texts)
        assert theirs not in texts
    log = bot.log.read_text(encoding="utf-8")
    assert "[unna]" in log and "[dortmund]" in log


def test_a_command_works_on_the_city_it_is_given(tmp_path, database_url: str):
    """``--city`` picks the city whose data a command works on: places imported for Unna
    are Unna's, found with ``--city unna`` and not in the main city; an unknown city, or
    ``--city`` with ``run``, is refused."""
    from tests.support.cli import run_bot

    config = str(
        telegram_cities(tmp_path, database_url, "http://127.0.0.1:9", "http://127.0.0.1:9")
    )
    places = str(ROOT / "tests/data/unna/places.csv")
    imported = run_bot("--config", config, "--city", "unna", "places", "import", places)
    assert imported.returncode == 0, imported.stderr
    near = ("places", "near", "51.5465,7.7055", "--json")
    assert "Testcafé Königsborn" in run_bot("--config", config, "--city", "unna", *near).stdout
    assert "Testcafé" not in run_bot("--config", config, *near).stdout
    unknown = run_bot("--config", config, "--city", "bochum", *near)
    assert unknown.returncode == 2 and "unna" in unknown.stderr
    whole = run_bot("--config", config, "--city", "unna", "run")
    assert whole.returncode == 2 and "whole installation" in whole.stderr
    checked = run_bot("--config", config, "db", "check")
    assert checked.returncode == 0, checked.stdout
    assert "unna: " in checked.stdout and "dortmund: " in checked.stdout


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_migrate_to_moves_every_city_into_its_own_schema(
    tmp_path, database_url: str, postgres_server
):
    """``db migrate-to`` moves the whole installation: the main city into the database's
    own schema, Unna from its file into ``city_unna``, each checked, nothing mixed."""
    from tests.support.cli import run_bot

    config = str(
        telegram_cities(tmp_path, database_url, "http://127.0.0.1:9", "http://127.0.0.1:9")
    )
    for city, places in (
        ("dortmund", ROOT / "data/dortmund/places-sample.csv"),
        ("unna", ROOT / "tests/data/unna/places.csv"),
    ):
        done = run_bot("--config", config, "--city", city, "places", "import", str(places))
        assert done.returncode == 0, done.stderr
    target = postgres_server.new_database()  # migrated and empty, as migrate-to wants
    try:
        moved = run_bot("--config", config, "db", "migrate-to", target)
        assert moved.returncode == 0, moved.stdout + moved.stderr
        assert "== unna ==" in moved.stdout and "(schema city_unna)" in moved.stdout
        main = await Database.open(target, migrate=False)
        unna = await Database.open(target, schema="city_unna", migrate=False)
        try:
            names_main = {row[0] for row in await main.fetch_all("SELECT name FROM places")}
            names_unna = {row[0] for row in await unna.fetch_all("SELECT name FROM places")}
        finally:
            await main.close()
            await unna.close()
    finally:
        postgres_server.drop(target)
    assert len(names_unna) == 3 and all(name.startswith("Test") for name in names_unna)
    assert names_main and not names_main & names_unna


def test_city_list_shows_each_city_and_changes_nothing(tmp_path, database_url: str):
    """``city list`` shows the operator each city - its accounts, web, database and what
    its database holds - without creating a database that is not there yet."""
    from tests.support.cli import run_bot

    config = str(
        telegram_cities(tmp_path, database_url, "http://127.0.0.1:9", "http://127.0.0.1:9")
    )
    env = {
        "NACHBARBOT_TELEGRAM__TOKEN": TOKEN_DORTMUND,
        "NACHBARBOT_CITY_UNNA__TELEGRAM__TOKEN": TOKEN_UNNA,
    }
    before = run_bot("--config", config, "city", "list", "--json", env=env)
    assert before.returncode == 0, before.stderr
    unna_before = json.loads(before.stdout)[1]
    assert unna_before["schema_version"] is None and not unna_before["counts"]
    # Unna has never run: no file on SQLite, no schema on PostgreSQL (and none made).
    assert "no database yet" in unna_before["problem"] or "not there" in unna_before["problem"]
    places = str(ROOT / "tests/data/unna/places.csv")
    done = run_bot("--config", config, "--city", "unna", "places", "import", places)
    assert done.returncode == 0, done.stderr
    listed = run_bot("--config", config, "city", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    dortmund, unna = json.loads(listed.stdout)
    assert (dortmund["slug"], dortmund["main"], unna["slug"], unna["name"]) == (
        "dortmund",
        True,
        "unna",
        "Unna",
    )
    assert unna["counts"]["places"] == 3 and unna["backchannels"] == ["telegram"]
    assert unna["telegram"] and unna["web"].startswith("port ")
    assert unna["configured_in"].endswith("unna.toml")
    assert TOKEN_UNNA not in listed.stdout and TOKEN_DORTMUND not in listed.stdout
    if database_url.startswith("postgresql"):
        assert "(schema city_unna)" in unna["database"]
        assert dortmund["schema_version"] == unna["schema_version"] > 0
    else:
        # Dortmund's database was never opened: listing shows it, and does not create it.
        assert dortmund["problem"].startswith("no database yet")
        assert not Path(database_url).exists()
    text = run_bot("--config", config, "city", "list", env=env).stdout
    assert (
        "unna: Unna" in text and "  places: 3" in text and "dortmund: Dortmund (main city)" in text
    )


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_two_cities_on_webhooks_each_with_its_own_port_and_secret(
    tmp_path, database_url: str
):
    """Both cities take updates by webhook, each on its own port with its own secret (a
    further city's from its own variable): each bot registers its own address, answers
    what its own secret carries, and refuses the other city's secret."""
    dortmund, unna = FakeTelegram(TOKEN_DORTMUND), FakeTelegram(TOKEN_UNNA)
    await dortmund.start()
    await unna.start()
    config_path = telegram_cities(tmp_path, database_url, dortmund.url, unna.url)
    ports = {"dortmund": free_port(), "unna": free_port()}
    for path, slug in ((config_path, "dortmund"), (tmp_path / "cities/unna.toml", "unna")):
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                "poll_timeout = 1\n",
                f'mode = "webhook"\nwebhook_url = "https://{slug}.example.org/tg"\n'
                f"webhook_port = {ports[slug]}\n",
            ),
            encoding="utf-8",
        )
    secrets = {"dortmund": "dortmund-hook-secret", "unna": "unna-hook-secret"}
    env = {
        "NACHBARBOT_TELEGRAM__TOKEN": TOKEN_DORTMUND,
        "NACHBARBOT_TELEGRAM__WEBHOOK_SECRET": secrets["dortmund"],
        "NACHBARBOT_CITY_UNNA__TELEGRAM__TOKEN": TOKEN_UNNA,
        "NACHBARBOT_CITY_UNNA__TELEGRAM__WEBHOOK_SECRET": secrets["unna"],
    }
    bot = BotProcess(
        tmp_path,
        dortmund,
        settings=config_path.read_text(),
        env=env,
        ready="setWebhook",
        launch=launch_forked,
    )

    def update(user: int) -> str:
        message = {"message_id": 1, "date": 0, "chat": {"id": user, "type": "private"}}
        message |= {"from": {"id": user, "is_bot": False, "first_name": "A"}, "text": "/start"}
        message |= {"entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
        return json.dumps({"update_id": user, "message": message})

    try:
        await bot.start()
        for fake, slug in ((dortmund, "dortmund"), (unna, "unna")):
            hook = await fake.wait_for("setWebhook")
            assert hook.params["url"] == f"https://{slug}.example.org/tg"
            assert hook.params["secret_token"] == secrets[slug]
        async with aiohttp.ClientSession() as http:
            for slug, other, user in (("dortmund", "unna", 901), ("unna", "dortmund", 902)):
                url = f"http://127.0.0.1:{ports[slug]}/tg"
                # The other city's secret first: refused; then its own: handled.
                for secret, status in ((secrets[other], 403), (secrets[slug], 200)):
                    headers = {"Content-Type": "application/json"}
                    headers["X-Telegram-Bot-Api-Secret-Token"] = secret
                    async with http.post(url, data=update(user), headers=headers) as answer:
                        assert answer.status == status, (slug, status)
    finally:
        bot.stop()
        await dortmund.stop()
        await unna.stop()
    # Each city's bot answered its own resident, and only once.
    assert len(dortmund.calls_to("sendMessage", chat_id=901)) == 1
    assert len(unna.calls_to("sendMessage", chat_id=902)) == 1
    assert not dortmund.calls_to("sendMessage", chat_id=902)
    assert not unna.calls_to("sendMessage", chat_id=901)
    log = bot.log.read_text(encoding="utf-8")
    assert not any(secret in log for secret in secrets.values())
