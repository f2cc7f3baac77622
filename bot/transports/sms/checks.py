"""What ``python -m bot doctor`` checks of text messages for the installation (bot/cli/
checks.py asks the declaration, bot/transports/sms/declaration.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from bot.transports.hooks import Check

if TYPE_CHECKING:
    from bot.transports.sms.config import SmsSection
    from db import Database


async def checks(sms: SmsSection, db: Database) -> AsyncIterator[Check]:
    """The text messages' month (the installation's, counted in the main city's ``db``) and
    today's first texts from unknown numbers: FAIL when nothing can be sent any more, WARN
    when only notices of running help can."""
    if not sms.enabled:
        yield ("sms budget", "skip", "sms.enabled is false")
        return
    from bot.transports.sms.budget import Budget, limits_of

    state = await Budget(db, sms.monthly_segments, (), limits=limits_of(sms)).state()
    verdict = "FAIL" if not state.left else ("WARN" if not state.ordinary_left else "ok")
    yield (
        "sms budget",
        verdict,
        f"{state.spent} of {state.monthly} segments sent in {state.month};"
        f" {state.ordinary_left} left for all texts, then a reserve of {state.reserve}"
        " for notices of running help",
    )
    refused = state.new_numbers_refused
    yield (
        "sms first contacts",
        "WARN" if refused else "ok",
        f"{state.new_numbers} of {state.new_numbers_cap} first texts from unknown numbers"
        f" answered today, {refused} not",
    )
