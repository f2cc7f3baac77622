"""What Matrix keeps about people, its part of the personal-data declaration
(db/personal_data.py, declared by bot/transports/registry.py): the button maps of its
messages, the keys of a person's room in the transports' memory, and the bot's own device
keys."""

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

DECLARED = Declaration(
    tables=(
        Table(
            "matrix_buttons",
            "technical",
            {"event_id": PUBLIC, "room_id": IDENTITY, "buttons": CONTENT, "created_at": DETAIL},
            links=(
                Link(
                    ":platform = 'matrix' AND room_id = :chat_id",
                    (delete(),),
                    section="matrix_buttons",
                    export=("event_id", "buttons", "created_at"),
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
                ":platform = 'matrix' AND key IN ('matrix.room:' || :chat_id,"
                " 'matrix.newest:' || :chat_id, 'matrix.greet:' || :chat_id,"
                " 'matrix.undecrypted:' || :chat_id)",
                (delete(),),
                section="matrix_room",
                export=("key", "value"),
            ),
        ),
    ),
    labels={
        "matrix_buttons": N_("⚙️ Buttons in your Matrix chat"),
        "matrix_room": N_("⚙️ Your Matrix chat"),
    },
)
