"""A new texter whose first text is their need keeps it (handlers/updates/first_text.py), through
real Kannel with fakesmsc (tests/support/sms/city.py): the answer's first text is still the
language choice, and the note that nothing was passed on or kept, with their words to
send again, follows it - without invisible marks or the quote bar; the first menu after
"I agree" asks for the text again. A greeting alone ("Hallo") gets no note."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from handlers.updates.first_text import NOT_PASSED_ON, SEND_AGAIN
from locales import translator
from tests.support.sms.city import City, Resident

NEED = "Ich brauche Hilfe beim Einkaufen"


async def test_a_texters_first_need_is_sent_back_and_asked_for_after_consent(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    de = translator("de", medium="texted")
    newcomer = Resident(city, "+4917680000001")
    # One text: the note first, the choices whole; their words on "0", with the greeting.
    (first,) = await newcomer.say(NEED)
    assert first.text.startswith(de._(NOT_PASSED_ON).removeprefix("📝 ").split(".")[0])
    assert "1 Deutsch" in first.text
    (rest,) = await newcomer.say("0")
    shown = first.text + rest.text
    assert "\n" + NEED + "\n" in shown
    assert not [ch for ch in shown if unicodedata.category(ch) == "Cf"], shown
    await newcomer.say("1")
    menu = await newcomer.choose(de._("I agree"))
    assert de._(SEND_AGAIN).removeprefix("📝 ") in " ".join(text.text for text in menu)


async def test_a_greeting_alone_gets_no_note(make_city: Callable[..., object]) -> None:
    city: City = await make_city()  # type: ignore[misc]
    (picker,) = await Resident(city, "+4917680000002").say("Hallo")
    assert "1 Deutsch" in picker.text
