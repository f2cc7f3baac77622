"""The check calls' pool on the desk's statistics page (bot/web/desk/stats.py asks each
declaration's ``budget`` and ``panel``, bot/transports/phone/declaration.py), where the
other limits are: while a pool of the check calls (calls/check_calls.py) is spent - the
day's or this hour's, the share for callers the bot does not know yet or all of it, or the
day's of one block of numbers - its line in the words the coordinators' group was told it
(handlers/numbers/call_notices.py ``pool_dry``), and who used today's checks by name, as
the group read it (``called_today``: never a number). Read fresh from the city's database
each time; nothing once no pool is spent (the next hour, the next day)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.transports.hooks import Naming, Panel
from bot.transports.phone.calls.callers_number import PLATFORM
from bot.transports.phone.calls.check_call_store import (
    BLOCK,
    NEWCOMERS,
    PER_BLOCK_DAY,
    POOL,
    CheckCallStore,
)
from bot.transports.phone.calls.dialling import CheckSettings
from db.clock import BERLIN, local_day
from handlers.channels import CheckPoolDry, DrySpan
from handlers.numbers.call_notices import called_line, called_today, pool_dry
from locales import N_, Translator

if TYPE_CHECKING:
    from bot.transports.phone.config import PhoneSection
    from db import Database

TITLE = N_("📞 Check calls")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CheckPool:
    """The city's check calls as the desk reads them (``db``: the city's database, where
    check_calls.py counts them; ``settings``: its caps)."""

    db: Database
    settings: CheckSettings
    clock: Callable[[], datetime] = field(default=_now)

    async def spent(self) -> list[CheckPoolDry]:
        """Each pool spent now, as it was reported when it ran dry (its cap, and who used
        today's checks); the whole before its newcomers' share, the day before the hour."""
        now = self.clock()
        day, hour = local_day(now), f"{now.astimezone(BERLIN).hour:02d}"
        store = CheckCallStore(self.db.transactions)
        told = set(await store.told(day))
        used = tuple(await store.used(day))
        per_day, per_hour = self.settings.per_day, self.settings.per_hour
        pools: tuple[tuple[str, DrySpan, bool, int], ...] = (
            (POOL, "day", False, per_day),
            (NEWCOMERS, "day", True, self.settings.newcomers(per_day)),
            (POOL + hour, "hour", False, per_hour),
            (NEWCOMERS + hour, "hour", True, self.settings.newcomers(per_hour)),
        )
        found = [
            CheckPoolDry(PLATFORM, span, newcomers, cap, used)
            for name, span, newcomers, cap in pools
            if name in told
        ]
        if any(name.startswith(BLOCK) for name in told):
            found.append(CheckPoolDry(PLATFORM, "day", False, PER_BLOCK_DAY, used, block=True))
        return found


def desk_pool(phone: PhoneSection, db: Database) -> CheckPool:
    """The check calls of the ``[phone]`` section ``phone`` on the city's ``db``."""
    return CheckPool(
        db,
        CheckSettings(
            per_day=phone.check_calls_per_day,
            per_hour=phone.check_calls_per_hour,
            per_caller_hour=phone.checks_per_caller_hour,
            reserve_percent=phone.check_calls_reserve_percent,
        ),
    )


async def panel(pool: CheckPool, t: Translator, _name: Naming) -> Panel | None:
    """The pools spent now and who used today's checks, in ``t``'s words (by first name,
    as the group read it: the desk's ``_name`` is not asked); None while no pool is
    spent."""
    spent = await pool.spent()
    if not spent:
        return None
    lines = [str(pool_dry(t, what).text) for what in spent]
    used, _about = await called_today(pool.db.users, spent[0])
    if used:
        lines.append(called_line(t, used))
    return Panel("phone-checks", str(t.t(TITLE)), tuple(lines))
