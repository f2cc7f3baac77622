"""The personal-data map: every table and column, what it holds about people, and what
export, erasure and retention do with it.

This is the one declaration the data rights follow (``db/data_rights.py`` runs it): /mydata
exports what the ``Link``s select, erasure applies their actions, retention runs the
``Retention`` steps, and the privacy notice names the ``PURPOSES``. A test compares the map
with the live schema after all migrations: a column the map does not classify fails it, so a
new feature cannot store something about a person that /delete forgets.

Column kinds:

- ``CONTENT``: what a person wrote, said or shared (texts, voice, places, conversation data):
  exported, blanked on erasure and by retention.
- ``IDENTITY``: who someone is on a chat service (platform ids, chat ids, first name).
- ``LINK``: a user number pointing at a person: unlinked or its row deleted on erasure.
- ``DETAIL``: facts about a person's row (times, states, settings, amounts): exported with
  it; where a row outlives the person (statistics) only these stay, with no link.
- ``PUBLIC``: nothing about a private person (places, events, ids, technical state).

SQL in a ``Link`` or ``Retention`` names its parameters: ``:id`` (the user number),
``:platform``, ``:chat_id``, ``:closed_chat_id`` (the chat id of a chat the person
closed, db/users.py close_chat, where rows kept under it are still theirs; else ``:chat_id``
again), ``:other_platforms`` (inside ``IN (...)`` only: a number's
person, db/people_by_number.py, the other number platforms, where the same chat id is theirs too;
else ''),
``:subject`` (``user:<id>``), ``:about`` (``%,<id>,%``) and the retention cut-offs in
:data:`CUTOFFS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from db.request_states import CLOSED, sql_list

CONTENT = "content"
IDENTITY = "identity"
LINK = "link"
DETAIL = "detail"
PUBLIC = "public"
KINDS = (CONTENT, IDENTITY, LINK, DETAIL, PUBLIC)

# The retention cut-offs a step may use (db/data_rights.py computes them from the settings).
CUTOFFS = (
    "closed_before",  # requests closed before this lose their texts
    "outbox_before",  # delivered or given-up messages older than this lose their content
    "updates_before",  # the record of handled updates
    "conversation_before",  # unfinished conversations untouched since
    "buttons_before",  # Matrix button maps
    "today_local",  # reminders and one-off follows of days before today (Europe/Berlin)
    "day_before",  # a day ago: the posting limits' memory of erased accounts
    "certificates_before",  # volunteers' certificate requests decided (or asked) before this
)


@dataclass(frozen=True)
class Purpose:
    """A kind of personal data as the privacy notice names it (its words, in ten languages,
    live in handlers/privacy.py under the same key)."""

    key: str
    what: str
    seen_by: str
    kept: str


PURPOSES = (
    Purpose(
        "account",
        "chat account id (by SMS and on the phone line: the phone number, E.164), chat, first "
        "name, language, roles (a coordinator: since when on duty), consent, last seen, "
        "reminder times; on the phone line a PIN "
        "the person chose, only as a slow salted hash (coordinators see only that one is set)",
        "the bot; coordinators see the user number and first name (a caller on the phone line "
        "has none: '📞 Resident'); a helper only the first name; the number never leaves the bot",
        "until /delete, or privacy.inactive_account_days without writing; one who never agreed "
        "and has nothing else of theirs (a caller who only heard places): "
        "privacy.conversation_days",
    ),
    Purpose(
        "conversation",
        "the step of a conversation and what was entered so far",
        "the bot only",
        "until the step ends; unfinished steps privacy.conversation_days",
    ),
    Purpose(
        "requests",
        "help requests: kind, text or voice, area (Stadtteil; for a typed postcode its "
        "Stadtbezirk and the postcode; point rounded to ~500 m), "
        "when, languages; a contact and a summary coordinators entered",
        "coordinators; matching volunteers once published, as text only (an offer never "
        "carries the voice: the coordinators' summary instead); the helper, who alone besides "
        "the coordinators hears the voice",
        "texts, voice and contact privacy.closed_request_days after closing; kind, "
        "district, dates, minutes and amounts stay without any link to a person",
    ),
    Purpose(
        "volunteering",
        "volunteer profile (districts or an area rounded to ~500 m, kinds of help, "
        "languages, times (talk shifts, whether they take evening requests), quiet hours, "
        "training confirmed, the days an extended certificate "
        "of good conduct was seen and expires - never the certificate) and the help given; "
        "optionally, with districts, the volunteer's own point (a postcode's centre or a "
        "shared location, rounded to ~500 m: volunteers.lat/lon)",
        "the bot for matching; coordinators (the own point: only the ranking, nobody sees it)",
        "until the person stops volunteering or deletes the account",
    ),
    Purpose(
        "calls",
        "a helper's own phone number (E.164), given by them, for calls the bot connects "
        "between them and a resident without showing either number",
        "the bot only: not the resident, not the coordinators",
        "until the person removes it in the settings or deletes the account",
    ),
    Purpose(
        "certificates",
        "a volunteer's request for a certificate of their volunteering or for the "
        "confirmation for a free extended certificate of good conduct: the name to print, "
        "for the confirmation the date of birth; once signed, what the paper says (period, "
        "kinds of help, hours, the activity) and who signed it",
        "coordinators; the volunteer (the PDF)",
        "privacy.certificate_days after it was signed or declined (or asked, if nobody did); "
        "the audit log keeps that a certificate was issued, by user number",
    ),
    Purpose(
        "messages",
        "messages passed between requester and helper, feedback, reports, answers to coordinators",
        "the partner of the contact; coordinators (feedback, reports, answers)",
        "privacy.closed_request_days after the request closed",
    ),
    Purpose(
        "events",
        "events followed, reminders, subscriptions to places and districts",
        "the bot only",
        "until stopped; sent reminders until the event day has passed",
    ),
    Purpose(
        "delivery",
        "messages waiting to be delivered to or carrying the words of a person",
        "the recipient",
        "content cleared privacy.delivered_message_hours after delivery",
    ),
    Purpose(
        "translation",
        "translations of a person's texts for readers who may not read their language "
        "(the text goes to the configured engine with phone numbers, e-mail addresses, links "
        "and numbers masked)",
        "the reader of the message",
        "as long as delivered messages keep their content; with the text they belong to",
    ),
    Purpose(
        "records",
        "who decided what when (audit log, place changes), by user number",
        "coordinators and admins",
        "the decision stays; the user number is removed with the account",
    ),
    Purpose(
        "desk",
        "for coordinators using the web desk: one-time login links and browser sessions "
        "(stored only as hashes)",
        "the bot only",
        "links valid 10 minutes, sessions 12 hours; both removed a week after they end",
    ),
    Purpose(
        "technical",
        "updates already handled (to answer once), Matrix room and button maps; per SMS "
        "number (the person's phone number): a STOP, the rest of a text cut to fit, the "
        "choices of the newest text",
        "the bot only",
        "answers until sent; update numbers 7 days; button maps 30 days; a STOP until START "
        "or erasure, the rest of an SMS conversation as long as button maps",
    ),
    Purpose(
        "ban",
        "a keyed hash of a banned chat account, nothing readable",
        "the bot only",
        "until the ban is lifted",
    ),
    Purpose(
        "limits",
        "after /delete: when the deleted account posted requests in its last day, under a "
        "keyed hash of the chat account, nothing readable",
        "the bot only",
        "one day",
    ),
)

# The purposes that keep something of a person who only calls the phone line (a resident:
# no chat account, no role): the phone's whole notice says these first, in a caller's words
# (handlers/privacy_purposes.py ``CALLER_WORDS``), and the others only on a key (the rest,
# for volunteers and coordinators). The phone line's own tables are declared under these
# (bot/transports/phone/personal_data.py; a test holds it).
CALLERS = (
    "account",
    "conversation",
    "requests",
    "messages",
    "events",
    "delivery",
    "translation",
    "technical",
    "ban",
    "limits",
)


@dataclass(frozen=True)
class Action:
    """What erasure does to the rows a link selects.

    ``delete`` the rows, or set ``columns`` to SQL values (``''``, ``NULL``, an expression).
    ``first``: before what the person had running is ended through the request lifecycle
    (content, so that no notice sent on the way quotes it); otherwise after (structure, which
    the lifecycle still needs)."""

    delete: bool = False
    columns: tuple[tuple[str, str], ...] = ()
    first: bool = False

    def sql(self, table: str, where: str) -> str:
        """The statement doing this to the rows of ``table`` that match ``where``."""
        if self.delete:
            return f"DELETE FROM {table} WHERE {where}"
        assignments = ", ".join(f"{column} = {value}" for column, value in self.columns)
        return f"UPDATE {table} SET {assignments} WHERE {where}"

    def undone(self) -> str:
        """A condition for rows a blanking has not reached yet (retention counts only
        those, so that running a step again changes nothing)."""
        return "(" + " OR ".join(_differs(column, value) for column, value in self.columns) + ")"


def _differs(column: str, value: str) -> str:
    """``column IS NOT value`` in SQL both backends take (PostgreSQL's IS NOT takes only
    NULL, TRUE and FALSE; SQLite has IS DISTINCT FROM only since 3.39)."""
    if value == "NULL":
        return f"{column} IS NOT NULL"
    return f"({column} IS NULL OR {column} <> {value})"


def delete(*, first: bool = False) -> Action:
    return Action(delete=True, first=first)


def blank(*columns: str, first: bool = True, **values: str) -> Action:
    """Set text ``columns`` to '' (and other columns to the given SQL values)."""
    return Action(columns=tuple((c, "''") for c in columns) + tuple(values.items()), first=first)


def unlink(column: str) -> Action:
    return Action(columns=((column, "NULL"),))


def owned(
    section: str,
    *export: str,
    by: str = "user_id",
    refers: tuple[tuple[str, str], ...] = (),
    withheld: tuple[str, ...] = (),
    note: str = "",
) -> Link:
    """Rows that are the person's alone: exported, deleted with the account."""
    return Link(
        f"{by} = :id",
        (delete(),),
        section=section,
        export=export,
        refers=refers,
        withheld=withheld,
        note=note,
    )


