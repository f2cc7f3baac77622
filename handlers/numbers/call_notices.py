"""What people read about the bot's own calls (a feature's words and who gets them, kept out
of the phone transport, which only reports what happened: handlers/channels.py
``Happening``, through ``Dispatcher.happened``): for the coordinators, a person's
call-backs given up (``CallsGivenUp``, from bot/transports/phone/calls/outbox_calls.py),
the withheld callers' check calls of the hour used up (:func:`withheld_used_up`, from
caller_check.py),
a call checking a caller given up (``CheckGivenUp``, check_calls.py) or answered "not
me" at a resident's number (``CheckDenied``), and the check
calls' pool of the day or hour spent (``CheckPoolDry``: the newcomers' share, or all of
it) - each a notice for the backchannel (handlers/messenger.py ``to_backchannel``) in the
coordinators' language, without choices, about the person whose number it was (the
pool: about nobody); for a helper, what came of
a bridged call in which they did not talk with the resident (``BridgedCallEnded``,
bridging.py): in their chat, and only for the outcomes of :data:`NOT_HELD` - a call in
which they talked tells nothing.

Button data: none. States: none.
"""

from __future__ import annotations

from collections.abc import Sequence

from db.users import User, UserStore
from handlers.channels import (
    BridgedCallEnded,
    CallsGivenUp,
    CheckDenied,
    CheckGivenUp,
    CheckPoolDry,
    GivenUp,
)
from handlers.context import Backstage
from handlers.messages import Message
from handlers.router import Router
from locales import N_, Translator


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


def pool_dry(
    t: Translator, what: CheckPoolDry, used: Sequence[tuple[str | None, int]] = ()
) -> Message:
    """The coordinators' notice that the check calls of the day or hour are spent: the
    share of callers the bot does not know yet (the reserve is left), or all of them, or
    the day's of one block of numbers; and who used today's (``used``: each person's
    first name - empty: someone with none - and the calls to them; numbers of nobody here
    as one count)."""
    cap = t.number(what.cap)
    if what.block:
        text = t.t(
            "📵 Check calls: {cap} calls today went to numbers that differ only in their"
            " last three digits. Someone may be asking for call-backs to a row of numbers:"
            " no further number of that row is called back today.",
            cap=cap,
        )
    elif what.span == "day" and what.newcomers:
        text = t.t(
            "📵 Check calls: today's {cap} calls for callers the bot does not know yet are"
            " used up. Such callers are not called back until tomorrow; residents with a"
            " request or a desk entry are still called from the reserve. Raise [phone]"
            " check_calls_per_day to call more.",
            cap=cap,
        )
    elif what.span == "day":
        text = t.t(
            "📵 Check calls: all {cap} of today's check calls are used up, the reserve too."
            " Nobody is called back to be checked until tomorrow; callers can still use the"
            " menu or press 0 for a person. Raise [phone] check_calls_per_day to call more.",
            cap=cap,
        )
    elif what.newcomers:
        text = t.t(
            "📵 Check calls: this hour's {cap} calls for callers the bot does not know yet"
            " are used up. Such callers are called back in the next hour; residents with a"
            " request or a desk entry are still called from the reserve.",
            cap=cap,
        )
    else:
        text = t.t(
            "📵 Check calls: all {cap} of this hour's check calls are used up, the reserve"
            " too. Checks asked for now are put off to the next hour. Raise [phone]"
            " check_calls_per_hour to call more.",
            cap=cap,
        )
    if used:
        text += "\n" + called_line(t, used)
    return Message(text, typed_choices=False)


def called_line(t: Translator, used: Sequence[tuple[str | None, int]]) -> str:
    """Who used today's check calls (:func:`pool_dry`'s last line; the desk's too)."""
    return str(t.t("👥 Called to check today: {who}.", who=_who_was_called(t, used)))


def _who_was_called(t: Translator, used: Sequence[tuple[str | None, int]]) -> str:
    """ "Erna (2), Otto (1), numbers of nobody known here (5)": by name, never a number."""
    named: dict[str, int] = {}
    nobody = 0
    for name, calls in used:
        if name is None:
            nobody += calls
        else:
            # Alone, an item of the list: its own message context, as some languages write
            # it in another case within a sentence ("did not call {name}": the Polish
            # genitive "korzystającej z linii telefonicznej", no list item).
            alone = t.pgettext("alone, in the list of who was called", "a phone resident")
            who = name or str(t.format(alone))
            named[who] = named.get(who, 0) + calls
    parts = [f"{who} ({t.number(calls)})" for who, calls in named.items()]
    if nobody:
        parts.append(str(t.t("numbers of nobody known here ({count})", count=t.number(nobody))))
    return t.comma.join(parts)


