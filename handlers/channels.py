"""What the transports can do for their people, as the features ask it.

A feature never asks for a transport's name: it asks whether a person on some platform can
be reached by text, be called, receive a file, whether a message sent to them can be changed
afterwards (its buttons taken off), whether they are their phone number, or
whether erasing there takes a code sent to them. The answers come from what the
transports declare they offer (bot/transports/hooks.py ``Offers``), which ``bot.config`` turns into
:class:`Channels` (``HandlerSettings.channels``); handlers cannot import ``bot/``.

A transport that texts a number keeps what the features need of it (a STOP, the codes that
confirm an erasure or an act) in its own store, offered here as a :class:`TextLine` made on the
update's transactions. A transport that calls numbers places the calls features ask for
through its ports: :class:`CallPort` (a helper and a resident connected,
handlers/helping/bridged_calls.py) and :class:`CheckPort` (the call-back that checks who
asked, handlers/numbers/caller_check.py), given as ``HandlerSettings.bridged_calls`` and
``check_calls``. What came of those calls (a call-back given up, a check denied, a bridged
call's end) the transport reports as a :data:`Happening`, declared here beside the ports
that place them (``Ports.report``; the features that take each kind,
``Router.happenings``, say who is told).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Literal, Protocol

from markupsafe import Markup

from db import Database
from db.transactions import Transactions
from db.users import User
from handlers.messages import Event, Incoming, Outgoing
from locales import Translator

# How an operator names a person on a platform (``bot.admins``, the ``roles`` and ``bans``
# commands): ``platform:user_id``. Without its colon it is no account at all (the handlers'
# reading of the first admins, handlers/settings.py ``read_account``); bot/transports/
# registry.py says what else can be wrong, in the same words.
NO_COLON = "there is no ':' between the platform and the user id (e.g. telegram:123456)"


def not_of_the_form(text: str, problem: str) -> str:
    """Why ``text`` is not an account: ``problem``, with the form an account has."""
    return f"{text!r} is not of the form platform:user_id: {problem}"


# A code texted to confirm something (an erasure, an act) has this many digits: six, as
# banks text them - with three tries a code and five codes a day, 15 guesses a day at a
# number find one of 900,000 (four digits: one in 600).
CODE_DIGITS = 6
# Wrong tries a code takes before it is dropped (the text line's ``check_code``).
CODE_TRIES = 3
# After a right code the number's texts to a helper pass this long without another
# (handlers/numbers/coded_acts.py; the SMS budget's caps trust such a number too).
PASSING = timedelta(minutes=30)
# A code for an act (or a texting transport's check of a number) works this long; the texts
# say "within a quarter of an hour".
CODE_VALID = timedelta(minutes=15)
# What a code confirms: an erasure (handlers/privacy.py), an act that ends or redirects
# running help (handlers/numbers/coded_acts.py).
ERASE = "erase"
ACT = "act"
# ... and the end of the notices of running help a STOP kept (handlers/numbers/text_stops.py).
STOP_HELP = "stop"


class Standing(IntEnum):
    """Where a person stands when a shared engine must choose whose work comes first
    (handlers/helping/standing.py says who is which, ``Dispatcher.standing`` asks it for a
    transport): running help first, then other known people, strangers last - a lower
    value comes first."""

    RUNNING = 0
    KNOWN = 1
    STRANGER = 2


class CodesPaused(Exception):
    """A text line's ``check_code`` compared nothing: the city's wrong codes of the clock
    hour (UTC) reached its limit, many numbers guessed at (bot/transports/sms/store.py
    ``CITY_WRONG_CODES``). The code and its tries are kept; codes are checked again in the
    next hour."""


class TextLine(Protocol):
    """What a transport that texts a number keeps about it."""

    async def stopped(self, number: str) -> bool:
        """Whether the number sent STOP: no text reaches it."""

    async def blocked(self, number: str, running: Callable[[], Awaitable[bool]]) -> bool:
        """Whether no text may go to ``number`` now: it sent STOP, and its STOP did not keep
        the notices of a help under way (``running``: whether one is)."""

    async def issue_code(self, number: str, purpose: str, until: str, day: str) -> str | None:
        """A new code of :data:`CODE_DIGITS` digits for ``purpose``, valid ``until``; None
        when the number had its codes of ``day``."""

    async def check_code(
        self, number: str, purpose: str, code: str, now: str, *, always: bool = False
    ) -> bool | None:
        """True: the code confirms ``purpose``; False: a wrong try, another left; None: no
        valid code (none, expired, or this was its last wrong try). Raises
        :class:`CodesPaused` while the city's wrong codes of the hour are past their limit,
        unless ``always`` (a person whose help is under way: her code is always checked)."""

    async def claim_codes_paused(self, now: str) -> int:
        """The city's wrong codes in the hour of ``now`` when they reached the limit and the
        caller is the first to tell the coordinators this hour; else 0."""

    async def claim_codes_out(self, number: str, day: str) -> bool:
        """Whether the caller tells that the number had its codes of ``day``: once a day,
        at the first code refused."""

    async def claim_tried_out(self, number: str) -> bool:
        """Whether the caller tells that the number's code was dropped by its last wrong
        try: once for that code."""

    async def confirmed_since(self, number: str, since: str) -> bool:
        """Whether the number texted back a right code after ``since``: its holder was
        there then."""

    async def release(self, number: str) -> bool:
        """A STOP the number sent before it was anyone's no longer counts (a coordinator
        entered a person with it); whether there was one."""


class CodeTexts(Protocol):
    """The code texts a texting transport sends an hour, all numbers together - they cost
    money and share the gateway (``HandlerSettings.code_texts``; the SMS transport's
    budget, ``[sms] codes_per_hour``)."""

    async def take_code(self, number: str) -> datetime | None:
        """One code text for ``number``'s person (a person whose help is under way before
        newcomers): None when taken; else when codes go again (the coordinators are told
        while it stops anyone)."""

    async def code_back(self) -> None:
        """A code text taken was not sent after all."""

    async def running(self, number: str) -> bool:
        """Whether help is under way for ``number``'s person (the lifecycle's rule): her
        right code is checked even while the city's wrong codes pause the others."""


