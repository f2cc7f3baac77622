"""``python -m bot desk-link PLATFORM:ID``: a coordinator's one-time desk login link, printed
for the operator where no chat can send /desk (the phone line alone), through the real
process; only for a coordinator or admin, and the link opens a session once."""

from __future__ import annotations

import asyncio

from db import Database
from tests.support.cli import run_bot


def test_desk_link_prints_a_coordinators_login_link(tmp_path):
    """Without a chat to send /desk in, the operator prints the one-time link."""
    from datetime import UTC, datetime

    database = tmp_path / "d.sqlite3"
    config = tmp_path / "bot.toml"
    config.write_text("[web]\nport = 8765\n", encoding="utf-8")
    number = "+4923155501"

    async def person(coordinator: bool) -> None:
        db = await Database.open(database)
        user = await db.users.seen("phone", number, number, "")
        if coordinator:
            await db.users.grant_role(user.id, "coordinator")
        await db.close()

    asyncio.run(person(False))
    refused = run_bot("--config", str(config), "desk-link", f"phone:{number}", database=database)
    assert refused.returncode == 1 and "no coordinator" in refused.stderr
    assert refused.stdout == ""
    unknown = run_bot("--config", str(config), "desk-link", "phone:+4923155599", database=database)
    assert unknown.returncode == 1 and "no user" in unknown.stderr
    asyncio.run(person(True))
    result = run_bot("--config", str(config), "desk-link", f"phone:{number}", database=database)
    assert result.returncode == 0, result.stderr
    prefix = "http://127.0.0.1:8765/desk/login/"
    link = result.stdout.strip()
    assert link.startswith(prefix)

    async def redeemed() -> int | None:
        db = await Database.open(database)
        try:
            return await db.desk.redeem_login(link.removeprefix(prefix), datetime.now(UTC))
        finally:
            await db.close()

    assert asyncio.run(redeemed()) is not None
    off = tmp_path / "off.toml"
    off.write_text("", encoding="utf-8")
    assert (
        run_bot("--config", str(off), "desk-link", f"phone:{number}", database=database).returncode
        == 1
    )
