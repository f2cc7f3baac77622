"""A phone number is one person, on the phone line and by text message (issues 44, 45).

The transports that declare people are their number (``Offers.by_number``, E.164: the
phone line and text messages) register here with :func:`register`: they know a person by
their number in E.164 ("+492311234567"), their id and their chat on either platform. Whoever
calls and texts from one number is one person, one ``users`` row - one language, one
consent, one conversation, their requests - and the row's ``platform`` is the channel the
person chose for what the outbox has for them (a call-back or a text), at first the one they
used first (handlers/numbers/reach.py lets them change it). The other transport finds the same row
by the number: :func:`by_number_sql` is what :meth:`db.users.UserStore.find` and
:meth:`~db.users.UserStore.arrive` ask for a number platform, so every ``find(platform,
number)`` of either transport, the desk and the command line gets the one person.

Two rows for one number (from before this rule, or first contacts by call and by text at the
same instant on PostgreSQL, where no unique index guards it) stay two accounts: the older
one is the person both transports reach; the other is never found again and goes with
inactivity, as any account.

Keyed hashes of a chat account (the ban list, the posting limits of erased accounts:
db/bans.py) take a number under one name, :data:`NUMBER_KEY` (:func:`key_platform`), so that a
ban or a trace holds whichever channel the person chose or comes back by - whatever the
order the transports register in, and however many of them name people by number.
"""

from __future__ import annotations

# The platforms whose people are their phone number (E.164), as the transports register
# them (bot/transports/hooks.py: a declaration whose people are their number), in no
# order that means anything.
NUMBER_PLATFORMS: list[str] = []
# The name a number's keyed hash is made under, whichever number platform it came by. It is
# the name the first number platform had when these hashes began and must stay it: the hash
# is one-way, so a ban or a trace made before could never be carried over to another name
# (tests/db/test_people_by_number.py pins a hash made then). No transport is asked by this name.
NUMBER_KEY = "phone"


def register(platform: str) -> None:
    """Let people on ``platform`` be their phone number (once per platform)."""
    if platform not in NUMBER_PLATFORMS:
        NUMBER_PLATFORMS.append(platform)


def by_number(platform: str) -> bool:
    """Whether people on ``platform`` are their phone number."""
    return platform in NUMBER_PLATFORMS


def number_platforms() -> tuple[str, ...]:
    """The platforms whose people are their number, as SQL parameters take them."""
    return tuple(NUMBER_PLATFORMS)


def by_number_sql() -> str:
    """The condition on ``users`` that finds the person of a number, its row on any number
    platform (the oldest where there are two): the platforms as parameters, then the
    number (:func:`number_platforms` + ``(number,)``)."""
    marks = ", ".join("?" * len(NUMBER_PLATFORMS)) or "NULL"
    return f"platform IN ({marks}) AND platform_user_id = ? ORDER BY users.id LIMIT 1"


def key_platform(platform: str) -> str:
    """The name a keyed hash of an account on ``platform`` is made with: a number's is
    :data:`NUMBER_KEY` on every number platform, any other account's its platform."""
    return NUMBER_KEY if by_number(platform) else platform


def other_platforms(platform: str) -> tuple[str, ...]:
    """The other platforms the same number reaches a person on (none for any other
    platform): what the personal-data map's ``:other_platforms`` names (db/data_rights.py)."""
    if not by_number(platform):
        return ()
    return tuple(other for other in NUMBER_PLATFORMS if other != platform)