@dataclass(frozen=True)
class Channel:
    """What one platform's transport can do for its people.

    ``texts``/``calls``: what the outbox has for a person there comes as a text message /
    a call; ``files``: they can receive a file; ``edits``: a message sent there can be
    changed afterwards (Telegram, Matrix; not a text message or a call); ``by_number``:
    they are their phone number (E.164), one person on every such platform (db/people_by_number.py);
    ``coded``: a sender there can be forged while a text to the number reaches its owner,
    so erasing takes a code sent there; ``asks_when_kept``: a new person there is asked for
    consent at the first step that keeps something of theirs, not before the menu
    (handlers/first_kept.py: a caller hears places before any notice); ``label``: how
    coordinators read that a person is reached this way ("📞 on the phone", for a
    transport that is no chat); ``line``: the store of a texting transport
    (:class:`TextLine`)."""

    platform: str
    texts: bool = False
    calls: bool = False
    files: bool = True
    edits: bool = True
    by_number: bool = False
    coded: bool = False
    asks_when_kept: bool = False
    label: str = ""
    line: Callable[[Transactions], TextLine] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Channels:
    """Every transport's :class:`Channel`, and the platforms this city runs."""

    known: tuple[Channel, ...] = ()
    running: frozenset[str] = frozenset()

    def of(self, platform: str) -> Channel:
        """The platform's channel (a platform nobody describes can do what a chat does)."""
        return next((c for c in self.known if c.platform == platform), Channel(platform))

    def files(self, platform: str) -> bool:
        """Whether people on ``platform`` can receive a file."""
        return self.of(platform).files

    def edits(self, platform: str) -> bool:
        """Whether a message sent to people on ``platform`` can be changed afterwards."""
        return self.of(platform).edits

    def by_number(self, platform: str) -> bool:
        """Whether people on ``platform`` are their phone number."""
        return self.of(platform).by_number

    def coded(self, platform: str) -> bool:
        """Whether erasing on ``platform`` takes a code texted to the number."""
        return self.of(platform).coded

    def asks_when_kept(self, platform: str) -> bool:
        """Whether a new person on ``platform`` is asked for consent only at the first step
        that keeps something of theirs."""
        return self.of(platform).asks_when_kept

    def callable(self, platform: str) -> bool:
        """Whether people on ``platform`` can be called: their number is known and some
        transport calls numbers (whether a line runs here, its call port says:
        handlers/helping/bridged_calls.py)."""
        return self.by_number(platform) and self.calling(running=False) is not None

    def numbered(self, *, running: bool = True) -> tuple[Channel, ...]:
        """The channels whose people are their number (``running``: only those running
        here)."""
        return tuple(
            c for c in self.known if c.by_number and (c.platform in self.running or not running)
        )

    def calling(self, *, running: bool = True) -> Channel | None:
        """The channel that reaches a number's person by a call, if any (``running``: only
        if it runs here)."""
        return next((c for c in self.numbered(running=running) if c.calls), None)

    def texting(self, *, running: bool = True) -> Channel | None:
        """The channel that reaches a number's person by text, if any (``running``: only
        if it runs here)."""
        return next((c for c in self.numbered(running=running) if c.texts), None)

    def line(self, platform: str, transactions: Transactions) -> TextLine | None:
        """The store of ``platform``'s texting transport on ``transactions``; None where it
        texts nobody."""
        made = self.of(platform).line
        return made(transactions) if made is not None else None


