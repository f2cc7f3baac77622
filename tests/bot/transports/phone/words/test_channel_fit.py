"""Issue 55, point 5: a caller hears only what the keypad can do - the places question asks
for a postcode typed with the keys (no location to share, no district to type, no choice on
a digit the postcode needs), agreeing names no "/privacy". Through the phone transport with the tone
engine's prompts (tests/support/sip/keypad_phone.py), the words it says recorded."""

from __future__ import annotations

from bot.speech.script import Part
from bot.transports.phone.words.what_keys_mean import Typed
from handlers.dispatcher import Dispatcher
from handlers.messages import Command
from tests.support.sip.keypad_phone import keypad_phone


async def test_a_caller_hears_only_what_keys_can_do(dispatcher: Dispatcher) -> None:
    phone, call, _ = keypad_phone(dispatcher)
    assert phone.prompts is not None
    said: list[str] = []
    made = phone.prompts.file

    async def noting(words: tuple[Part, ...]):  # type: ignore[no-untyped-def]
        said.append("\n".join(part.words for part in words))
        return await made(words)

    phone.prompts.file = noting  # type: ignore[method-assign]
    try:
        await phone.meant(call, Command("start"))
        before = len(said)
        await phone.meant(call, Typed("1"))  # Deutsch: the main menu (no notice first)
        menu = "\n".join(said[before:])
        assert "privacy" not in menu and "Einstellungen" in menu, menu
        before = len(said)
        await phone.meant(call, Typed("1"))  # find a place
        asked = "\n".join(said[before:])
        assert "Standort" not in asked and "Stadtteil" not in asked, asked
        assert "Tippen" in asked and "Postleitzahl" in asked, asked
        # The caller types digits there: no choice is said on one (a "1" is the entry's).
        assert not any(key in asked for key in ("eins", "zwei", "null")), asked
    finally:
        assert phone.prompts is not None
        phone.prompts.close()
