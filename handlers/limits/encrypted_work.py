"""The coordinators' notices while the hour's budget of work on encrypted messages stops
people (``DecryptLimited``, reported by bot/transports/matrix/strangers_work.py, whose
budget it is: bot/transports/matrix/decrypt_budget.py): a group whose budget ran out, by
where its people stand (handlers/helping/standing.py), one person past their own, and the
key messages held for strangers dropped - each once an hour (the transport reports only
what is due), for the backchannel in the coordinators' language, without choices, about
the person where it names one. And the lines the person whose message was not read gets in
their chat: one not read for the budget is reported (``NotReadThisHour``, once an hour)
and one whose key never came (``NotDecrypted``, once per person for a wait's messages);
and one that came from a device they have not confirmed (``FromUnconfirmedDevice``, once
an hour); each is worded (:class:`NotRead`) and sent here, through the outbox - said aloud
to someone who hears the bot, and in the coordinators' room (a key that never came)
naming whose message it was.

Button data: none. States: none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from markupsafe import Markup

from db.users import User
from handlers.channels import (
    DecryptLimited,
    FromUnconfirmedDevice,
    NotDecrypted,
    NotReadThisHour,
    Standing,
)
from handlers.context import Backstage
from handlers.helping.render import someone
from handlers.messages import Message, Recipient
from handlers.messenger import backchannel_language
from handlers.reader import reader_of
from handlers.router import Router
from locales import N_, Translator

# To a stranger whose message was not read: their own hour's budget, or all strangers'.
OWN_ANSWER = N_(
    "⏳ You have sent me a great many messages this hour. I cannot read any more of them "
    "until {time}. Please send your message again then."
)
ALL_ANSWER = N_(
    "⏳ Very many people are writing to me for the first time right now. "
    "I cannot read your message until {time}. "
    "Please send it again then."
)
# To someone known whose message was not read for all their group's budget.
BUSY_ANSWER = N_(
    "⏳ Very many people are writing to me right now. I cannot read your message until "
    "{time}. Please send it again then."
)

ALL_NOTICE = N_(
    "🔒 Matrix: people the bot does not know yet sent it more than {count} encrypted "
    "messages this hour. Until {time} it reads only those of residents, volunteers and "
    "coordinators; the others are told in their chat when to write again."
)
OWN_NOTICE = N_(
    "🔒 Matrix: {who}, not yet a resident, volunteer or coordinator, sent the bot more "
    "than {count} encrypted messages this hour. Until {time} it reads none of them; "
    "they are told in their chat when to write again."
)
KNOWN_ALL_NOTICE = N_(
    "🔒 Matrix: residents and volunteers with no help under way sent the bot more than "
    "{count} encrypted messages this hour. Until {time} it reads no more of theirs (people "
    "with help under way and coordinators are still read); they are told in their chat when "
    "to write again."
)
RUNNING_ALL_NOTICE = N_(
    "🔒 Matrix: people with help under way and coordinators sent the bot more than {count} "
    "encrypted messages this hour. Until {time} it reads no more of theirs; they are told in "
    "their chat when to write again. If this is no attack, ask whoever runs the bot to raise "
    "the limit (matrix.decrypt_running)."
)
PERSON_NOTICE = N_(
    "🔒 Matrix: {who} sent the bot more than {count} encrypted messages this hour. Until "
    "{time} it reads none of them; they are told in their chat when to write again."
)
# Held Olm messages dropped (the oldest beyond what is held for strangers).
DROPPED_NOTICE = N_(
    "🔒 Matrix: people the bot does not know yet sent it more key messages than it can keep "
    "for later. Until {time} it drops the oldest of them ({count} so far); messages of their "
    "senders that need those keys stay unreadable until their app sends new ones."
)
SOMEONE_NEW = N_("someone new")
# The notice of a group whose budget ran out, and of one person of it whose own did.
ALL_NOTICES = {
    Standing.RUNNING: RUNNING_ALL_NOTICE,
    Standing.KNOWN: KNOWN_ALL_NOTICE,
    Standing.STRANGER: ALL_NOTICE,
}
OWN_NOTICES = {
    Standing.RUNNING: PERSON_NOTICE,
    Standing.KNOWN: PERSON_NOTICE,
    Standing.STRANGER: OWN_NOTICE,
}


# Said once for a message whose key never came (the transport could not decrypt it).
UNREADABLE = N_("🔒 I could not read your last message. Please send it again.")
# The same in the coordinators' room, where several people write: whose message it was.
UNREADABLE_IN_GROUP = N_("🔒 I could not read the last message of {who}. Please send it again.")
# Said (once an hour at most) in a direct chat whose person wrote from one of their devices
# that their own identity does not vouch for: the bot's answers go only to the devices it
# vouches for (bot/transports/matrix/vouched_devices.py), so this line too is read on
# those, not on the new one.
UNCONFIRMED_DEVICE = N_(
    "🔐 Your last message came from a device that you have not confirmed yet. My answers "
    "reach only your confirmed devices, so that device cannot show them. Please confirm it "
    "from a device you already use, or write to me from one of those. If the device is not "
    "yours, change your password."
)


class NotRead:
    """The lines to a person whose encrypted message the bot did not read, in their words
    ``t`` (the transport decides when)."""

    def line(self, t: Translator, until: datetime, *, own: bool, stranger: bool) -> Markup:
        """Not read for the budget: ``own``, past their own hour's budget (else their
        group's); ``stranger``, not known to the bot yet; read again from ``until``."""
        answer = OWN_ANSWER if own else ALL_ANSWER if stranger else BUSY_ANSWER
        return t.t(answer, time=t.time(until))

    def unconfirmed_device(self, t: Translator) -> Markup:
        """It came from a device of theirs they have not confirmed: the answers reach only
        their confirmed devices (read there; a warning if the device is not theirs)."""
        return t.t(UNCONFIRMED_DEVICE)


