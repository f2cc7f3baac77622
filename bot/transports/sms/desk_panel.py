"""The month's texts on the desk's statistics page (bot/web/desk/stats.py asks each
declaration's ``budget`` and ``panel``, bot/transports/sms/declaration.py):
spent, what is left before the reserve for notices of running help, and today's first
texts from unknown numbers (budget.py ``State``), read fresh each time; and each limit on
codes while it stops someone, by its name (budget.py ``code_limits``): this hour's code texts
used up (the new numbers' share, everyone's, all), code checks paused by the city's wrong
codes of the hour, and by name and user number the people whose numbers had their codes of
the day and those whose answers wait for a code (checking.py) - named as the desk hands
the panel its naming (``panel``'s ``name``: a transport words no person itself)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from markupsafe import Markup

from bot.transports.hooks import Naming, Panel
from locales import N_, Translator

if TYPE_CHECKING:
    from bot.transports.sms.budget import Budget
    from bot.transports.sms.config import SmsSection
    from db import Database

TITLE: Final = N_("Text messages this month")
SPENT: Final = N_("{spent} of {budget} segments sent.")
LEFT: Final = N_(
    "{left} left for all texts; the last {reserve} only for notices of help under way."
)
FIRST_TEXTS: Final = N_(
    "First texts from unknown numbers today: {answered} of {cap} answered, {refused} not."
)


NEW_CODES_USED: Final = N_(
    "Codes for numbers that have not confirmed one today: all {count} of this hour are sent;"
    " such numbers get none until {time}."
)
OPEN_CODES_USED: Final = N_(
    "Code texts: this hour's {count} for everyone are sent; until {time} only people with"
    " help under way get one."
)
ALL_CODES_USED: Final = N_(
    "Code texts: all {count} of this hour are sent; nobody gets one until {time}."
)
CODES_PAUSED: Final = N_(
    "Code checks paused until {time}: {count} wrong codes texted back this hour. Only the"
    " codes of people with help under way are checked."
)
NO_CODES_TODAY: Final = N_("No more codes today for the numbers of: {names}.")
# checking.py: past their unchecked share of the hour, a number's answers wait for a code.
ANSWERS_HELD: Final = N_(
    "Many texts came from the numbers of: {names}. Until {time}, or until the code we texted"
    " them comes back, they get only that code."
)


def desk_budget(sms: SmsSection, db: Database) -> Budget:
    """The month's texts where no SMS transport runs in the process (``python -m bot web``
    beside the bot): read from ``db``, the main city's, where the transport counts them."""
    from bot.transports.sms.budget import Budget, limits_of

    return Budget(db, sms.monthly_segments, (), limits=limits_of(sms))


async def panel(budget: Budget, t: Translator, name: Naming) -> Panel:
    """The budget as it stands, in ``t``'s words, people named by ``name`` (the desk's)."""
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
            *await code_lines(budget, t, name),
        ),
    )


async def code_lines(budget: Budget, t: Translator, name: Naming) -> list[str]:
    """A line for each limit on codes that stops someone now, by its name; the people it
    stops named by ``name``, as the desk names them everywhere (first name and user
    number: handlers/helping/render.py ``someone``, which the desk hands the panel)."""
    from bot.transports.sms.store import CITY_WRONG_CODES

    held = await budget.code_limits()
    limits = budget.limits
    time = t.time(held.until)
    lines: list[str] = []
    if held.all_used:
        lines.append(t.t(ALL_CODES_USED, count=t.number(limits.codes_hour), time=time))
    elif held.open_used:
        count = t.number(limits.codes_hour - limits.codes_kept)
        lines.append(t.t(OPEN_CODES_USED, count=count, time=time))
    if held.new_used and not held.all_used:
        lines.append(t.t(NEW_CODES_USED, count=t.number(limits.codes_new), time=time))
    if held.wrong >= CITY_WRONG_CODES:
        lines.append(t.t(CODES_PAUSED, count=t.number(held.wrong), time=time))
    if held.out_of_codes:
        names = Markup(", ").join(name(t, person) for person in held.out_of_codes)
        lines.append(t.t(NO_CODES_TODAY, names=names))
    if held.held:
        names = Markup(", ").join(name(t, person) for person in held.held)
        lines.append(t.t(ANSWERS_HELD, names=names, time=time))
    return lines
