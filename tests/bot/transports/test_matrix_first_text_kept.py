"""A newcomer on Matrix whose first text is their need keeps it (handlers/updates/
first_text.py), against a real Synapse: after the greeting on joining, their text comes
back at the top of the language choice, said not passed on nor kept - on the choice's own
message, so that a typed "1" still chooses a language (numbered choices end at any later
message) - and the first main menu after agreeing asks for it again."""

from __future__ import annotations

from handlers.updates.first_text import NOT_PASSED_ON, SEND_AGAIN
from locales import translator
from tests.support.matrix_people import MatrixPerson, body

NEED = "Ich brauche Hilfe beim Einkaufen"


async def test_a_first_need_on_matrix_is_quoted_back_and_asked_for_again(
    alice: MatrixPerson, matrix_bot
) -> None:
    de = translator("de")
    room = await alice.dm(matrix_bot.user_id)
    await alice.wait_for(lambda e: "1️⃣" in body(e))
    mark = len(alice.received)
    await alice.say(room, NEED)
    told = de._(NOT_PASSED_ON).removeprefix("📝 ")[:40]
    picker = await alice.wait_for(lambda e: told in body(e), after=mark)
    assert NEED in body(picker) and "1️⃣" in body(picker)
    # The onboarding's step keeps a mark, never the text.
    kept = await matrix_bot.db.fetch_all(
        "SELECT 1 FROM conversations WHERE data LIKE ?", (f"%{NEED}%",)
    )
    assert kept == []
    mark = len(alice.received)
    await alice.say(room, "1")  # Deutsch, the first choice of the message just read
    notice = await alice.wait_for(lambda e: "🔒" in body(e), after=mark)
    mark = len(alice.received)
    await alice.react(room, notice["event_id"], "1️⃣")
    menu = await alice.wait_for(lambda e: "🏠" in body(e), after=mark)
    assert de._(SEND_AGAIN).removeprefix("📝 ") in body(menu)
