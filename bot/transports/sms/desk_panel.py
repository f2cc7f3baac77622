"""The month's texts on the desk's statistics page (bot/web/desk/stats.py asks each
declaration's ``budget`` and ``panel``, bot/transports/sms/declaration.py):
spent, what is left before the reserve for notices of running help, and today's first
texts from unknown numbers (budget.py ``State``), read fresh each time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.transports.hooks import Panel
from locales import N_, Translator

if TYPE_CHECKING:
    from bot.transports.sms.budget import Budget
    from bot.transports.sms.config import SmsSection
    from db import Database

TITLE = N_("Text messages this month")
SPENT = N_("{spent} of {budget} segments sent.")
LEFT = N_("{left} left for all texts; the last {reserve} only for notices of help under way.")
FIRST_TEXTS = N_(
    "First texts from unknown numbers today: {answered} of {cap} answered, {refused} not."
)


def desk_budget(sms: SmsSection, db: Database) -> Budget:
    """The month's texts where no SMS transport runs in the process (``python -m bot web``
    beside the bot): read from ``db``, the main city's, where the transport counts them."""
    from bot.transports.sms.budget import Budget, limits_of

    return Budget(db, sms.monthly_segments, (), limits=limits_of(sms))


async def panel(budget: Budget, t: Translator) -> Panel:
    """The budget as it stands, in ``t``'s words."""
    state = await budget.state()
    return Panel(
        "sms",
        f"📵 {t.t(TITLE)}",
        (
            t.t(SPENT, spent=state.spent, budget=state.monthly),
            t.t(LEFT, left=state.ordinary_left, reserve=state.reserve),
            t.t(
                FIRST_TEXTS,
                answered=state.new_numbers,
                cap=state.new_numbers_cap,
                refused=state.new_numbers_refused,
            ),
        ),
    )
