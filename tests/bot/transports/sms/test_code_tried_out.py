"""A code's last wrong try says the code no longer works, not "try again". Through real
Kannel (tests/support/sms/city.py): the third wrong code drops the held act - the texter is
told that nothing was done, and no longer waits in the code's step (before, she was asked to
try again, and her next try, even the right code, was told the code had expired)."""

from __future__ import annotations

from collections.abc import Callable

from bot.transports.sms.store import CODE_TRIES
from db import Database
from handlers.numbers import coded_acts
from handlers.numbers.text_stops import STOP_CODE_TRIED_OUT, STOPPED_HELP_TOO
from locales import translator
from tests.bot.transports.sms.test_forged_volunteer import T, _vera_volunteers
from tests.support.help_story import GROUP
from tests.support.sms.city import City, onboarded, write_request
from tests.support.sms.codes import code_in, other_code

DE = translator("de")
VERA = "+4917644444444"
GRETA = "+4917622222222"


def _said(msgid: str) -> str:
    """A text as a texter reads it: without its leading icon."""
    return DE.t(msgid).split(" ", 1)[1]


async def test_the_last_wrong_try_ends_the_code_and_says_so(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    vera, vera_id = await _vera_volunteers(city, db)
    await vera.choose(T._("Pause"))
    (asked,) = vera.new
    wrong = other_code(code_in(asked.text))

    for _ in range(CODE_TRIES - 1):
        (answer,) = await vera.say(wrong)
        assert _said(coded_acts.WRONG) in answer.text, answer.text
    (answer,) = await vera.say(wrong)
    assert _said(coded_acts.WRONG) not in answer.text, answer.text
    assert _said(coded_acts.EXPIRED) in answer.text, answer.text
    state = await db.users.get_state(vera_id)
    assert state is None or state.state != coded_acts.STATE
    volunteer = await db.volunteers.get(vera_id)
    assert volunteer is not None and not volunteer.paused


async def test_a_tried_out_code_tells_the_coordinators_once(
    make_city: Callable[..., object], db: Database
) -> None:
    """The last wrong try is a limit that stops the person (what waited for the code is not
    done): the coordinators learn it while it holds - once for that code, by her name and
    user number, never the number; not at the wrong tries before it, not again after it.
    Before, nobody but her was told."""
    city: City = await make_city()  # type: ignore[misc]
    vera, vera_id = await _vera_volunteers(city, db)
    await city.flush()
    before = len(city.story.inbox.get(GROUP, []))

    def told() -> list[str]:
        return [str(getattr(item, "text", "")) for item in city.story.inbox.get(GROUP, [])[before:]]

    await vera.choose(T._("Pause"))
    (asked,) = vera.new
    wrong = other_code(code_in(asked.text))
    for _ in range(CODE_TRIES - 1):
        await vera.say(wrong)
        await city.flush()
        assert not told()
    await vera.say(wrong)
    await city.flush()
    (notice,) = told()
    # By her name and user number (the notice's own form; a bare id could match any
    # figure in it), never by her phone number.
    person = await db.users.get(vera_id)
    named = T.t(
        "{name} (user {user_id})", name=person.first_name or T._("Resident"), user_id=vera_id
    )
    assert str(named) in notice and VERA.removeprefix("+")[2:] not in notice, notice

    # The same code tried again: no code is out, nothing more to tell.
    await vera.say(wrong)
    await city.flush()
    assert len(told()) == 1


async def test_a_tried_out_stop_code_says_what_still_comes_and_tells_the_coordinators(
    make_city: Callable[..., object], db: Database
) -> None:
    """The code that stops a help's notices too, wrong at its last try: the person is told
    that those notices still come and how to stop them (STOP again brings a new code), the
    coordinators once. Before, the last try was taken as an ordinary text, and nobody was
    told that the code no longer works."""
    city: City = await make_city()  # type: ignore[misc]
    greta, greta_id = await onboarded(city, GRETA)
    asked = await write_request(greta, "Ich brauche Hilfe beim Einkaufen", from_menu=True)
    await greta.say(code_in(asked))
    (stopped,) = await greta.say_and_deliver("STOPP")
    wrong = other_code(code_in(stopped.text))
    await city.flush()
    before = len(city.story.inbox.get(GROUP, []))
    for _ in range(CODE_TRIES - 1):
        await greta.say(wrong)
    (answer,) = await greta.say(wrong)
    assert answer.text == DE.t(STOP_CODE_TRIED_OUT)
    await city.flush()
    (notice,) = [
        str(getattr(item, "text", "")) for item in city.story.inbox.get(GROUP, [])[before:]
    ]
    assert str(greta_id) in notice and GRETA.removeprefix("+")[2:] not in notice, notice

    # STOP again: a new code, and it ends them.
    (again,) = await greta.say_and_deliver("STOPP")
    (done,) = await greta.say(code_in(again.text))
    assert done.text == DE.t(STOPPED_HELP_TOO)