def numbered(
    platform: str,
    *,
    section: str = "",
    export: tuple[str, ...] = (),
    withheld: tuple[str, ...] = (),
    note: str = "",
) -> Link:
    """Rows keyed by the person's number on ``platform`` (a column ``number``, E.164): theirs
    while they are reached there, or were before they closed the chat; deleted with them."""
    where = (
        f"'{platform}' IN (:platform, :other_platforms) AND number IN (:chat_id, :closed_chat_id)"
    )
    return replace(owned(section, *export, withheld=withheld, note=note), where=where)


# What an event's or a place's number in a person's data refers to, for /mydata: a number
# alone ("event_id: 1") tells the person nothing.
_EVENT_NAMED = (
    ("event", "(SELECT title FROM events WHERE events.id = {table}.event_id)"),
    ("event_starts", "(SELECT starts_local FROM events WHERE events.id = {table}.event_id)"),
    # How it repeats: a series followed every time is not about the day it began.
    ("event_rrule", "(SELECT rrule FROM events WHERE events.id = {table}.event_id)"),
)
_TARGET_NAMED = (
    (
        "place",
        "(SELECT name FROM places WHERE {table}.kind = 'place'"
        " AND CAST(places.id AS TEXT) = {table}.target)",
    ),
)


@dataclass(frozen=True)
class Link:
    """How rows of a table belong to a person: ``where`` selects them; ``section`` and
    ``export`` are what /mydata shows of them (no section: not exported, say why in
    ``note``); ``erase`` is done to them, in order."""

    where: str
    erase: tuple[Action, ...]
    section: str = ""
    export: tuple[str, ...] = ()
    note: str = ""
    # Exported beside the columns: (name, SQL) of what a row's numbers refer to (an event's
    # title), ``{table}`` standing for the table's name. Nothing stored twice.
    refers: tuple[tuple[str, str], ...] = ()
    # Columns of the person's rows /mydata does not show, each for a reason ``note`` gives (a
    # secret's hash, what may name other people, the outbox's own bookkeeping): every other
    # column that is not PUBLIC or a LINK is exported (tests/db/test_personal_data.py).
    withheld: tuple[str, ...] = ()


