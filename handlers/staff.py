"""Who may act as staff, and who may ban whom: one rule for the chat, the desk and jobs.

Staff are coordinators and admins; a ban ends their powers at once, in the chat (every
command and button, checked by the dispatcher), on the desk and wherever a rule asks
:func:`is_staff` (the lifecycle, at the moment of deciding). The roles themselves stay, so
that lifting the ban gives the powers back without an admin having to grant them again;
the desk's sessions and unused login links end with the ban or the role (``db/users.py``).

Ranks: residents and volunteers 0, coordinators 1, admins 2. A person bans only someone of a
lower rank, except that an admin may ban another admin (so an admin's ban needs another
admin, or the operator's command line, which acts as nobody and may ban anyone). Nobody bans
themselves.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from db.conversation_marks import ConversationMarks
from db.users import User
from handlers.messages import Command, Incoming, Message, Outgoing
from handlers.reader import group_reader
from locales import N_

COORDINATOR = "coordinator"
ADMIN = "admin"

_RANKS = {COORDINATOR: 1, ADMIN: 2}


def rank(user: User) -> int:
    """The highest rank among the person's roles, banned or not."""
    return max((_RANKS[role] for role in user.roles if role in _RANKS), default=0)


def is_blocked_staff(user: User) -> bool:
    """A coordinator or admin who is banned: the role stays, its powers do not."""
    return bool(user.banned_at) and rank(user) > 0


def is_staff(user: User | None) -> bool:
    """A coordinator or admin who is not banned, at this moment."""
    return user is not None and not user.banned_at and rank(user) > 0


ROLE_REFUSALS = {
    COORDINATOR: N_(
        "⛔ Only coordinators can do this. If you are one, please ask an admin to "
        "give you the coordinator role."
    ),
    ADMIN: N_("⛔ Only admins can do this."),
}
NOT_ALLOWED = N_("⛔ You are not allowed to do this.")
# A banned coordinator keeps the role (lifting the ban gives it back) but not its powers.
BLOCKED_STAFF = N_("⛔ Your account is blocked: staff actions are not possible.")


def refusal(user: User, role: str | None) -> str:
    """Why ``user`` may not do what needs ``role`` (not :func:`holds`), as they are told:
    by the dispatcher for a command or button, and by a step begun while they held the
    role when its text comes after the role was taken away or the account blocked."""
    return BLOCKED_STAFF if is_blocked_staff(user) else ROLE_REFUSALS.get(role or "", NOT_ALLOWED)


def holds(user: User, role: str | None) -> bool:
    """May ``user`` use what needs ``role`` (None: everyone)? An admin may do what a
    coordinator may; a banned person holds no staff role."""
    if role is None:
        return True
    if role not in _RANKS:
        return user.has_role(role)
    return not user.banned_at and rank(user) >= _RANKS[role]


def may_ban(actor: User | None, target: User) -> bool:
    """May ``actor`` ban or unban ``target``? ``actor`` None is the operator's command line."""
    if actor is None:
        return True
    if actor.id == target.id or not is_staff(actor):
        return False
    if rank(actor) == _RANKS[ADMIN]:
        return True
    return rank(target) < rank(actor)


# A command sent on behalf of a chat (``Sender.on_behalf``): the bot cannot tell who sent
# it, so it acts for nobody - a role granted to Telegram's stand-in account would be every
# anonymous admin's, or every channel's - and says why and what to do instead.
UNNAMED = {
    "group": N_(
        "🕶 This was sent as the group (“Remain anonymous”), so I cannot tell which admin "
        "you are, and I act only for coordinators I know. Please turn off “Remain "
        "anonymous” in your administrator rights (group info → Administrators; if you "
        "cannot change it yourself, ask the group's owner), then send the command again."
    ),
    "channel": N_(
        "📢 This was sent as a channel, so I cannot tell who you are, and I act only for "
        "coordinators I know. Please send the command from your own account."
    ),
}
# How often a chat is told, at most, per kind of sender: once is enough to read it, and a
# busy admin who tries again should not fill the group with it.
UNNAMED_TOLD_EVERY = timedelta(minutes=10)


async def unnamed_answer(
    marks: ConversationMarks, incoming: Incoming, now: datetime
) -> list[Outgoing]:
    """An update sent on behalf of a chat: nothing happens; a command is answered with
    :data:`UNNAMED`, once per chat and kind every :data:`UNNAMED_TOLD_EVERY` (in the group's
    language: nobody's is known). When the chat was told is its mark ``unnamed:<kind>`` in
    the city's database (db/conversation_marks.py), so that the next command, taken by
    another process of a cluster, is not told again."""
    kind = incoming.sender.on_behalf
    if not isinstance(incoming.event, Command):
        return []  # the group's conversation (text, an edit): left alone, as anyone's
    platform, chat = incoming.sender.platform, incoming.chat_id
    if not await marks.claim(platform, chat, f"unnamed:{kind}", now, now + UNNAMED_TOLD_EVERY):
        return []
    return [Message(group_reader().t.t(UNNAMED.get(kind, UNNAMED["channel"])))]
