"""What people read about the bot's own calls (a feature's words and who gets them, kept out
of the phone transport, which only decides when): for the coordinators, a person's
call-backs given up (bot/transports/phone/calls/outbox_calls.py, :func:`tell_given_up`), a
call checking a caller given up (check_calls.py, :func:`tell_check_given_up`) and the
month's calls used (dialling.py, :func:`month_used`) - each a notice for the backchannel
(handlers/messenger.py ``tell_coordinators``) in the coordinators' language, without
choices, about the person whose number it was; for a helper, what came of a bridged call
in which they did not talk with the resident (bridging.py, :func:`tell_not_held`), in
their chat. Each is queued in a transaction of its own, the outbox worker woken
(``wake``).

Button data: none. States: none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from db import Database
from db.users import User
from handlers.messages import Message
from handlers.messenger import Messenger, tell_coordinators
from locales import N_, Translator

Wake = Callable[[], None] | None

# Why a person's waiting messages were given up: nobody answered the tries, the month's
# calls were spent, the number may not be dialled, or whoever answered was not them.
GivenUp = Literal["no answer", "month", "not dialable", "not them"]


def given_up(t: Translator, why: GivenUp, name: str, count: int, tries: int = 0) -> Message:
    """The notice of ``count`` messages for ``name`` (empty: a caller without one) given up."""
    who = name or t.t("a phone resident")
    if why == "month":
        text = t.tn(
            "📵 This month's calls are used up, so the bot did not call {name}: {count}"
            " message could not be delivered. Please get in touch another way.",
            "📵 This month's calls are used up, so the bot did not call {name}: {count}"
            " messages could not be delivered. Please get in touch another way.",
            count,
            name=who,
            count=t.number(count),
        )
    elif why == "not dialable":
        text = t.tn(
            "📵 The bot may not call the number of {name} (it calls only ordinary landline"
            " and mobile numbers): {count} message could not be delivered. Please get in"
            " touch another way.",
            "📵 The bot may not call the number of {name} (it calls only ordinary landline"
            " and mobile numbers): {count} messages could not be delivered. Please get in"
            " touch another way.",
            count,
            name=who,
            count=t.number(count),
        )
    elif why == "not them":
        text = t.tn(
            "📵 Whoever answered at the number of {name} said it is not them: {count} message"
            " was not said. Please check the number.",
            "📵 Whoever answered at the number of {name} said it is not them: {count} messages"
            " were not said. Please check the number.",
            count,
            name=who,
            count=t.number(count),
        )
    else:
        text = t.tn(
            "📵 The bot called {name} {tries} times, nobody answered: {count} message"
            " could not be delivered. Please get in touch another way.",
            "📵 The bot called {name} {tries} times, nobody answered: {count} messages"
            " could not be delivered. Please get in touch another way.",
            count,
            name=who,
            tries=t.number(tries),
            count=t.number(count),
        )
    return Message(text, typed_choices=False)


def check_given_up(t: Translator, name: str, tries: int) -> Message:
    """The notice that the call checking a caller who asked for help at the number of
    ``name`` (empty: a number of nobody here yet) was tried ``tries`` times in vain."""
    who = name or t.t("a phone resident")
    text = t.tn(
        "📵 A caller asked for help and to be called back at the number of {name}. The bot"
        " called {tries} time, nobody answered. The caller may be waiting: please get in"
        " touch another way if you can.",
        "📵 A caller asked for help and to be called back at the number of {name}. The bot"
        " called {tries} times, nobody answered. The caller may be waiting: please get in"
        " touch another way if you can.",
        tries,
        name=who,
        tries=t.number(tries),
    )
    return Message(text, typed_choices=False)


def month_used(t: Translator, share: int, budget: int) -> Message:
    """The notice that ``share`` % of the month's ``budget`` calls are used (100: all)."""
    if share >= 100:
        text = t.t(
            "📵 Calls: this month's {budget} calls are used up. The bot makes no more "
            "calls until next month. Raise [phone] monthly_calls to call more.",
            budget=t.number(budget),
        )
    else:
        text = t.t(
            "📵 Calls: {share} of this month's {budget} calls are used.",
            share=t.percent(share / 100),
            budget=t.number(budget),
        )
    return Message(text, typed_choices=False)


# What came of a bridged call in which the helper and the resident did not talk, as the
# helper's chat is told it; a call in which they talked, or that ended so, tells nothing.
_NOT_HELD = {
    "busy": N_("📵 The resident is busy. Please try again later."),
    "no answer": N_("📵 The resident did not answer. Please try again later."),
    "helper did not answer": N_("📵 You did not answer, so I did not call the resident."),
    "failed": N_("📵 The call did not work. Please try again later."),
    "helper's number refused": N_(
        "📵 I cannot call your number: I call only ordinary landline and mobile numbers."
        " Please change it in the settings."
    ),
    "resident's number refused": N_(
        "📵 I cannot call the resident's number. Please ask the coordinators."
    ),
    # Whoever answered at the resident's number said it is not them (bridging.py asks).
    "not them": N_(
        "📵 Someone else answered at the resident's number. Please ask the coordinators."
    ),
    "no calls left": N_("📵 Calls are not possible just now."),
}


# The outcomes the helper's chat is told of.
NOT_HELD = frozenset(_NOT_HELD)


def not_held(t: Translator, outcome: str) -> Message:
    """What the helper's chat is told of a bridged call that came to ``outcome`` (one of
    :data:`NOT_HELD`)."""
    return Message(t.t(_NOT_HELD[outcome]))


async def tell_given_up(
    db: Database,
    backchannels: Iterable[tuple[str, str]],
    person: User | None,
    why: GivenUp,
    count: int,
    tries: int,
    *,
    wake: Wake = None,
) -> None:
    """The coordinators told that ``count`` messages for ``person`` (None: a number of
    nobody here) were given up, and why."""
    name = (person.first_name if person else "") or ""
    await tell_coordinators(
        db,
        backchannels,
        lambda t: given_up(t, why, name, count, tries),
        about=[person.id] if person else [],
        wake=wake,
    )


async def tell_check_given_up(
    db: Database,
    backchannels: Iterable[tuple[str, str]],
    person: User | None,
    tries: int,
    *,
    wake: Wake = None,
) -> None:
    """The coordinators told that the call checking a caller at the number of ``person``
    (None: of nobody here yet) was tried ``tries`` times in vain."""
    name = (person.first_name if person else "") or ""
    await tell_coordinators(
        db,
        backchannels,
        lambda t: check_given_up(t, name, tries),
        about=[person.id] if person else [],
        wake=wake,
    )


async def tell_not_held(
    db: Database,
    backchannels: Iterable[tuple[str, str]],
    helper_id: int,
    outcome: str,
    *,
    wake: Wake = None,
) -> None:
    """The helper's chat told what came of a bridged call that came to ``outcome`` (one of
    :data:`NOT_HELD`)."""
    async with db.transaction():
        await Messenger(db, backchannels).to_user(helper_id, lambda t: not_held(t, outcome))
    if wake is not None:
        wake()