@dataclass(frozen=True)
class Retention:
    """A retention step: statements run in one transaction, on their own (one failing
    step does not stop the others), idempotent."""

    name: str
    statements: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    purpose: str | None
    columns: dict[str, str]
    links: tuple[Link, ...] = ()
    retention: tuple[Retention, ...] = ()
    note: str = ""
    # The one backend that has the table ("sqlite": its R*Tree), or None for both.
    only_in: str | None = None
    # Columns that hold only a one-way code of what they stand for (a salted or keyed hash
    # of a PIN, a secret, a chat account): what the notice may say is kept "only as a code"
    # (handlers/privacy_purposes.py); every other column is kept as it is. A test holds
    # every ``*_hash`` column here.
    coded: tuple[str, ...] = ()


def _all(kind: str, *names: str) -> dict[str, str]:
    return dict.fromkeys(names, kind)


_REQUEST_CONTENT = (
    "offline_contact",
    "description",
    "description_lang",
    "voice_file_id",
    "voice_platform",
    "area_name",
    "postcode",
    "when_text",
    "languages",
    "reject_note",
    "door_code",
    "summary",
)
# What a request holds of its requester: gone on erasure and after the closed-request period.
_FORGET_REQUEST = blank(*_REQUEST_CONTENT, lat="NULL", lon="NULL")
# A delivered message keeps its row (later edits find it by id), not its content.
_FORGET_MESSAGE = blank(payload="'{}'", about="''")
_OWN_REQUESTS = "SELECT id FROM help_requests WHERE requester_id = :id"
# Requests after which nothing happens any more, closed before the retention cut-off.
_CLOSED_LONG_AGO = f"state IN {sql_list(CLOSED)} AND closed_at < :closed_before"
_CLOSED_REQUESTS = f"SELECT id FROM help_requests WHERE {_CLOSED_LONG_AGO}"
_SETTLED = "(sent_at IS NOT NULL OR failed_at IS NOT NULL)"
# Outbox rows a later edit refers to by id: their row (not their content) must stay.
_REFERENCED = (
    "id IN (SELECT outbox_id FROM moderation_posts)"
    " OR id IN (SELECT outbox_id FROM request_notifications WHERE outbox_id IS NOT NULL)"
    " OR id IN (SELECT outbox_id FROM notices)"
    " OR id IN (SELECT outbox_id FROM relay_copies)"
)


# The person's partners in help (the helper of their requests, the requesters they help):
# what was read aloud to them may name the person (a menu's "Write to NAME"), and a speech
# says the words of an answer, which carry no ``about``.
_PARTNERS = (
    "SELECT volunteer_id FROM help_requests WHERE requester_id = :id"
    " AND volunteer_id IS NOT NULL"
    " UNION SELECT requester_id FROM help_requests WHERE volunteer_id = :id"
    " AND requester_id IS NOT NULL"
)
_SPOKEN_TO_PARTNERS = (
    f"json_extract(payload, '$.type') = 'Speech' AND recipient_id IN ({_PARTNERS})"
)


def forget_settled_messages(where: str) -> str:
    """The statement that clears the content of delivered (or given up) outbox rows
    matching ``where``, as erasure and retention do (a relayed message taken back)."""
    return _FORGET_MESSAGE.sql("outbox", f"{_SETTLED} AND ({where})")


