"""The operator shares a city's ban with every city of the installation (``python -m bot
bans share``), on both backends: only a ban the city made can be shared; shared, the
account is banned at once where it is known (its requests end through the lifecycle, as
with a coordinator's ban) and from its first message where it is not; the shared list holds
a keyed hash, nobody's id; unsharing takes it off the list and leaves the cities' bans."""

from __future__ import annotations

from bot.app import open_city_database
from bot.cities import load_cities
from bot.config import load_config
from db import Database
from db.bans import SharedBanList
from tests.support.cli import run_bot
from tests.support.two_cities import telegram_cities

NOWHERE = "http://127.0.0.1:9"  # the chat services are never reached by these commands
BANNED_IN_UNNA, NEWCOMER_ELSEWHERE = "8001", "8003"


async def _person(db: Database, uid: str, *, banned: bool = False) -> int:
    user = await db.users.seen("telegram", uid, uid, f"P{uid}")
    await db.users.record_consent(user.id)
    if banned:
        await db.users.set_banned(user.id, True)
    return user.id


async def test_a_city_ban_shared_holds_in_every_city(tmp_path, database_url: str):
    config = telegram_cities(tmp_path, database_url, NOWHERE, NOWHERE)
    env = {"NACHBARBOT_TELEGRAM__TOKEN": "1:A", "NACHBARBOT_CITY_UNNA__TELEGRAM__TOKEN": "2:B"}
    dortmund, unna = load_cities(load_config(config, env), env)
    main, other = await open_city_database(dortmund), await open_city_database(unna)
    try:
        await _person(other, BANNED_IN_UNNA, banned=True)
        await _person(other, NEWCOMER_ELSEWHERE, banned=True)
        known = await _person(main, BANNED_IN_UNNA)
        request = await main.requests.create(known, known, category="shopping")
    finally:
        await main.close()
        await other.close()

    def bans(*args: str):
        return run_bot("--config", str(config), *args, env=env)

    # Not banned in the main city: nothing to share, nothing changes.
    refused = bans("bans", "share", f"telegram:{BANNED_IN_UNNA}")
    # Refusals go where errors go (stderr), as every other command's do.
    assert refused.returncode == 1 and "not banned in dortmund" in refused.stderr
    malformed = bans("bans", "share", "telegram")
    assert malformed.returncode == 2 and "platform:user_id" in malformed.stderr
    main = await open_city_database(dortmund)
    try:
        assert not await SharedBanList(main.users.bans).contains("telegram", BANNED_IN_UNNA)
        assert (await main.users.get(known)).banned_at is None
    finally:
        await main.close()

    shared = bans("--city", "unna", "bans", "share", f"telegram:{BANNED_IN_UNNA}")
    assert shared.returncode == 0, shared.stdout + shared.stderr
    assert "dortmund: banned now" in shared.stdout
    assert bans("--city", "unna", "bans", "share", f"telegram:{NEWCOMER_ELSEWHERE}").returncode == 0

    main = await open_city_database(dortmund)
    try:
        person = await main.users.get(known)
        assert person.banned_at is not None
        # As with a coordinator's ban: the running request ended through the lifecycle.
        assert (await main.requests.get(request.id)).state == "withdrawn"
        listed = await main.fetch_all("SELECT key_hash FROM shared_bans")
        assert len(listed) == 2 and all(BANNED_IN_UNNA not in row[0] for row in listed)
        # Someone the main city never saw is banned from their first message.
        main.users.shared_bans = SharedBanList(main.users.bans)
        newcomer = await main.users.seen("telegram", NEWCOMER_ELSEWHERE, NEWCOMER_ELSEWHERE)
        assert newcomer.banned_at is not None
        stranger = await main.users.seen("telegram", "8009", "8009")
        assert stranger.banned_at is None
    finally:
        await main.close()

    taken_back = bans("bans", "unshare", f"telegram:{NEWCOMER_ELSEWHERE}")
    assert taken_back.returncode == 0 and "stay" in taken_back.stdout
    # Nothing to change is no failure, as with roles (docs/operations.md, "Exit codes"):
    # before, exit 1 with the line on stderr.
    again = bans("bans", "unshare", f"telegram:{NEWCOMER_ELSEWHERE}")
    assert again.returncode == 0 and again.stderr == "", again.stderr
    assert (
        again.stdout == f"telegram:{NEWCOMER_ELSEWHERE}: not on the shared list; nothing changed\n"
    )
    # Shared twice: said, and the cities that banned it keep the one ban.
    twice = bans("--city", "unna", "bans", "share", f"telegram:{BANNED_IN_UNNA}")
    assert twice.returncode == 0, twice.stdout + twice.stderr
    assert f"telegram:{BANNED_IN_UNNA}: on the shared list already\n" in twice.stdout
    assert "dortmund: banned already" in twice.stdout
    main = await open_city_database(dortmund)
    try:
        shared_list = SharedBanList(main.users.bans)
        assert not await shared_list.contains("telegram", NEWCOMER_ELSEWHERE)
        assert await shared_list.contains("telegram", BANNED_IN_UNNA)
    finally:
        await main.close()