# -- the calls a transport places for the features


@dataclass(frozen=True)
class CallOrder:
    """One bridged call: whom to call first (the helper), then whom (the resident)."""

    request_id: int
    helper_id: int
    helper_number: str
    helper_lang: str
    resident_number: str
    resident_lang: str


class CallPort(Protocol):
    """The calls that connect a helper and a resident (``HandlerSettings.bridged_calls``;
    the phone's: bot/transports/phone/calls/bridging.py)."""

    def quiet_until(self) -> datetime | None:
        """The end of the quiet hours if they are now; None outside them."""

    def start(self, order: CallOrder) -> None:
        """Start the call in the background (the outcome reaches the helper's chat)."""


@dataclass(frozen=True)
class Profile:
    """What the call that asked for a check passes on to a person made when the check
    succeeds."""

    language: str | None = None
    consented: bool = False
    # The easy texts, as the asking call had them (a phone person starts with them).
    easy: bool = False


# Why the port places no check call: the bot may not call the number ("never"), the
# number's or the city's day is full ("day").
PortRefusal = Literal["never", "day"]
# Why a caller gets no check call: the port's reasons, or they asked too often this hour
# ("hour", counted by the feature that asks: handlers/numbers/caller_check.py).
Refusal = PortRefusal | Literal["hour"]


class CheckPort(Protocol):
    """The calls that check who asked, as a voice transport places them
    (``HandlerSettings.check_calls``; the phone's: bot/transports/phone/calls/
    check_calls.py)."""

    @property
    def per_caller_hour(self) -> int:
        """How many checks one caller may ask for an hour (the feature that asks counts
        them, and says "hour" past it)."""

    def may_call(self, number: str) -> bool:
        """Whether a check call may ever go to ``number`` (a line that calls, a number the
        bot may dial): asking for one that may not is no ask at all."""

    async def ask(self, number: str, data: str, profile: Profile) -> datetime | PortRefusal:
        """A check of ``number``, to begin with the button ``data`` as a person with
        ``profile``: when the call comes, or why it does not."""

    def soon(self, at: datetime) -> bool:
        """Whether a check placed at ``at`` comes "in a moment"."""

    def proven(self, chat_id: str, then: Event) -> None:
        """The caller on ``chat_id`` (a call that claims a number) proved to be its person
        (their PIN, handlers/numbers/phone_pin.py): the call is that person's from now on,
        as a checked one, and goes on with ``then`` as theirs."""


# -- what came of the calls the ports placed