# The core declaration; each transport adds its own tables (and links into these) with
# :func:`declare` (bot/transports/registry.py), so this list is complete once the registry
# is imported, before any database is opened.
MAP: list[Table] = [
    # First in the map: its rows are deleted last of an erasure (structure goes in reverse
    # map order), after every delete of the person's rows that its triggers note again.
    Table(
        "matching_touched",
        "volunteering",
        {"seq": PUBLIC, "volunteer_id": LINK},
        links=(
            Link(
                "volunteer_id = :id",
                (delete(),),
                note="Which volunteer a write the matching reads was about, for the desk's "
                "kept hints (db/matching_changes.py): a number only, not shown to anyone.",
            ),
        ),
        note="The newest 1000 writes the matching reads, each with the volunteer it was about "
        "(migration 0050's triggers keep no more): the desk's review queue works its hints out "
        "again for those volunteers alone (handlers/helping/matching/hint_cache.py).",
    ),
    Table(
        "users",
        "account",
        {
            "id": LINK,
            "platform": IDENTITY,
            "platform_user_id": IDENTITY,
            "chat_id": IDENTITY,
            "closed_chat_id": IDENTITY,
            "first_name": IDENTITY,
            **_all(
                DETAIL,
                "language",
                "consent_at",
                "created_at",
                "seen_at",
                "banned_at",
                "ban_notified",
                "reminder_offsets",
                "translate_messages",
                "read_aloud",
                "easy_language",
                "no_voice_told",
            ),
        },
        links=(
            owned(
                "account",
                "id",
                "platform",
                "platform_user_id",
                "chat_id",
                "closed_chat_id",
                "first_name",
                "language",
                "consent_at",
                "created_at",
                "seen_at",
                "banned_at",
                "reminder_offsets",
                "translate_messages",
                "read_aloud",
                "easy_language",
                "no_voice_told",
                "ban_notified",
                by="id",
            ),
        ),
        note="Inactive accounts are erased like /delete (handlers/privacy.py), not by SQL here. "
        "A phone number is one account on the phone line and by SMS (db/people_by_number.py): "
        "'platform' is the channel the person chose for what the bot has for them.",
    ),
    Table(
        "user_roles",
        "account",
        {"user_id": LINK, "role": DETAIL, "granted_at": DETAIL},
        links=(owned("roles", "role", "granted_at"),),
    ),
    Table(
        "coordinators_on_duty",
        "account",
        {"user_id": LINK, "since": DETAIL},
        links=(owned("on_duty", "since"),),
    ),
    Table(
        "conversations",
        "conversation",
        {"user_id": LINK, "state": DETAIL, "data": CONTENT, "updated_at": DETAIL},
        links=(owned("conversation", "state", "data", "updated_at"),),
        retention=(
            Retention(
                "unfinished_conversations",
                # A running help contact is a conversation too, ended only by the lifecycle.
                (
                    "DELETE FROM conversations WHERE updated_at < :conversation_before"
                    " AND state NOT LIKE 'relay%'",
                ),
            ),
        ),
    ),
    Table(
        "conversation_marks",
        "conversation",
        {
            "platform": PUBLIC,
            "chat_id": IDENTITY,
            "mark": DETAIL,
            "value": DETAIL,
            "until": DETAIL,
        },
        links=(
            Link(
                "platform = :platform AND chat_id IN (:chat_id, :closed_chat_id)",
                (delete(),),
                section="conversation_marks",
                export=("chat_id", "mark", "until"),
                withheld=("value",),
                note="A mark's value is a desk form's answer (the page it led to), under a "
                "desk session's hash, never a person's chat: nothing of hers.",
            ),
        ),
        retention=(
            Retention(
                "conversation_marks",
                ("DELETE FROM conversation_marks WHERE until < :day_before",),
            ),
        ),
        note="What a conversation needs between two updates besides its step "
        "(db/conversation_marks.py): a chat showing a location keyboard, an album answered, "
        "a group told; each lapses (a day later retention removes it).",
    ),
    Table(
        "help_requests",
        "requests",
        {
            "id": DETAIL,
            "requester_id": LINK,
            "entered_by": LINK,
            "volunteer_id": LINK,
            "decided_by": LINK,
            "lat": CONTENT,
            "lon": CONTENT,
            **_all(CONTENT, *_REQUEST_CONTENT),
            **_all(
                DETAIL,
                "category",
                "stadtbezirk",
                "when_kind",
                "state",
                "reject_reason",
                "minutes_spent",
                "money_cents",
                "money_confirmed",
                "created_at",
                "updated_at",
                "opened_at",
                "matched_at",
                "closed_at",
                "escalated_at",
                "reminded_at",
                "kept_at",
                "review_reminded_at",
                "review_escalated_at",
                "held_reason",
                "held_until",
            ),
        },
        links=(
            Link(
                "requester_id = :id",
                (_FORGET_REQUEST, unlink("requester_id")),
                section="requests",
                export=(
                    "id",
                    "category",
                    "description",
                    "description_lang",
                    "voice_file_id",
                    "summary",
                    "door_code",
                    "area_name",
                    "postcode",
                    "stadtbezirk",
                    "lat",
                    "lon",
                    "when_kind",
                    "when_text",
                    "languages",
                    "state",
                    "reject_reason",
                    "reject_note",
                    "minutes_spent",
                    "money_cents",
                    "money_confirmed",
                    "created_at",
                    "opened_at",
                    "matched_at",
                    "closed_at",
                    # A contact coordinators entered for the resident (their own), the
                    # platform of the voice, and what the bot did with the request and when.
                    "offline_contact",
                    "voice_platform",
                    "held_reason",
                    "held_until",
                    "kept_at",
                    "escalated_at",
                    "reminded_at",
                    "review_reminded_at",
                    "review_escalated_at",
                ),
            ),
            Link(
                "volunteer_id = :id",
                (unlink("volunteer_id"),),
                section="help_given",
                export=(
                    "id",
                    "category",
                    "stadtbezirk",
                    "state",
                    "minutes_spent",
                    "money_cents",
                    "money_confirmed",
                    "matched_at",
                    "closed_at",
                ),
                note="The requester's texts are theirs: a helper's export names the request only.",
            ),
            Link(
                "entered_by = :id",
                (unlink("entered_by"),),
                section="requests_entered",
                export=("id", "category", "state", "created_at"),
            ),
            Link(
                "decided_by = :id",
                (unlink("decided_by"),),
                section="requests_decided",
                export=("id", "state", "updated_at"),
            ),
        ),
        retention=(
            Retention(
                "closed_requests",
                (
                    _FORGET_REQUEST.sql(
                        "help_requests",
                        f"{_CLOSED_LONG_AGO} AND {_FORGET_REQUEST.undone()}",
                    ),
                    f"DELETE FROM relay_messages WHERE request_id IN ({_CLOSED_REQUESTS})",
                    f"UPDATE feedback SET text = '' WHERE text != ''"
                    f" AND request_id IN ({_CLOSED_REQUESTS})",
                    "UPDATE reports SET reason = '' WHERE reason != '' AND subject IN"
                    f" (SELECT 'request:' || id FROM ({_CLOSED_REQUESTS}) AS closed)",
                ),
            ),
        ),
    ),
    Table(
        "volunteers",
        "volunteering",
        {
            "user_id": LINK,
            "verified_by": LINK,
            "lat": CONTENT,
            "lon": CONTENT,
            **_all(
                DETAIL,
                "categories",
                "stadtbezirke",
                "radius_m",
                "languages",
                "availability",
                "quiet_start",
                "quiet_end",
                "max_open",
                "paused",
                "verified_at",
                "created_at",
                "certificate_seen_on",
                "certificate_expires_on",
                "talk_shift",
                "evenings",
            ),
        },
        links=(
            owned(
                "volunteer_profile",
                "categories",
                "stadtbezirke",
                "lat",
                "lon",
                "radius_m",
                "languages",
                "availability",
                "quiet_start",
                "quiet_end",
                "max_open",
                "paused",
                "verified_at",
                "created_at",
                "certificate_seen_on",
                "certificate_expires_on",
                "talk_shift",
                "evenings",
            ),
            Link(
                "verified_by = :id",
                (unlink("verified_by"),),
                section="volunteers_verified",
                export=("user_id", "verified_at"),
            ),
        ),
    ),
    Table(
        "certificate_requests",
        "certificates",
        {
            "id": PUBLIC,
            "user_id": LINK,
            "decided_by": LINK,
            "name": CONTENT,
            "birth_date": CONTENT,
            "signer_name": CONTENT,
            "activity": CONTENT,
            **_all(
                DETAIL,
                "kind",
                "lang",
                "state",
                "asked_at",
                "decided_at",
                "signer_role",
                "basis",
                "facts",
            ),
        },
        links=(
            owned(
                "certificates",
                "id",
                "kind",
                "name",
                "birth_date",
                "lang",
                "state",
                "asked_at",
                "decided_at",
                "signer_name",
                "signer_role",
                "activity",
                "basis",
                "facts",
            ),
            Link(
                "decided_by = :id",
                (blank("signer_name"), unlink("decided_by")),
                section="certificates_signed",
                export=("id", "kind", "state", "decided_at", "signer_name", "signer_role"),
                note="The volunteer keeps the paper; its signer's name goes with the signer.",
            ),
        ),
        retention=(
            Retention(
                "certificate_requests",
                (
                    "DELETE FROM certificate_requests"
                    " WHERE COALESCE(decided_at, asked_at) < :certificates_before",
                ),
            ),
        ),
        note="Asked for in the chat (handlers/helping/certificates.py), signed on the desk; "
        "the PDF is made again from the row when needed and never stored (the outbox keeps the "
        "one it delivers as long as any delivered message).",
    ),
    Table(
        "request_notifications",
        "volunteering",
        {
            "request_id": DETAIL,
            "volunteer_id": LINK,
            "outbox_id": PUBLIC,
            "declined": DETAIL,
            "handed_back": DETAIL,
            "offered_at": DETAIL,
            "wave": DETAIL,
            "accepted_at": DETAIL,
            "declined_at": DETAIL,
        },
        links=(
            owned(
                "offers_received",
                "request_id",
                "offered_at",
                "wave",
                "accepted_at",
                "declined",
                "declined_at",
                "handed_back",
                by="volunteer_id",
            ),
        ),
        note="Who was asked about which request, when, in which wave, and the answer "
        "(handlers/helping/matching/waves.py): the caps and the estimate of who says yes. Goes "
        "with the volunteer, and with the request.",
    ),
    Table(
        "request_waves",
        None,
        _all(
            PUBLIC,
            "request_id",
            "waves",
            "started_at",
            "last_at",
            "next_at",
            "reach",
            "handed_over_at",
            "talk_until",
        ),
        note="The state of a request's search for a helper: no person.",
    ),
    Table(
        "moderation_posts",
        None,
        _all(PUBLIC, "request_id", "outbox_id"),
        note="Which backchannel post shows which request: no person.",
    ),
    Table(
        "relay_messages",
        "messages",
        {
            "id": PUBLIC,
            "request_id": DETAIL,
            "from_user": LINK,
            "kind": DETAIL,
            "text": CONTENT,
            "created_at": DETAIL,
            # The writer's own message it came from (a platform message id), so that an
            # edit or a take-back finds it.
            "source_id": DETAIL,
        },
        links=(
            Link(
                "from_user = :id",
                (blank("text"), delete()),
                section="messages_written",
                export=("request_id", "kind", "text", "created_at", "source_id"),
            ),
            Link(
                "(from_user IS NULL OR from_user <> :id) AND request_id IN"
                " (SELECT id FROM help_requests WHERE requester_id = :id OR volunteer_id = :id)",
                (),
                section="messages_received",
                export=("request_id", "kind", "text", "created_at"),
                note="Kept for the writer, who may still be using the bot, unless the request "
                "is the erased person's own (the next link).",
            ),
            Link(
                f"request_id IN ({_OWN_REQUESTS})",
                (blank("text"), delete()),
                note="The whole contact about the erased person's own request goes.",
            ),
        ),
    ),
    Table(
        "relay_copies",
        None,
        {"relay_id": PUBLIC, "outbox_id": PUBLIC, "is_edit": PUBLIC},
        note="Which outbox rows carry a relayed message (ids only); the rows go with their "
        "relay message (ON DELETE CASCADE), and the outbox rows they name keep no content "
        "after delivery retention.",
    ),
    Table(
        "reports",
        "messages",
        {
            "id": PUBLIC,
            "reporter_id": LINK,
            "subject": DETAIL,
            "reason": CONTENT,
            "created_at": DETAIL,
            "handled_by": LINK,
        },
        links=(
            Link(
                "reporter_id = :id",
                (blank("reason"), delete()),
                section="reports",
                export=("subject", "reason", "created_at"),
            ),
            Link(
                f"subject IN (SELECT 'request:' || id FROM ({_OWN_REQUESTS}) AS own)",
                (blank("reason"),),
                note="A report about the erased person's request keeps that it was made.",
            ),
            Link(
                "handled_by = :id",
                (unlink("handled_by"),),
                section="reports_handled",
                export=("subject", "created_at"),
            ),
        ),
    ),
    Table(
        "feedback",
        "messages",
        {
            "request_id": DETAIL,
            "user_id": LINK,
            "role": DETAIL,
            "text": CONTENT,
            "created_at": DETAIL,
        },
        links=(
            Link(
                "user_id = :id",
                (blank("text"), delete()),
                section="feedback",
                export=("request_id", "role", "text", "created_at"),
            ),
            Link(
                f"request_id IN ({_OWN_REQUESTS})",
                (blank("text"),),
                note="Feedback on the erased person's request may quote it.",
            ),
        ),
    ),
    Table(
        "audit_log",
        "records",
        {
            "id": PUBLIC,
            "at": DETAIL,
            "actor_id": LINK,
            "action": DETAIL,
            "subject": LINK,
            "details": DETAIL,
        },
        links=(
            Link(
                "actor_id = :id",
                (unlink("actor_id"),),
                section="decisions",
                export=("at", "action", "subject"),
                withheld=("details",),
                note="A decision's details may name another person (a match its volunteer).",
            ),
            Link(
                "subject = :subject",
                (blank(subject="'user:erased'", first=False),),
                section="decisions_about_you",
                # About the person alone: a role, a certificate's kind and number.
                export=("at", "action", "details"),
            ),
            Link(
                "json_extract(details, '$.volunteer_id') = :id",
                (blank(details="json_remove(details, '$.volunteer_id')", first=False),),
                note="A match names its volunteer.",
            ),
        ),
    ),
    Table(
        "event_follows",
        "events",
        {"user_id": LINK, "event_id": DETAIL, "occurrence_local": DETAIL, "created_at": DETAIL},
        links=(
            owned(
                "events_followed",
                "event_id",
                "occurrence_local",
                "created_at",
                refers=_EVENT_NAMED,
            ),
        ),
        retention=(
            Retention(
                "past_follows",
                (
                    "DELETE FROM event_follows WHERE occurrence_local != ''"
                    " AND occurrence_local < :today_local",
                ),
            ),
        ),
    ),
    Table(
        "reminders",
        "events",
        {
            "id": PUBLIC,
            "user_id": LINK,
            **_all(DETAIL, "event_id", "occurrence_local", "minutes_before", "fire_at", "state"),
        },
        links=(
            owned(
                "reminders",
                "event_id",
                "occurrence_local",
                "minutes_before",
                "fire_at",
                "state",
                refers=_EVENT_NAMED,
            ),
        ),
        retention=(
            Retention(
                "past_reminders",
                (
                    "DELETE FROM reminders WHERE state != 'pending'"
                    " AND occurrence_local < :today_local",
                ),
            ),
        ),
    ),
    Table(
        "subscriptions",
        "events",
        {"user_id": LINK, "kind": DETAIL, "target": DETAIL, "created_at": DETAIL},
        links=(owned("subscriptions", "kind", "target", "created_at", refers=_TARGET_NAMED),),
    ),
    Table(
        "outbox",
        "delivery",
        {
            "id": PUBLIC,
            "platform": DETAIL,
            "chat_id": IDENTITY,
            "payload": CONTENT,
            "recipient_id": LINK,
            "about": LINK,
            **_all(
                DETAIL,
                "created_at",
                "next_attempt_at",
                "attempts",
                "sent_at",
                "failed_at",
                "sent_message_id",
                "last_error",
                "attempt_started_at",
                "in_doubt",
            ),
            "claimed_by": PUBLIC,
        },
        links=(
            Link(
                "recipient_id = :id OR (recipient_id IS NULL"
                " AND platform IN (:platform, :other_platforms)"
                " AND chat_id IN (:chat_id, :closed_chat_id))",
                (delete(),),
                section="messages_for_you",
                export=("created_at", "sent_at", "failed_at", "payload"),
                withheld=(
                    "platform",
                    "chat_id",
                    "next_attempt_at",
                    "attempts",
                    "sent_message_id",
                    "last_error",
                    "attempt_started_at",
                    "in_doubt",
                ),
                note="The delivery's own bookkeeping is withheld (the person's chat is in the "
                "account; an error is the chat service's words). Also what the lifecycle "
                "queues for the person while ending their requests: deleted after it (not "
                "first). A message read aloud waits here as its "
                "text (a Speech) like any message; its audio is made when it is sent and never "
                "stored (bot/speech/speaker.py caches only the audio of public texts).",
            ),
            Link(
                # To another person, about this one alone (a message about two people is
                # not either's): what a helper or a volunteer's offer got of theirs. The
                # coordinators' posts are not: their edits name the coordinator who acted,
                # and what they show of the person is in the requests.
                "about LIKE :about AND about NOT LIKE '%,%,%,%'"
                " AND recipient_id IS NOT NULL AND recipient_id <> :id",
                (),
                section="messages_about_you",
                export=("created_at", "sent_at", "failed_at", "payload"),
                note="Exported only: the links below erase them. A voice passed on to the "
                "helper is here with its file id (the phone's recordings too).",
            ),
            Link(
                f"about LIKE :about AND NOT {_SETTLED}",
                (delete(first=True),),
                note="Undelivered messages carrying the person's words or data are not sent.",
            ),
            Link(
                f"{_SPOKEN_TO_PARTNERS} AND NOT {_SETTLED}",
                (delete(first=True),),
                note="What waits to be read aloud to a partner in help may name the person.",
            ),
            Link(
                f"{_SPOKEN_TO_PARTNERS} AND {_SETTLED}",
                (_FORGET_MESSAGE,),
                note="Read aloud already: a speech is never edited, its words go.",
            ),
            Link(
                f"about LIKE :about AND {_SETTLED}",
                (_FORGET_MESSAGE,),
                note="Delivered ones lose their content; the row stays for later edits.",
            ),
        ),
        retention=(
            Retention(
                "delivered_messages",
                (
                    f"DELETE FROM outbox WHERE {_SETTLED} AND created_at < :outbox_before"
                    f" AND NOT ({_REFERENCED})",
                    _FORGET_MESSAGE.sql(
                        "outbox",
                        f"{_SETTLED} AND created_at < :outbox_before"
                        f" AND {_FORGET_MESSAGE.undone()}",
                    ),
                ),
            ),
        ),
    ),
    Table(
        "spoken_texts",
        "delivery",
        {
            "id": PUBLIC,
            "user_id": LINK,
            "outbox_id": PUBLIC,
            "lang": DETAIL,
            "text": CONTENT,
            "labels": CONTENT,
            "about": LINK,
            "created_at": DETAIL,
        },
        links=(
            owned("spoken_texts", "created_at", "lang", "text", "labels"),
            Link(
                f"user_id IN ({_PARTNERS})",
                (delete(first=True),),
                note="A partner's kept texts may name the person (a menu's \"Write to NAME\"): "
                "their 🔊 then says that the words are gone.",
            ),
            Link(
                "about LIKE :about",
                (delete(first=True),),
                note="A message to someone else that carries the person's words (a relayed "
                "message) is no longer said when its 🔊 is tapped.",
            ),
        ),
        retention=(
            Retention(
                "spoken_texts",
                ("DELETE FROM spoken_texts WHERE created_at < :outbox_before",),
            ),
        ),
        note="Only the text of a message kept for its 🔊 button (handlers/read_aloud.py); the "
        "audio is made when tapped and never stored.",
    ),
    Table(
        "notices",
        "records",
        {"kind": DETAIL, "subject": LINK, "outbox_id": PUBLIC},
        links=(Link("subject = :subject", (delete(),), section="notices", export=("kind",)),),
    ),
    Table(
        "processed_updates",
        "technical",
        {
            "platform": DETAIL,
            "update_id": DETAIL,
            "at": DETAIL,
            "replies": CONTENT,
            "answered_at": DETAIL,
            "chat_id": IDENTITY,
            "handled_by": PUBLIC,
        },
        links=(
            Link(
                "platform IN (:platform, :other_platforms)"
                " AND chat_id IN (:chat_id, :closed_chat_id)",
                (blank(replies="NULL", chat_id="NULL", first=False),),
                section="updates_handled",
                export=("platform", "chat_id", "update_id", "at", "answered_at"),
                withheld=("replies",),
                note="The update number stays a week so that a redelivery has no effect. The "
                "answers kept until sent are the messages the person received.",
            ),
        ),
        retention=(
            Retention(
                "handled_updates", ("DELETE FROM processed_updates WHERE at < :updates_before",)
            ),
        ),
    ),
    Table(
        "translations",
        "translation",
        {
            "key": PUBLIC,
            "text_hash": PUBLIC,
            "owner_id": LINK,
            "request_id": PUBLIC,
            "translated": CONTENT,
            "created_at": DETAIL,
        },
        links=(
            Link(
                "owner_id = :id",
                (delete(first=True),),
                section="translations",
                export=("created_at", "translated"),
            ),
            Link(
                f"request_id IN ({_OWN_REQUESTS})",
                (delete(first=True),),
                note="Translations of the person's requests, also those a coordinator wrote "
                "(a summary): they go with the request's texts.",
            ),
        ),
        retention=(
            Retention(
                "translations",
                (
                    "DELETE FROM translations WHERE created_at < :outbox_before",
                    f"DELETE FROM translations WHERE request_id IN ({_CLOSED_REQUESTS})",
                ),
            ),
        ),
        note="Keyed by a hash of the original text and the language pair; the original is "
        "not stored here. A message taken back (/undo) takes its translations along.",
        coded=("text_hash",),
    ),
    Table(
        "translation_usage",
        None,
        {
            "day": PUBLIC,
            "characters": PUBLIC,
            "translated": PUBLIC,
            "cached": PUBLIC,
            "failures": PUBLIC,
            "over_budget": PUBLIC,
        },
        note="Counts per day, for /stats: nothing about a person.",
    ),
    Table(
        "translation_budget",
        None,
        {"day": PUBLIC, "characters": PUBLIC},
        note="The installation's characters per day, counted in the main city's database "
        "against [translation] daily_character_budget: nothing about a person.",
    ),
    Table(
        "call_numbers",
        "calls",
        {"user_id": LINK, "number": IDENTITY, "updated_at": DETAIL},
        links=(owned("call_number", "number", "updated_at"),),
        note="A helper's own number for calls the bot connects (bot/transports/phone/"
        "bridging.py); nobody sees it.",
    ),
    Table(
        "desk_logins",
        "desk",
        {
            "token_hash": PUBLIC,
            "user_id": LINK,
            "created_at": DETAIL,
            "expires_at": DETAIL,
            "used_at": DETAIL,
        },
        links=(owned("desk_logins", "created_at", "expires_at", "used_at"),),
        retention=(
            Retention(
                "desk_logins", ("DELETE FROM desk_logins WHERE expires_at < :updates_before",)
            ),
        ),
        note="Only a hash of the link's secret; a used or expired link opens nothing.",
        coded=("token_hash",),
    ),
    Table(
        "desk_sessions",
        "desk",
        {
            "id_hash": PUBLIC,
            "user_id": LINK,
            "csrf": PUBLIC,
            "created_at": DETAIL,
            "expires_at": DETAIL,
        },
        links=(owned("desk_sessions", "created_at", "expires_at"),),
        retention=(
            Retention(
                "desk_sessions", ("DELETE FROM desk_sessions WHERE expires_at < :updates_before",)
            ),
        ),
        note="Only a hash of the cookie's secret.",
        coded=("id_hash",),
    ),
    Table(
        "transport_state",
        "technical",
        {"key": IDENTITY, "value": IDENTITY},
        note="What each transport keeps for itself (db/transport_state.py): the keys of a "
        "person's chat are declared with their transport, the others (a sync token, the "
        "bot's own login) are nothing about a person.",
    ),
    Table(
        "ban_list",
        "ban",
        {"key_hash": IDENTITY, "created_at": DETAIL},
        note="A keyed hash (db/bans.py): it cannot be read back or selected by SQL, outlives "
        "the account by design and goes with /unban. /mydata shows banned_at instead.",
        coded=("key_hash",),
    ),
    Table(
        "posting_traces",
        "limits",
        {"key_hash": IDENTITY, "created_at": DETAIL, "new_account": DETAIL},
        retention=(
            Retention(
                "posting_traces", ("DELETE FROM posting_traces WHERE created_at < :day_before",)
            ),
        ),
        note="Written when an account is erased (db/posting_traces.py): a keyed hash that cannot "
        "be read back or selected by SQL, so neither exported nor erased with the account it "
        "outlives by design; retention removes it after a day.",
        coded=("key_hash",),
    ),
    Table(
        "shared_bans",
        "ban",
        {"key_hash": IDENTITY, "created_at": DETAIL},
        note="Bans the operator shared across the installation's cities (db/bans.py): a keyed "
        "hash like ban_list's, kept in the main city's database; it goes with `bans unshare`.",
        coded=("key_hash",),
    ),
    Table(
        "place_changes",
        "records",
        {
            "id": PUBLIC,
            "place_id": PUBLIC,
            "action": PUBLIC,
            "actor": PUBLIC,
            "changed_by": LINK,
            "changes": PUBLIC,
            "at": PUBLIC,
        },
        links=(
            Link(
                "changed_by = :id",
                (unlink("changed_by"),),
                section="place_changes",
                export=("place_id", "action", "at"),
            ),
        ),
    ),
    Table(
        "places",
        None,
        _all(
            PUBLIC,
            "id",
            "source",
            "source_id",
            "name",
            "category",
            "street",
            "housenumber",
            "postcode",
            "city",
            "stadtbezirk",
            "stadtteil",
            "lat",
            "lon",
            "opening_hours",
            "wheelchair",
            "languages",
            "target_groups",
            "operator",
            "operator_type",
            "free_of_charge",
            "phone",
            "email",
            "website",
            "description",
            "last_verified",
            "created_at",
            "updated_at",
        ),
        note="Public encounter places; phone and e-mail are the institution's.",
    ),
    Table("place_texts", None, _all(PUBLIC, "place_id", "lang", "name", "description")),
    Table(
        "places_rtree",
        None,
        _all(PUBLIC, "id", "min_lat", "max_lat", "min_lon", "max_lon"),
        note="SQLite's spatial index of places (and its shadow tables below); PostgreSQL's "
        "is a GiST index on the places themselves.",
        only_in="sqlite",
    ),
    Table("places_rtree_node", None, _all(PUBLIC, "nodeno", "data"), only_in="sqlite"),
    Table("places_rtree_parent", None, _all(PUBLIC, "nodeno", "parentnode"), only_in="sqlite"),
    Table("places_rtree_rowid", None, _all(PUBLIC, "rowid", "nodeno"), only_in="sqlite"),
    Table(
        "events",
        None,
        _all(
            PUBLIC,
            "id",
            "uid",
            "title",
            "description",
            "lang",
            "place_id",
            "address",
            "lat",
            "lon",
            "stadtbezirk",
            "starts_local",
            "duration_minutes",
            "rrule",
            "exdates",
            "category",
            "target_groups",
            "free_of_charge",
            "wheelchair",
            "organiser",
            "status",
            "source",
            "created_at",
            "updated_at",
        ),
        note="Public events; the organiser is an organisation.",
    ),
    Table("event_texts", None, _all(PUBLIC, "event_id", "lang", "title", "description")),
    Table("secrets", None, _all(PUBLIC, "name", "value"), note="The ban list's key."),
    Table(
        "schema_version",
        None,
        _all(PUBLIC, "version", "name", "applied_at", "checksum", "compatible_from"),
        note="The migrations applied (db/migration_ledger.py).",
    ),
    Table(
        "matching_changes",
        None,
        _all(PUBLIC, "name", "changes"),
        note="How often what the matching reads was written, by table (db/matching_changes.py).",
    ),
    Table(
        "send_pace",
        None,
        _all(PUBLIC, "platform", "next_slot"),
        note="When each bot may send next, shared by the processes.",
    ),
]