async def _limited(scene: Backstage, what: DecryptLimited) -> None:
    if what.dropped:
        msgid = DROPPED_NOTICE
    elif what.who is None:
        msgid = ALL_NOTICES[what.group]
    else:
        msgid = OWN_NOTICES[what.group]
    who: User | str | None = None
    if what.who is not None:
        who = await scene.db.users.find(what.platform, what.who) or SOMEONE_NEW

    def compose(t: Translator) -> Message:
        values: dict[str, object] = {"count": t.number(what.count), "time": t.time(what.until)}
        if who is not None:
            values["who"] = someone(t, who) if isinstance(who, User) else t.t(who)
        return Message(t.t(msgid, **values), typed_choices=False)

    about = (who.id,) if isinstance(who, User) else ()
    await scene.mail.to_backchannel(compose, about=about)


async def _not_decrypted(scene: Backstage, what: NotDecrypted) -> None:
    """Asked to send it again, as any message to the person goes: through the outbox, in
    their words, said aloud to someone who hears the bot (the reader chain). Someone the
    bot does not know yet, or writing from another chat than theirs, is asked there in
    the city's words; in the coordinators' room, by name, in the room's language."""
    person = await scene.db.users.find(what.platform, what.who)
    if (what.platform, what.chat_id) in scene.settings.backchannels:
        t = backchannel_language()
        who = someone(t, person) if person is not None else t.t(SOMEONE_NEW)
        text = t.t(UNREADABLE_IN_GROUP, who=who)
        await scene.mail.to_chat(Recipient(what.platform, what.chat_id), Message(text))
        return
    await _to_person(scene, person, what.platform, what.chat_id, _unreadable)


def _unreadable(t: Translator) -> Message:
    return Message(t.t(UNREADABLE))


async def _not_read_this_hour(scene: Backstage, what: NotReadThisHour) -> None:
    """Told when to write again, as any message to the person goes (said aloud to someone
    who hears the bot). Without choices: nothing of theirs is read until then."""
    person = await scene.db.users.find(what.platform, what.who)

    def compose(t: Translator) -> Message:
        text = NotRead().line(t, what.until, own=what.own, stranger=what.stranger)
        return Message(text, typed_choices=False)

    await _to_person(scene, person, what.platform, what.chat_id, compose)


async def _from_unconfirmed_device(scene: Backstage, what: FromUnconfirmedDevice) -> None:
    """Told once an hour beside the answer (which still comes): a typed number still
    presses a choice of the bot's newest message (``Message.beside``). Sent, as every
    message, to the devices the bot vouches for only: read there, not on the new one."""
    person = await scene.db.users.find(what.platform, what.who)

    def compose(t: Translator) -> Message:
        return Message(NotRead().unconfirmed_device(t), typed_choices=False, beside=True)

    await _to_person(scene, person, what.platform, what.chat_id, compose)


async def _to_person(
    scene: Backstage,
    person: User | None,
    platform: str,
    chat_id: str,
    compose: Callable[[Translator], Message],
) -> None:
    """A line to someone in their direct chat ``chat_id`` through the outbox: to the person
    in their words (the reader chain says it aloud where they chose that); someone the bot
    does not know yet, or writing from another chat than theirs, there in the city's
    words."""
    if person is not None and person.chat_id == chat_id:
        await scene.mail.to_user(person, compose)
        return
    await scene.mail.to_chat(
        Recipient(platform, chat_id), compose(reader_of(person, on=platform).t)
    )


def register(router: Router) -> None:
    router.happening(DecryptLimited)(_limited)
    router.happening(NotDecrypted)(_not_decrypted)
    router.happening(NotReadThisHour)(_not_read_this_hour)
    router.happening(FromUnconfirmedDevice)(_from_unconfirmed_device)