# What a transport reports that is no one's message (a happening): what came of a call the
# bot made through the ports above (and, from the dispatcher, a chat its person closed:
# ``ChatClosed``). The transport only says what happened; the features
# that take it (``Router.happenings``) decide who is told and with which words
# (handlers/numbers/call_notices.py), through ``Ports.report``.

# Why a person's waiting messages were given up: nobody answered the tries, the month's
# calls were spent, the number may not be dialled, or whoever answered was not them.
GivenUp = Literal["no answer", "month", "not dialable", "not them"]


@dataclass(frozen=True)
class CallsGivenUp:
    """The calls that were to say ``count`` waiting messages to the person on ``platform``
    ``chat_id`` were given up after ``tries`` tries, for ``why``."""

    platform: str
    chat_id: str
    why: GivenUp
    count: int
    tries: int


@dataclass(frozen=True)
class CheckGivenUp:
    """The call checking a caller who asked at ``number`` (on ``platform``) was tried
    ``tries`` times, nobody answered."""

    platform: str
    number: str
    tries: int


@dataclass(frozen=True)
class CheckDenied:
    """The call checking a caller who asked at ``number`` (on ``platform``), whose person has
    something to protect, was answered "it was not me": someone else may be using the
    number's caller ID."""

    platform: str
    number: str


# The span of a pool of check calls that ran dry: the day's or the hour's.
DrySpan = Literal["day", "hour"]


@dataclass(frozen=True)
class CheckPoolDry:
    """The check calls of ``platform``'s line for this ``span`` are spent - the share
    callers with nothing to protect may use (``newcomers``; the reserve is left for
    residents with something to protect), else the whole pool - at ``cap`` calls: checks
    asked for now are put off (to the next hour) or refused (for the day)."""

    platform: str
    span: DrySpan
    newcomers: bool
    cap: int
    # Who used the pool today: each number checked and its calls (the notice names their
    # people, never the numbers: handlers/numbers/call_notices.py).
    used: tuple[tuple[str, int], ...] = ()
    # Not a pool: the day's checks of one block of numbers (all but the last digits
    # alike, check_call_store.py ``PER_BLOCK_DAY``) are spent.
    block: bool = False


@dataclass(frozen=True)
class BridgedCallEnded:
    """A bridged call of the helper ``helper_id`` with a resident came to ``outcome``
    ("talked", "busy", "no answer", "helper did not answer", "failed", …)."""

    helper_id: int
    outcome: str


@dataclass(frozen=True)
class ChatClosed:
    """The person ``person_id`` closed the chat that was their address (blocked the bot,
    deleted their account: reported by the service, or a send it refused for good): they
    can be reached there no more until they write again (``Dispatcher.chat_closed``, the
    one place that decides it; the features that take it say what follows for them)."""

    person_id: int


@dataclass(frozen=True)
class DecryptLimited:
    """The hour's budget of work on encrypted messages on ``platform`` stops people until
    ``until``: the people standing at ``group`` (``who`` None) past their group's budget of
    ``count``; one person (``who``: their id there) past their own of ``count``; or
    (``dropped``) the key messages held for strangers, ``count`` dropped so far. Reported
    once an hour each (the words: handlers/limits/encrypted_work.py)."""

    platform: str
    until: datetime
    count: int
    group: Standing = Standing.STRANGER
    who: str | None = None
    dropped: bool = False


@dataclass(frozen=True)
class NotReadThisHour:
    """A message of ``who`` (their id on ``platform``) in their direct chat ``chat_id`` was
    not read for the hour's budget of work on encrypted messages: ``own``, past their own
    budget (else their group's); ``stranger``, not known to the bot yet; read again from
    ``until``. Reported once an hour at most (the transport decides when); the line to the
    person is the feature's (handlers/limits/encrypted_work.py), sent through the outbox so
    that it reaches them as every message does - said aloud to someone who hears the bot."""

    platform: str
    who: str
    chat_id: str
    until: datetime
    own: bool
    stranger: bool


