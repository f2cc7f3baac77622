"""What Matrix keeps about people, its part of the personal-data declaration
(db/personal_data.py, declared by bot/transports/registry.py): the button maps of its
messages, the keys of a person's room in the transports' memory, strangers' Olm messages
held past the hour's decrypt budget, and the bot's own device keys."""

from __future__ import annotations

from db.personal_data import (
    CONTENT,
    DETAIL,
    IDENTITY,
    PUBLIC,
    Declaration,
    Link,
    Retention,
    Table,
    delete,
)
from locales import N_

# The person's Matrix id, in a link's SQL.
_MATRIX_ID = "(SELECT platform_user_id FROM users WHERE id = :id)"

DECLARED = Declaration(
    tables=(
        Table(
            "matrix_buttons",
            "technical",
            {"event_id": PUBLIC, "room_id": IDENTITY, "buttons": CONTENT, "created_at": DETAIL},
            links=(
                Link(
                    ":platform = 'matrix' AND room_id IN (:chat_id, :closed_chat_id)",
                    (delete(),),
                    section="matrix_buttons",
                    export=("room_id", "event_id", "buttons", "created_at"),
                ),
            ),
            retention=(
                Retention(
                    "matrix_buttons",
                    ("DELETE FROM matrix_buttons WHERE created_at < :buttons_before",),
                ),
            ),
        ),
        Table(
            "matrix_held_olm",
            "technical",
            {
                "id": PUBLIC,
                "sender": IDENTITY,
                "event": CONTENT,
                "digest": DETAIL,
                "held_at": DETAIL,
            },
            links=(
                Link(
                    ":platform = 'matrix' AND sender = " + _MATRIX_ID,
                    (delete(),),
                    section="matrix_held_olm",
                    export=("sender", "event", "held_at"),
                    withheld=("digest",),
                    note="The digest is the bot's hash of the event, to hold it once.",
                ),
            ),
            retention=(
                Retention(
                    "matrix_held_olm",
                    ("DELETE FROM matrix_held_olm WHERE held_at < :updates_before",),
                ),
            ),
            note="A stranger's Olm (to-device) messages past the hour's decrypt budget, "
            "held to be decrypted in a later hour (bot/transports/matrix/held_olm.py): the "
            "event as the homeserver sent it, encrypted for the bot's device; gone once "
            "decrypted, at the latest as handled updates are.",
        ),
        Table(
            "matrix_crypto",
            None,
            {"user_id": PUBLIC, "device_id": PUBLIC, "store": PUBLIC, "updated_at": PUBLIC},
            note="The bot's own Matrix device keys and the room keys of its encrypted chats "
            "(bot/transports/matrix/crypto_state.py): secrets of the bot, never exported or "
            "logged; they read nothing without the homeserver's encrypted copies.",
        ),
    ),
    links=(
        (
            "transport_state",
            Link(
                ":platform = 'matrix' AND (key IN ('matrix.room:' || :chat_id,"
                " 'matrix.newest:' || :chat_id, 'matrix.greet:' || :chat_id,"
                " 'matrix.undecrypted:' || :chat_id, 'matrix.room:' || :closed_chat_id,"
                " 'matrix.newest:' || :closed_chat_id, 'matrix.greet:' || :closed_chat_id,"
                " 'matrix.undecrypted:' || :closed_chat_id, 'matrix.rejoin:' || " + _MATRIX_ID + ")"
                # Her other direct chats, and those she left (rooms.py), name her as their
                # person, as db/transport_state.py writes it.
                " OR (substr(key, 1, 12) = 'matrix.room:' AND value IN ("
                '\'{"kind": "direct", "peer": "\' || ' + _MATRIX_ID + " || '\"}',"
                ' \'{"kind": "left", "peer": "\' || ' + _MATRIX_ID + " || '\"}')))",
                (delete(),),
                section="matrix_room",
                export=("key", "value"),
            ),
        ),
    ),
    labels={
        "matrix_buttons": N_("⚙️ Buttons in your Matrix chat"),
        "matrix_room": N_("⚙️ Your Matrix chat"),
        "matrix_held_olm": N_("⚙️ Your Matrix key messages waiting to be read"),
    },
)