def withheld_used_up(t: Translator) -> Message:
    """The coordinators' notice that the callers who withhold their number have used up the
    check calls they may ask for within an hour (all of them share one count,
    caller_check.py): callers who never asked are stopped too."""
    return Message(
        t.t(
            "📵 Check calls: callers who withhold their number have used up the call-backs"
            " they may ask for within an hour. For up to an hour, no further caller with a"
            " withheld number is called back; they can still use the menu or press 0 for a"
            " person. Raise [phone] checks_per_caller_hour to call more of them back."
        ),
        typed_choices=False,
    )


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


def _name(person: User | None) -> str:
    return (person.first_name if person else "") or ""


async def _calls_given_up(scene: Backstage, what: CallsGivenUp) -> None:
    """The coordinators told that ``count`` messages for the person (or a number of nobody
    here) were given up, and why."""
    person = await scene.db.users.find(what.platform, what.chat_id)
    name = _name(person)
    await scene.mail.to_backchannel(
        lambda t: given_up(t, what.why, name, what.count, what.tries),
        about=[person.id] if person else [],
    )


async def _check_given_up(scene: Backstage, what: CheckGivenUp) -> None:
    """The coordinators told that the call checking a caller at the number of a person
    (or of nobody here yet) was tried in vain."""
    person = await scene.db.users.find(what.platform, what.number)
    name = _name(person)
    await scene.mail.to_backchannel(
        lambda t: check_given_up(t, name, what.tries), about=[person.id] if person else []
    )


def check_denied(t: Translator, name: str) -> Message:
    """The notice that the call checking a caller at the number of ``name`` was answered
    "it was not me"."""
    return Message(
        t.t(
            "🔒 Someone called from the number of {name} and asked to be called back. The"
            " bot called the number to check: the person who answered said it was not them."
            " Someone may be using this number's caller ID. Nothing was said or done in the"
            " name of {name}; you may want to tell them.",
            name=name or t.t("a phone resident"),
        )
    )


async def _check_denied(scene: Backstage, what: CheckDenied) -> None:
    """The coordinators told that a resident's number answered its check "not me"."""
    person = await scene.db.users.find(what.platform, what.number)
    name = _name(person)
    await scene.mail.to_backchannel(
        lambda t: check_denied(t, name), about=[person.id] if person else []
    )


async def _check_pool_dry(scene: Backstage, what: CheckPoolDry) -> None:
    """The coordinators told that a pool of check calls ran dry (once a day or hour each:
    check_calls.py counts it), so that callers put off or refused are no surprise - and
    who used today's checks, by name (a check rings the number's person: a name called
    often is a resident whose number someone uses)."""
    used, about = await called_today(scene.db.users, what)
    await scene.mail.to_backchannel(lambda t: pool_dry(t, what, used), about=about)


async def called_today(
    users: UserStore, what: CheckPoolDry
) -> tuple[list[tuple[str | None, int]], list[int]]:
    """Who used today's check calls (``what.used``), as the coordinators read it: each
    person's first name (empty: someone with none) and the calls to them - a number of
    nobody here, or of someone with no data, as ``None`` - and the ids of those named."""
    used: list[tuple[str | None, int]] = []
    about: list[int] = []
    for number, calls in what.used:
        person = await users.find(what.platform, number)
        if person is None or not await users.has_data(person.id):
            used.append((None, calls))
            continue
        used.append((_name(person), calls))
        about.append(person.id)
    return used, about


async def _bridged_call_ended(scene: Backstage, what: BridgedCallEnded) -> None:
    """The helper's chat told what came of a bridged call in which they did not talk."""
    if what.outcome in NOT_HELD:
        await scene.mail.to_user(what.helper_id, lambda t: not_held(t, what.outcome))


def register(router: Router) -> None:
    router.happening(CallsGivenUp)(_calls_given_up)
    router.happening(CheckGivenUp)(_check_given_up)
    router.happening(CheckDenied)(_check_denied)
    router.happening(CheckPoolDry)(_check_pool_dry)
    router.happening(BridgedCallEnded)(_bridged_call_ended)
