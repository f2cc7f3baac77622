"""A resident a coordinator entered on the desk has data and no consent (issue 62, point 1):
agreeing to the privacy notice for her by text - through real Kannel, fakesmsc as the
phone network - takes the code texted to her number (handlers/numbers/coded_acts.py), as declining
does (test_desk_resident_texts.py): a forger who sets her number as the sender never reads
it. A wrong code or another text agrees to nothing; her own code agrees and the menu
follows. A new texter, who has nothing here, agrees at once as before. Each step waits for
events, never for a time."""

from __future__ import annotations

from collections.abc import Callable

from db import Database
from locales import translator
from tests.support.sms.city import City, Resident
from tests.support.sms.codes import code_in as _code
from tests.support.sms.codes import has_code, lapse
from tests.support.sms.codes import other_code as _other
from tests.support.sms.desk_entry import erna_texted_from_the_desk

ERNA = "+4917633333333"
NEWCOMER = "+4917644444444"
T = translator("de")


def _said(resident: Resident) -> str:
    return "\n".join(text.text for text in resident.new)


async def _entered_on_the_desk(city: City, db: Database) -> None:
    """Cora enters Erna on the desk's resident form (the real web server): a request
    entered for her, her number, her name, her language, by text."""
    await erna_texted_from_the_desk(city, db, "0176 33333333")
    await city.flush()


async def _agreed(db: Database, number: str) -> bool:
    user = await db.users.find("sms", number)
    assert user is not None
    return user.consent_at is not None


async def test_agreeing_for_a_desk_resident_by_text_takes_the_code_from_her_number(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    await _entered_on_the_desk(city, db)
    sender = Resident(city, ERNA)  # anyone who sets her number as the sender

    # "I agree" from her number: nothing agreed yet; her number is asked for a code, with
    # what it confirms.
    await sender.say("Hallo")
    await sender.choose(T._("I agree"))
    asked = sender.new[-1].text
    code = _code(asked)
    assert "Datenschutz" in asked, asked
    assert not await _agreed(db, ERNA)

    # A forger's guess is a wrong try; another text is not used (issue 98, point 5);
    # once the code lapsed, a text shows the notice again and the code agrees to nothing.
    await sender.say(_other(code))
    assert not await _agreed(db, ERNA)
    await sender.say("Hallo")
    assert not await _agreed(db, ERNA)
    assert not has_code(_said(sender)), _said(sender)
    await lapse(db, ERNA)
    await sender.say("Hallo")
    assert T._("I agree") in _said(sender), _said(sender)
    await sender.say(code)
    assert not await _agreed(db, ERNA)

    # Asked again, her own code agrees, and the menu follows.
    await sender.say("Hallo")
    await sender.choose(T._("I agree"))
    fresh = _code(sender.new[-1].text)
    assert not await _agreed(db, ERNA)
    await sender.say(fresh)
    assert await _agreed(db, ERNA)
    said = _said(sender)
    assert "zugestimmt" in said and T._("Ask for help") in said, said


async def test_a_new_texter_agrees_without_a_code(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    newcomer = Resident(city, NEWCOMER)
    await newcomer.say("Hallo")
    await newcomer.choose("Deutsch")
    await newcomer.choose(T._("I agree"))
    assert await _agreed(db, NEWCOMER)
    assert not has_code(_said(newcomer)), _said(newcomer)