@dataclass(frozen=True)
class FromUnconfirmedDevice:
    """A message of ``who`` (their id on ``platform``) in their direct chat ``chat_id`` came
    from a device of theirs that their identity does not vouch for: the answers reach only
    their confirmed devices. Reported once an hour at most (the transport decides when);
    the line to the person is the feature's (handlers/limits/encrypted_work.py), sent
    through the outbox beside the answer - said aloud to someone who hears the bot."""

    platform: str
    who: str
    chat_id: str


@dataclass(frozen=True)
class NotDecrypted:
    """Messages of ``who`` (their id on ``platform``) in their direct chat ``chat_id`` could
    not be decrypted: their key never came. Reported once for the messages of a wait (the
    transport decides when); the line to the person is the feature's
    (handlers/limits/encrypted_work.py), sent through the outbox so that it reaches them
    as every message does - said aloud to someone who hears the bot."""

    platform: str
    who: str
    chat_id: str


# -- what a texting transport's limits stop (the words: handlers/limits/text_messages.py).
# Each is reported once its period (claimed in the transport's store): the transport says
# what stops whom and until when, the features what the coordinators read.


@dataclass(frozen=True)
class TextsCapped:
    """The person ``person_id`` on ``platform`` had the ``cap`` texts their number may get
    in an hour (answered again from ``until``) or, ``until`` None, in a day."""

    platform: str
    person_id: int
    cap: int
    until: datetime | None


@dataclass(frozen=True)
class AnswersHeld:
    """The person ``person_id`` on ``platform``: their number's answers are held for a
    check (its unchecked share of the hour's texts spent: many texts came from it, perhaps
    forged) - only a code, and reminders of it, go until it is texted back right, or
    ``until`` at the latest."""

    platform: str
    person_id: int
    until: datetime


@dataclass(frozen=True)
class FirstTextsUsed:
    """Today's ``cap`` first texts from new numbers on ``platform`` are answered: those for
    numbers from elsewhere (``kept`` left for the city's own area codes and numbers seen
    before), or (``everyone``) all of them."""

    platform: str
    cap: int
    kept: int
    everyone: bool


# Which of the hour's code texts are sent: the share of numbers that have not confirmed a
# code today, the share for everyone (the rest kept for running help), or all of them.
CodeShare = Literal["new", "open", "all"]


@dataclass(frozen=True)
class CodeTextsUsed:
    """The hour's code texts of ``share`` on ``platform`` (``count`` of them; ``kept`` for
    people with help under way) are sent: no such code until ``until``."""

    platform: str
    share: CodeShare
    count: int
    until: datetime
    kept: int = 0


@dataclass(frozen=True)
class StrangerStopsFull:
    """More STOPs than are kept within an hour came to ``platform`` from numbers nobody has:
    for up to an hour such a STOP is neither kept nor answered."""

    platform: str


# The limits on the codes texted back (the words are handlers/numbers/coded_acts.py's, as
# for an act's or an erasure's code): a number's codes of the day used up, or its code
# dropped by its last wrong try; the city's wrong codes of the hour at their limit.
CodesOut = Literal["day", "tried out"]


@dataclass(frozen=True)
class NumberCodesOut:
    """A limit on codes stops the person ``person_id`` on ``platform``: their number had
    its codes of the day, or (``why``) its code was dropped by its last wrong try."""

    platform: str
    person_id: int
    why: CodesOut


@dataclass(frozen=True)
class WrongCodesPause:
    """The city had ``count`` wrong codes texted back this hour on ``platform``, its limit:
    no code is checked until ``until``."""

    platform: str
    count: int
    until: datetime


@dataclass(frozen=True)
class MonthShareReached:
    """A month's budget of something each use of which costs money (bot/transports/
    month_budget.py: a texting transport's segments, the phone's calls) reached ``share``
    of its ``monthly`` units (80; :data:`RESERVE_SHARE`: used up but for the ``reserve``
    kept for running help; 100: all used up), reported once a month a share in each city
    (the words: handlers/limits/month_budgets.py)."""

    units: Literal["segments", "calls"]
    share: int
    monthly: int
    reserve: int


# A month's budget used up but for its reserve (a share of its own, not 90 %).
RESERVE_SHARE = 90


