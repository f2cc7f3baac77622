"""The coordinators' notices while a limit of a texting transport stops people (reported by
bot/transports/sms/budget.py and transport.py, whose limits they are: docs/sms.md): a
number past its texts of the hour or day (``TextsCapped``), a number's answers held for a
check (``AnswersHeld``), today's first texts from new
numbers used up (``FirstTextsUsed``), the hour's code texts of a share sent
(``CodeTextsUsed``), STOPs from numbers nobody has past the hour's kept ones
(``StrangerStopsFull``), and the limits on codes texted back (``NumberCodesOut``,
``WrongCodesPause``: the words
are handlers/numbers/coded_acts.py's, as for an act's or an erasure's code). Each is
reported once its period (the transport claims it); here it is said, for the backchannel in
the coordinators' language, without choices, about the person where it names one - never
their number.

Button data: none. States: none.
"""

from __future__ import annotations

from datetime import datetime

from db.clock import BERLIN
from db.users import User
from handlers import channels
from handlers.context import Backstage
from handlers.helping.render import someone
from handlers.messages import Message
from handlers.numbers.coded_acts import paused_notice, tried_out_notice, used_up_notice
from handlers.router import Router
from locales import N_, Translator


def first_texts_notice(t: Translator, what: channels.FirstTextsUsed) -> Message:
    """What the coordinators are told when a share of the day's first texts ran out."""
    if not what.everyone:
        text = t.t(
            "📵 Text messages: today's {open} first texts from new numbers are used up. Until"
            " midnight only numbers from the city's area codes and numbers seen before are"
            " answered ({kept} kept for them); the others are told to text again tomorrow.",
            open=t.number(what.cap - what.kept),
            kept=t.number(what.kept),
        )
    else:
        text = t.t(
            "📵 Text messages: all {cap} first texts from new numbers for today are used up."
            " Until midnight no new number is answered; they are told to text again tomorrow."
            " Raise [sms] new_numbers_per_day to answer more.",
            cap=t.number(what.cap),
        )
    return Message(text, typed_choices=False)


def code_texts_notice(t: Translator, what: channels.CodeTextsUsed) -> Message:
    """What the coordinators are told when a share of the hour's code texts ran out: the
    new numbers' (once an hour, a limit the desk shows too while it holds:
    bot/transports/sms/desk_panel.py), everyone's (the rest kept for running help), or
    all. Each text names the share's figure its own way (count, open, cap)."""
    if what.share == "new":
        msgid = N_(
            "📵 Text messages: this hour's {count} code texts for numbers that have not"
            " confirmed a code today are sent. Until {time} such numbers get no code;"
            " people with help under way and numbers that confirmed a code today still"
            " do. Someone may be asking for codes in other numbers' names."
        )
    elif what.share == "open":
        msgid = N_(
            "📵 Text messages: this hour's {open} code texts for everyone are sent. Until"
            " {time} only people with help under way get a code ({kept} kept for them);"
            " nothing else that waits for a code can be done by text. Raise [sms]"
            " codes_per_hour to send more."
        )
    else:
        msgid = N_(
            "📵 Text messages: all {cap} code texts of this hour are sent. Until {time}"
            " nobody gets a code, so nothing that waits for a code can be done by text: a"
            " request, a text for the helper, a volunteer's answers, deleting the data."
            " Raise [sms] codes_per_hour to send more."
        )
    count, kept, time = t.number(what.count), t.number(what.kept), t.time(what.until)
    text = t.t(msgid, count=count, open=count, cap=count, kept=kept, time=time)
    return Message(text, typed_choices=False)


def capped_notice(t: Translator, person: User, cap: int, until: datetime | None) -> Message:
    """What the coordinators are told when ``person``'s number had all its ``cap`` texts
    of the hour (answered again from ``until``) or of the day (``until`` None)."""
    msgid = N_(
        "📵 Text messages: {name} has had the {cap} texts a number may get in a day. The"
        " bot answers their texts again tomorrow; notices of their help under way still"
        " go. If they need something now, please get in touch with them."
    )
    if until is not None:
        msgid = N_(
            "📵 Text messages: {name} has had the {cap} texts a number may get in an hour."
            " The bot answers their texts again at {time}; notices of their help under way"
            " still go. If they need something now, please get in touch with them."
        )
    time = t.time(until.astimezone(BERLIN)) if until is not None else None
    text = t.t(msgid, name=someone(t, person), cap=t.number(cap), time=time)
    return Message(text, typed_choices=False)


async def _capped(scene: Backstage, what: channels.TextsCapped) -> None:
    person = await scene.db.users.get(what.person_id)
    if person is None:
        return

    def compose(t: Translator) -> Message:
        return capped_notice(t, person, what.cap, what.until)

    await scene.mail.to_backchannel(compose, about=(person.id,))


def held_notice(t: Translator, person: User, until: datetime) -> Message:
    """What the coordinators are told when ``person``'s number's answers are held for a
    check: many texts came from it within the hour, perhaps forged in their name."""
    text = t.t(
        "📵 Text messages: many texts came from the number of {name} within this hour -"
        " someone may be sending texts in their name. The bot no longer answers them but"
        " with a code, reminded of now and then, until the code is texted back, or {time} at"
        " the latest. Notices of their help under way still go. If they need something now,"
        " please get in touch with them.",
        name=someone(t, person),
        time=t.time(until.astimezone(BERLIN)),
    )
    return Message(text, typed_choices=False)


async def _held(scene: Backstage, what: channels.AnswersHeld) -> None:
    person = await scene.db.users.get(what.person_id)
    if person is None:
        return
    await scene.mail.to_backchannel(
        lambda t: held_notice(t, person, what.until), about=(person.id,)
    )


async def _first_texts(scene: Backstage, what: channels.FirstTextsUsed) -> None:
    await scene.mail.to_backchannel(lambda t: first_texts_notice(t, what))


async def _code_texts(scene: Backstage, what: channels.CodeTextsUsed) -> None:
    await scene.mail.to_backchannel(lambda t: code_texts_notice(t, what))


async def _stranger_stops(scene: Backstage, what: channels.StrangerStopsFull) -> None:
    def compose(t: Translator) -> Message:
        text = t.t(
            "📵 Texts: more STOPs than are kept within an hour came from numbers nobody here"
            " has - most likely forged senders. For up to an hour, such a STOP is neither kept"
            " nor answered (a number nobody has gets texts only in answer to its own). A STOP"
            " from a number the bot knows is always kept."
        )
        return Message(text, typed_choices=False)

    await scene.mail.to_backchannel(compose)


async def _wrong_codes(scene: Backstage, what: channels.WrongCodesPause) -> None:
    await scene.mail.to_backchannel(paused_notice(what.count, what.until))


async def _codes_out(scene: Backstage, what: channels.NumberCodesOut) -> None:
    person = await scene.db.users.get(what.person_id)
    if person is None:
        return
    notice = used_up_notice(person) if what.why == "day" else tried_out_notice(person)
    await scene.mail.to_backchannel(notice, about=(person.id,))


def register(router: Router) -> None:
    router.happening(channels.TextsCapped)(_capped)
    router.happening(channels.AnswersHeld)(_held)
    router.happening(channels.FirstTextsUsed)(_first_texts)
    router.happening(channels.CodeTextsUsed)(_code_texts)
    router.happening(channels.StrangerStopsFull)(_stranger_stops)
    router.happening(channels.WrongCodesPause)(_wrong_codes)
    router.happening(channels.NumberCodesOut)(_codes_out)
