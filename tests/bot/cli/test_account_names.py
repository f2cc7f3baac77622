"""``roles``, ``bans`` and ``desk-link`` read the account the operator names in one way
(bot/transports/registry.py ``account``): a console account is taken by both - ``bans
share console:x`` shares the console's ban as ``roles grant console:x`` grants a role - and
what one refuses the others refuse with the same reason, changing nothing (``desk-link``
took any text before and said 'no user')."""

from __future__ import annotations

from db import Database
from db.bans import SharedBanList
from tests.support.cli import run_bot
from tests.support.helping_people import person


async def test_roles_and_bans_take_and_refuse_the_same_accounts(tmp_path):
    path = tmp_path / "nachbarbot.sqlite3"
    web = tmp_path / "web.toml"
    web.write_text("[web]\nport = 8765\n", encoding="utf-8")
    db = await Database.open(path)
    rosa = await person(db, "rosa")
    await db.users.set_banned(rosa.id, True)
    await person(db, "amira")
    await db.close()

    wrong_ones = ("console", "console:", "nowhere:amira", ":amira", "matrix:amira", "telegram:@a")
    # Who calls or texts is their number in E.164: another form would never be anyone.
    for wrong in (*wrong_ones, "phone:0170 1234567", "sms:abc", "sms:+49 170 1234567"):
        roles = run_bot("roles", "grant", wrong, "coordinator", database=path)
        bans = run_bot("bans", "share", wrong, database=path)
        assert roles.returncode == bans.returncode == 2, (wrong, roles.stderr, bans.stderr)
        assert roles.stderr == bans.stderr and "platform:user_id" in bans.stderr
        link = run_bot("--config", str(web), "desk-link", wrong, database=path)
        assert (link.returncode, link.stderr, link.stdout) == (2, roles.stderr, ""), wrong

    national = run_bot("roles", "grant", "phone:0170 1234567", "coordinator", database=path)
    assert "+491701234567" in national.stderr  # the form it would have, said

    shared = run_bot("bans", "share", "console:rosa", database=path)
    assert shared.returncode == 0, shared.stdout + shared.stderr
    granted = run_bot("roles", "grant", "console:amira", "coordinator", database=path)
    assert granted.returncode == 0, granted.stdout + granted.stderr
    db = await Database.open(path)
    try:
        assert await SharedBanList(db.users.bans).contains("console", "rosa")
        assert not await SharedBanList(db.users.bans).contains("console", "amira")
        assert "coordinator" in (await db.users.find("console", "amira")).roles
    finally:
        await db.close()
