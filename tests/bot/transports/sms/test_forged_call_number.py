"""Issue 84 point 4 (VOICE-FIX), through real Kannel: after a confirmed "Change number"
(``bc:chg``, or "Call" ``bc:call`` without a number) the bot waits for the helper's number
(handlers/helping/bridged_calls.py, state ``bc.number``). That state is the sender's
number's, and a sender can be forged: before, the next text from the number - a forger's
too, whenever it came - was kept as the number the bot rings (and put through to the
resident). Now the number typed waits for a code texted to the number, whose text names the
number given: a forged one is never kept; the holder's own, with its code, is.

A forger sends from Vera's number but never receives its texts: here a text "by the forger"
is a text from her number whose code the test then does not use."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.transports.sms.segments import count, folded
from db import Database
from handlers.helping import code_texts
from handlers.media.texted_form import form_of
from handlers.messages import Button, Message
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.sms.city import City, onboarded
from tests.support.sms.codes import code_in as _code
from tests.support.sms.codes import lapse

VERA = "+4917644444445"
SAVED = "+492311111111"
T = translator("de")


async def test_a_number_texted_after_change_number_is_kept_only_with_its_code(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    vera, user_id = await onboarded(city, VERA)
    await db.call_numbers.set(user_id, SAVED)

    # Vera herself: "Change number" in the settings, confirmed with its code.
    await vera.say("/settings")
    (asked,) = await vera.choose(T._("Change number"))
    await vera.say(_code(asked.text))

    # A forger's text from her number now: not kept; the code goes to Vera, naming it.
    (named,) = await vera.say("0176 99999999")
    assert "99999999" in named.text
    assert await db.call_numbers.get(user_id) == SAVED
    # Vera, who did not send it, does nothing; later the forger texts again: still nothing.
    await vera.say("0176 99999998")
    assert await db.call_numbers.get(user_id) == SAVED

    # Vera's own change, from the start once the forger's code lapsed: her number is
    # kept with the code its text names.
    await lapse(db, VERA)
    await vera.say("/settings")
    (asked,) = await vera.choose(T._("Change number"))
    await vera.say(_code(asked.text))
    (named,) = await vera.say("0231 2222222")
    assert "2222222" in named.text
    await vera.say(_code(named.text))
    assert await db.call_numbers.get(user_id) == "+492312222222"


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_code_text_naming_the_number_fits_two_segments(lang: str) -> None:
    """The text that asks for the code of a number given, with its "No" choice, as a
    texter gets it."""
    t = translator(lang)
    text = t.t(code_texts.NUMBER_GIVEN, number="+4917612345678", code="471108")
    form = form_of(Message(text, [[Button("↩️ " + t._("No"), "coded:no")]]), t)
    assert form is not None
    sent = folded(f"{form.body}\n{form.lines}")  # as the transport cuts it
    assert count(sent) <= 2, (lang, sent)
