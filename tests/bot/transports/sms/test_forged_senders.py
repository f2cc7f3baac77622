"""Issue 62, point 5: a forged text must not act for a resident. Through real Kannel
(tests/support/sms/city.py): what ends or redirects her running help - a text for her
helper, "the help is done", ending the contact, the channel her messages come by - waits
for the code texted to her number, which only its holder reads; a STOP from a number nobody
has is answered once, and a resident the desk enters with that number later is not bound
by it (through the real web server).

A forger sends from her number but never receives its texts: in these tests a text sent
"by the forger" is a text from her number whose code the test then does not use."""

from __future__ import annotations

from collections.abc import Callable

from db import Database
from db.request_states import DONE, MATCHED, WITHDRAWN
from handlers import build_router
from locales import translator
from tests.support.help_story import grant_role_to, matched_through_lifecycle, register_volunteer
from tests.support.memory_transport import readable
from tests.support.sms.city import City, Resident
from tests.support.sms.codes import code_in as _code
from tests.support.sms.codes import has_code, lapse
from tests.support.sms.codes import other_code as _other
from tests.support.sms.desk_entry import erna_texted_from_the_desk

GRETA = "+4917622222222"
STRANGER = "+4917633333333"
T = translator("de")


async def _greta_helped_by_vera(city: City, db: Database) -> tuple[Resident, int]:
    """Greta onboarded by text, her request taken by Vera (on a chat): the relay runs."""
    greta = Resident(city, GRETA)
    await greta.say("Hallo")
    await greta.choose("Deutsch")
    await greta.choose(T._("I agree"))
    story = city.story
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, vera)
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    user = await db.users.find("sms", GRETA)
    assert user is not None
    request_id = await matched_through_lifecycle(
        db, city.story.dispatcher.settings, user.id, vera, cora
    )
    await city.flush()
    return greta, request_id


async def test_a_text_for_the_helper_waits_for_the_code_from_her_number(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    greta, request_id = await _greta_helped_by_vera(city, db)
    story = city.story
    seen = len(story.inbox.get("vera", []))

    # A forger's "come to another address": not passed on; her number is asked for the
    # code, with the text quoted, and she does not answer it.
    await greta.say("Bitte kommen Sie stattdessen zur Hauptstraße 5")
    (asked,) = greta.new
    assert "Hauptstraße 5" in asked.text and "Vera" in asked.text, asked.text
    forged = _code(asked.text)
    await city.flush()
    assert len(story.inbox.get("vera", [])) == seen

    # Her own text meanwhile takes no place of the held one: not used, no code (issue 98,
    # point 5). Once the forger's code lapsed, it gets a code of its own (the first one
    # passes nothing), and goes to Vera with the code she got for it.
    await greta.say("Ich bin ab 10 Uhr zu Hause")
    (refused,) = greta.new
    assert not has_code(refused.text), refused.text
    await lapse(db, greta.number)
    await greta.say("Ich bin ab 10 Uhr zu Hause")
    (asked,) = greta.new
    assert "ab 10 Uhr zu Hause" in asked.text and "Hauptstraße" not in asked.text
    code = _code(asked.text)
    await greta.say(forged if forged != code else _other(code))
    await city.flush()
    assert len(story.inbox.get("vera", [])) == seen
    await greta.say(code)
    await city.flush()
    assert "ab 10 Uhr zu Hause" in story.received("vera")
    assert "Hauptstraße" not in story.received("vera")
    assert "Vera" in greta.new[-1].text
    # A moment after a right code her texts pass without another.
    await greta.say("Klingeln Sie zweimal")
    await city.flush()
    assert "zweimal" in story.received("vera")
    assert "Klingeln" not in "\n".join(text.text for text in greta.new)
    request = await db.requests.get(request_id)
    assert request is not None and request.state == MATCHED


async def test_done_and_ending_the_contact_by_text_take_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    greta, request_id = await _greta_helped_by_vera(city, db)
    story = city.story
    await story.text("vera", "Ich komme um 10 Uhr.")
    await city.flush()

    # "End the contact" and "yes" from her number: withdrawn only with the code.
    await greta.say("/menu")
    await greta.choose(T._("Write to {name}").format(name="Vera"))
    await greta.choose(T._("End contact"))
    await greta.choose(T._("Yes, end it"))
    asked = greta.new[-1].text
    assert f"#{request_id}" in asked, asked
    await greta.say(_other(_code(asked)))  # a forger's guess: a wrong try
    await greta.say("Hallo")  # anything else is not used, and drops nothing (issue 98)
    assert not has_code(greta.new[-1].text)
    request = await db.requests.get(request_id)
    assert request is not None and request.state == MATCHED
    await lapse(db, greta.number)
    await greta.say(_code(asked))  # the code came too late: it lapsed
    request = await db.requests.get(request_id)
    assert request is not None and request.state == MATCHED

    # "Help is done" and "yes": done only with the code from her phone.
    await greta.say("/menu")
    await greta.choose(T._("Help is done"))
    await greta.choose(T._("Yes, it is done"))
    asked = greta.new[-1].text
    assert f"#{request_id}" in asked, asked
    request = await db.requests.get(request_id)
    assert request is not None and request.state == MATCHED
    await greta.say(_code(asked))
    request = await db.requests.get(request_id)
    assert request is not None and request.state == DONE
    assert request.state != WITHDRAWN


async def test_the_channel_changes_by_text_only_with_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city(running=("phone", "sms"))  # type: ignore[misc]
    greta, _ = await _greta_helped_by_vera(city, db)
    await greta.say("/settings")
    await greta.choose(T._("Call me"))
    asked = greta.new[-1].text
    user = await db.users.find("sms", GRETA)
    assert user is not None and user.platform == "sms"
    await greta.say(_code(asked))
    user = await db.users.find("sms", GRETA)
    assert user is not None and user.platform == "phone"


async def test_a_stop_from_nobodys_number_is_answered_once_and_binds_no_one_entered_later(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    stranger = Resident(city, STRANGER)
    await stranger.say("STOP")
    (told,) = stranger.new
    assert "START" in told.text
    await stranger.say("STOP")
    assert stranger.new == []
    assert await city.sms.store.stopped(STRANGER)
    assert await db.users.find("sms", STRANGER) is None

    # A coordinator enters a resident with that number on the desk, to be texted: the desk
    # says the STOP does not count for her, and her notices reach the number.
    request_id, page = await erna_texted_from_the_desk(city, db, "0176 33333333")
    page = readable(page)
    assert "had sent STOP" in page and "does not count" in page, page
    assert not await city.sms.store.stopped(STRANGER)
    await city.flush()
    assert f"#{request_id}" in stranger.texts[-1].text

    # A STOP she sends herself now binds her.
    await stranger.say("STOP")
    assert await city.sms.store.stopped(STRANGER)


def test_every_act_that_ends_or_redirects_running_help_waits_for_the_code() -> None:
    """The buttons that withdraw, end as done, hand back or change the channel are all
    ``coded`` (the dispatcher holds them from a coded channel: handlers/numbers/coded_acts.py)."""
    router = build_router()
    for data in ("hr:wdy:1", "rl:endy:1", "rl:doney:1", "mt:br:1:ill", "reach:phone"):
        found = router.find_button(data)
        assert found is not None and found[0].coded, data