Happening = (
    CallsGivenUp
    | CheckGivenUp
    | CheckDenied
    | CheckPoolDry
    | BridgedCallEnded
    | ChatClosed
    | DecryptLimited
    | NotDecrypted
    | NotReadThisHour
    | FromUnconfirmedDevice
    | TextsCapped
    | AnswersHeld
    | FirstTextsUsed
    | CodeTextsUsed
    | StrangerStopsFull
    | NumberCodesOut
    | WrongCodesPause
    | MonthShareReached
)
# How a transport reports one (the dispatcher's ``happened``).
Report = Callable[[Happening], Awaitable[None]]


# -- the ports a transport is handed (bot/city_service.py), as Synapse's HomeServer hands each
# caller the handler it needs: a transport hands its updates in through :class:`UpdatesPort`
# and asks everything else here; it never holds the dispatcher, its database, its settings
# or the features' rules (tests/bot/transports/test_ports.py). The city's ports:
# handlers/updates/ports.py.


class MenuCommand(Protocol):
    """A command as a service's command menu shows it (handlers/router.py ``CommandSpec``):
    its name and its untranslated description."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...


class UpdatesPort(Protocol):
    """How a transport hands in its updates and their answers (the kept-answer protocol,
    bot/transports/contract.py), and the commands they may carry; the city's dispatcher
    routes them."""

    @property
    def process_key(self) -> int | None:
        """This process's key among several on one PostgreSQL database (bot/cluster.py);
        None: alone."""

    @property
    def at_once(self) -> int:
        """How many chats' updates the transport may hand in at the same time, each chat's
        one after the other (the database's ``updates_at_once``: db/transactions.py)."""

    async def handle(self, incoming: Incoming) -> list[Outgoing]:
        """Answer one update: its changes and what it queued for others committed."""

    async def answered(self, incoming: Incoming, outgoing: list[Outgoing]) -> None:
        """The transport sent the answers to ``incoming``."""

    async def send_kept_answers(
        self, platform: str, send: Callable[[Incoming, list[Outgoing]], Awaitable[None]]
    ) -> None:
        """At a transport's start: each answer kept unsent, sent with ``send`` and marked."""

    def menu(self) -> Sequence[MenuCommand]:
        """The commands everyone may use: a service's command menu."""

    def group_menu(self) -> Sequence[MenuCommand]:
        """The commands that work in the coordinators' group: its own menu there."""

    def command_names(self) -> Collection[str]:
        """Every command's name (a service that writes commands its own way)."""


class WordsPort(Protocol):
    """The words a transport says its own lines in (a notice of its wire, a prompt, a
    number's question), where no reader chain made them."""

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the city offers, its first the city's own."""

    def newcomer_language(self, hint: str | None) -> str:
        """The language for someone who chose none: ``hint``'s where offered, else the
        city's."""

    async def words_of(
        self, platform: str, chat_id: str, fallback: str | None = None
    ) -> Translator:
        """``chat_id``'s person's words on ``platform``: their language, easy language, the
        platform's medium; while they chose no language, ``fallback`` (else the city's)."""

    async def chosen_language(self, platform: str, chat_id: str) -> str | None:
        """The language ``chat_id``'s person on ``platform`` chose; None: none yet."""

    def reader_words(self, platform: str, person: User | None, fallback: str | None) -> Translator:
        """``person``'s words on ``platform`` (their row, read by the transport already; None:
        nobody's), while they chose no language ``fallback``'s."""

    def written_in(self, text: str, hint: str | None) -> str | None:
        """The language a newcomer's first ``text`` is written in (``hint``: their number's
        country's, deciding close cases), else ``hint`` - one the city offers; None:
        neither (the city's first)."""

    def nobodys(self, platform: str) -> Translator:
        """The words for no one's row on ``platform`` (a room of several people)."""

    def coordinators(self) -> Translator:
        """The words of the coordinators' group: shared, it reads the city's language."""


class ChatsPort(Protocol):
    """The chats a transport serves: which is the coordinators', a chat its person closed,
    where its person stands."""

    @property
    def backchannels(self) -> frozenset[tuple[str, str]]:
        """The coordinators' groups, as (platform, chat id)."""

    def is_backchannel(self, platform: str, chat_id: str) -> bool:
        """Whether ``chat_id`` on ``platform`` is the coordinators' group."""

    def leaving(self, t: Translator, *, too_many: bool) -> Markup:
        """The line before the bot leaves a chat that is not a direct chat, or (``too_many``)
        one direct chat too many of its person's, in ``t``'s words."""

    def reopened(self, t: Translator) -> Markup:
        """The first line in a direct chat the bot opened for someone who left hers: why
        this chat, and how to stop it."""

    async def closed(self, platform: str, user_id: str, chat_id: str, update_id: str) -> None:
        """``user_id`` closed their private chat ``chat_id`` (blocked the bot), as the
        service reported in ``update_id`` (once, however often it is delivered)."""

    async def refused(self, platform: str, chat_id: str, person_id: int) -> None:
        """A send to ``person_id``'s chat ``chat_id`` was refused for good: they closed it."""

    async def unstarted(self, platform: str, chat_id: str, person_id: int, refusal: str) -> None:
        """A send to ``person_id``'s chat ``chat_id`` was refused: they never started it."""

    async def standing(self, platform: str, chat_id: str) -> Standing:
        """Where ``chat_id``'s person stands when a shared engine chooses whose work comes
        first (handlers/helping/standing.py)."""

    async def keep_for(
        self, platform: str, chat_id: str, text: Markup, person_id: int, *, secret: bool = False
    ) -> None:
        """Queue ``text`` of the transport's own for ``person_id``'s chat in the outbox, in
        the transaction under way (it leaves if and only if that commits; the transport
        wakes the worker once it is committed); ``secret``: it carries a code, which the
        outbox keeps only until it is sent or given up."""


class StopLine(TextLine, Protocol):
    """What a texting transport keeps of a number's STOP (its line), for the STOP rule
    (handlers/numbers/text_stops.py)."""

    async def stop(self, number: str, *, keep_help: bool = False, stranger: bool = False) -> bool:
        """The number's STOP (``keep_help``: but the notices of its running help;
        ``stranger``: sent while the number was nobody's); whether it changed anything."""

    async def start(self, number: str) -> bool:
        """START: texts go again; whether the number had sent STOP."""

    async def stop_state(self, number: str) -> str:
        """Empty (texts go), "all" (STOP) or "help" (STOP but for a help under way)."""

    async def keep_help(self, number: str) -> bool:
        """A STOP that kept nothing keeps the notices of running help from now on."""

    async def stop_help(self, number: str) -> bool:
        """A STOP that kept the notices of running help ends them too."""

    async def code_pending(self, number: str, purpose: str, now: str) -> bool:
        """Whether a code for ``purpose`` is out and valid at ``now``."""

    async def claim_told(self, number: str, word: str, since: str, at: str | None = None) -> bool:
        """Whether the caller tells ``word`` now: not told after ``since`` (noted ``at``)."""

    async def claim_stop_again_told(self, number: str, day: str) -> bool:
        """Whether the caller tells a STOP again that no code comes ``day``: once a day."""

    async def take_stranger_stop(self, day: str, hour: str, cap: int) -> bool:
        """One of the city's ``cap`` STOPs from numbers nobody has in ``hour``, if left."""

    async def claim_stranger_stops_told(self, day: str, hour: str) -> bool:
        """Whether the caller tells that the hour's STOPs from strangers are used: once."""


class StopWire(Protocol):
    """What the STOP rule asks of the texting transport for one text: the number's line,
    the code texts it counts, its words and clock, and its two ways of answering."""

    @property
    def platform(self) -> str:
        """The transport's platform, as the limits it reports name it."""

    @property
    def line(self) -> StopLine:
        """The number's line (the transport's store)."""

    @property
    def codes(self) -> CodeTexts:
        """The code texts of the hour (the transport's budget)."""

    @property
    def words(self) -> Translator:
        """The words of the number's person (or a newcomer's, in their text's language)."""

    @property
    def report(self) -> Report:
        """How the limits the rule reaches are reported (the features word them)."""

    def clock(self) -> datetime:
        """The transport's budget's time (a test holds it still)."""

    async def first_contact(self, number: str) -> bool:
        """Whether today's first contacts have room for an answer to ``number``."""

    async def tell(self, number: str, text: Markup) -> None:
        """One of the transport's own texts, sent once the text's handling is committed."""

    async def queue(self, number: str, text: Markup, person: User, *, secret: bool = False) -> None:
        """A text that must not be lost (a code; a limit told once a day), into the outbox
        committed with the text's handling; ``secret``: it carries a code."""


class StopsPort(Protocol):
    """The STOP rule (handlers/numbers/text_stops.py ``TextStops``)."""

    async def take(
        self, wire: StopWire, number: str, text: str, word: str | None, user: User | None
    ) -> bool:
        """Whether the text was STOP, START or the code that ends a help's notices (done)."""

    async def codes_paused(self, wire: StopWire) -> None:
        """After a code of the number's line not right (or not compared): the city's wrong
        codes of the hour reaching their limit are reported, once an hour."""

    def asking(self, wire: StopWire, number: str) -> AbstractAsyncContextManager[None]:
        """Around a text's handling by the features: a help it starts after STOP is heard of."""


class ToldPort(Protocol):
    """The words of a texting line's own texts (handlers/numbers/texters_told.py
    ``TextersTold``): the transport decides when and sends, the features word."""

    def turned_away(self, t: Translator, call: str) -> Markup:
        """A new number today's first contacts turn away (``call``: whom to call, "" none)."""

    def capped(self, t: Translator, until: datetime, today: bool, call: str) -> Markup:
        """A number past its texts of the hour or the day, answered again at ``until``."""

    def check_asked(self, t: Translator, code: str) -> Markup:
        """The code that shows a number's holder is there (answers held for a check)."""

    def still_works(self, t: Translator, sent: datetime, until: datetime) -> Markup:
        """The check's code sent at ``sent`` still works until ``until``."""

    def checked(self, t: Translator) -> Markup:
        """The check's code came back right: the number's texts are answered again."""


class CallersPort(Protocol):
    """Who is calling, on a line whose caller ID is only a claim (the rule is
    handlers/numbers/caller_check.py's)."""

    async def stand_in_for(self, platform: str, number: str, stand_in: str) -> str:
        """The number a call from ``number`` claims (every call from a number), going on
        as ``stand_in`` (a new person) until a check."""

    async def number_checked(self, platform: str, number: str, profile: Profile) -> None:
        """A check call to ``number`` was answered "it is me": the number's person from now
        on, made with ``profile`` where not there yet."""

    async def protects(self, platform: str, number: str) -> bool:
        """Whether the number's person has something no stranger at it could have made."""

    async def reserved_for(self, platform: str, number: str) -> bool:
        """Whether a check call to ``number`` may spend the reserve of the checks' pool."""

    async def running(self, platform: str, number: str) -> bool:
        """Whether help is under way for the person of ``number`` on ``platform`` (the
        lifecycle's rule): a use of a month's budget for them may spend its reserve."""


@dataclass(frozen=True)
class Ports:
    """What a city hands each of its transports (bot/city_service.py): ``updates``, where it
    hands in its updates (the city's dispatcher routes them); ``db``: the city's database,
    for the transport's own stores (the phone's line notes and check calls, its recordings'
    erasure); ``clock``: seconds on the city's steady clock (the flood limits', which a test
    holds still); ``now``: the city's time."""

    updates: UpdatesPort
    words: WordsPort
    chats: ChatsPort
    callers: CallersPort
    report: Report
    db: Database
    clock: Callable[[], float]
    now: Callable[[], datetime]
    # Wakes the outbox worker after a transport queued something itself.
    wake: Callable[[], None]
    # What a texter's STOP and START do (handlers/numbers/text_stops.py).
    stops: StopsPort
    # What a texter is told of the texting line's own limits and checks, worded
    # (handlers/numbers/texters_told.py).
    told: ToldPort
