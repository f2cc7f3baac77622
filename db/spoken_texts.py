"""What a message said, kept for its "🔊" button (handlers/read_aloud.py): a person who asked
to hear messages on a tap gets a 🔊 under each one, and a tap has the bot say that message.

A row holds the message as it was sent to that person (text and button labels, after
translation) and is read back only by them. It is kept as long as delivered messages keep
their content (db/personal_data.py, the "delivery" purpose), erased with the person, and
exported to them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from db.clock import utcnow
from db.statements import fetch_one
from db.transactions import Transactions


@dataclass(frozen=True)
class SpokenText:
    lang: str
    text: str
    labels: tuple[str, ...]


class SpokenTexts:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def keep(
        self,
        user_id: int,
        said: SpokenText,
        outbox_id: int | None = None,
        about: str | None = None,
    ) -> int:
        """Keep what a message to ``user_id`` says; its number, for the button. A message of
        the outbox keeps one row however often it is sent (a retry after a failure);
        ``about``: whose words or data it carries, as the outbox says (db/data_rights.py)."""
        row = await fetch_one(
            self._tx,
            "INSERT INTO spoken_texts (user_id, outbox_id, lang, text, labels, about, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (outbox_id) DO UPDATE SET lang = excluded.lang,"
            " text = excluded.text, labels = excluded.labels, created_at = excluded.created_at"
            " RETURNING id",
            (
                user_id,
                outbox_id,
                said.lang,
                said.text,
                json.dumps(list(said.labels), ensure_ascii=False),
                about,
                utcnow(),
            ),
        )
        assert row is not None
        return int(row[0])

    async def said(self, number: int, user_id: int) -> SpokenText | None:
        """What message ``number`` said, if it was said to ``user_id`` and is still kept."""
        row = await fetch_one(
            self._tx,
            "SELECT lang, text, labels FROM spoken_texts WHERE id = ? AND user_id = ?",
            (number, user_id),
        )
        if row is None:
            return None
        return SpokenText(row[0], row[1], tuple(json.loads(row[2])))
