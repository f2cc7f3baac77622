"""The coordinators' notices while the hour's budget of work on encrypted messages stops
people (``DecryptLimited``, reported by bot/transports/matrix/strangers_work.py, whose
budget it is: bot/transports/matrix/decrypt_budget.py): a group whose budget ran out, by
where its people stand (handlers/helping/standing.py), one person past their own, and the
key messages held for strangers dropped - each once an hour (the transport reports only
what is due), for the backchannel in the coordinators' language, without choices, about
the person where it names one. And the line the person whose message was not read gets in
their chat (:class:`NotRead`: the transport decides when, once an hour, and sends it; it asks
the words through its city's ports, ``Ports.not_read``).

Button data: none. States: none.
"""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup

from db.users import User
from handlers.channels import DecryptLimited, Standing
from handlers.context import Backstage
from handlers.helping.render import someone
from handlers.messages import Message
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


class NotRead:
    """The line to a person whose message was not read for the budget, in their words
    ``t``: ``own``, past their own hour's budget (else their group's); ``stranger``, not
    known to the bot yet; read again from ``until``."""

    def line(self, t: Translator, until: datetime, *, own: bool, stranger: bool) -> Markup:
        answer = OWN_ANSWER if own else ALL_ANSWER if stranger else BUSY_ANSWER
        return t.t(answer, time=t.time(until))


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


def register(router: Router) -> None:
    router.happening(DecryptLimited)(_limited)
