"""No invisible marks in a text message (QA of the texts), through real Kannel with fakesmsc
(tests/support/sms/city.py): a helper's message copied from a web page or a chat app often
carries a zero-width space, soft hyphens, a word joiner or a byte-order mark. None of them
may reach a simple phone: each is a box there (or nothing, and costs a character), and one
of them made a German text UCS-2 - half the room of a segment. Before, only the direction
marks were dropped (test_direction_marks.py). The joiners Persian and Arabic writing needs
(ZWNJ in "می‌آیم") stay: they are letters' shapes, not marks."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from db import Database
from handlers.messages import Message, encode
from locales import translator
from tests.support.sms.city import City, Resident

GRETA = "+4917644444444"
ZWNJ = "\u200c"
# Zero-width space, soft hyphen, word joiner, byte-order mark, combining grapheme joiner.
INVISIBLE = "\u200b\u00ad\u2060\ufeff\u034f"


def _invisible(text: str) -> set[str]:
    return {
        ch for ch in text if ch == "\u034f" or (unicodedata.category(ch) == "Cf" and ch != ZWNJ)
    }


async def test_a_helpers_message_reaches_a_texter_without_invisible_marks(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    greta = Resident(city, GRETA)
    await greta.say("Hallo")
    await greta.choose("Deutsch")
    await greta.choose(translator("de")._("I agree"))
    before = len(greta.texts)

    written = (
        "Vera: Ich kom\u00adme mor\u00adgen um 15\u200b Uhr.\ufeff Bis\u2060 dann!"
        " Dan\u034fke, می\u200cآیم."
    )
    await db.outbox.enqueue("sms", GRETA, encode(Message(written)))
    await city.flush()

    (got,) = greta.texts[before:]
    assert _invisible(got.text) == set(), [hex(ord(ch)) for ch in _invisible(got.text)]
    assert "Ich komme morgen um 15 Uhr. Bis dann! Danke" in got.text
    assert f"می{ZWNJ}آیم" in got.text  # Persian keeps its joiner


async def test_a_german_text_with_a_zero_width_space_goes_as_gsm_7(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    greta = Resident(city, GRETA)
    await greta.say("Hallo")
    await greta.choose("Deutsch")
    await greta.choose(translator("de")._("I agree"))
    before = len(greta.texts)

    await db.outbox.enqueue(
        "sms", GRETA, encode(Message("Vera: Ich bringe die Tü\u00adten um 15\u200b Uhr."))
    )
    await city.flush()

    (got,) = greta.texts[before:]
    assert got.coding == "7bit" and got.text.endswith("Ich bringe die Tüten um 15 Uhr.")
    assert not set(got.text) & set(INVISIBLE)