TABLES = {table.name: table for table in MAP}


@dataclass(frozen=True)
class Section:
    """One part of a person's export: rows of ``table`` selected by ``link``."""

    name: str
    table: str
    link: Link = field(repr=False)


def sections() -> list[Section]:
    """The export's parts, in map order."""
    return [
        Section(link.section, table.name, link)
        for table in MAP
        for link in table.links
        if link.section
    ]


@dataclass(frozen=True)
class Files:
    """Files kept outside the database, each named by an id that rows of the map hold.

    A file is someone's as long as a row names it: /mydata exports the id with its row,
    erasure and retention blank the rows as the map says, and whoever keeps the files then
    removes every file no row names any more (``in_use``: SQL selecting texts that hold the
    ids, found in them by ``ids``; db/data_rights.py ``files_in_use``)."""

    name: str
    folder: str  # the setting that names their folder
    ids: str  # a regular expression of one id
    in_use: tuple[str, ...]
    note: str = ""


# Files a transport keeps (its declaration adds them).
FILES: list[Files] = []
# What /mydata's summary calls the sections a transport declares (msgids, translated by
# handlers/privacy.py as its own).
LABELS: dict[str, str] = {}


@dataclass(frozen=True)
class Declaration:
    """A transport's part of the declaration: its ``tables``, its ``links`` into tables
    declared here (table name, link), its ``files`` and the ``labels`` of its export
    sections."""

    tables: tuple[Table, ...] = ()
    links: tuple[tuple[str, Link], ...] = ()
    files: tuple[Files, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)


def declare(declaration: Declaration) -> None:
    """Add a transport's part to the one declaration (once: declaring it again changes
    nothing)."""
    for table in declaration.tables:
        if table.name not in TABLES:
            MAP.append(table)
            TABLES[table.name] = table
    for name, link in declaration.links:
        table = TABLES[name]
        if link not in table.links:
            grown = replace(table, links=(*table.links, link))
            MAP[MAP.index(table)] = grown
            TABLES[name] = grown
    FILES.extend(files for files in declaration.files if files not in FILES)
    LABELS.update(declaration.labels)
