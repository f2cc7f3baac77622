"""An overall budget for the code texts of an hour (``[sms] codes_per_hour``, budget.py
``take_code``): codes cost money and share the gateway, so a crowd asking for codes cannot
spend them all. Through real Kannel (tests/support/sms/city.py): past the share for
everyone a volunteer with no help under way is told that no code can be sent now and when to
try again, nothing is held, and the coordinators are told once - while a requester whose
help is under way still gets hers from the share kept for running help. Before, every code
was texted, however many the hour had seen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.transports.sms.budget import Limits
from db import Database
from handlers.numbers import coded_acts
from tests.bot.transports.sms.test_forged_volunteer import T, _vera_volunteers
from tests.support.help_story import GROUP
from tests.support.sms.city import City, onboarded, write_request
from tests.support.sms.codes import code_in, has_code

GRETA = "+4917633333333"
OTTO = "+4917655555555"


async def test_code_texts_of_the_hour_keep_a_share_for_running_help(
    make_city: Callable[..., object], db: Database
) -> None:
    # Four an hour: two for everyone, two kept for running help.
    limits = Limits(codes_hour=4)
    assert limits.codes_kept == 2
    city: City = await make_city(limits)  # type: ignore[misc]
    moment = datetime.now(UTC)
    city.sms.budget.clock = lambda: moment  # one hour throughout, whenever it runs
    greta, _ = await onboarded(city, GRETA)
    vera, _ = await _vera_volunteers(city, db)
    otto, otto_id = await _vera_volunteers(city, db, OTTO)
    before = len(city.story.inbox.get(GROUP, []))

    def told() -> list[str]:
        """What the coordinators were told of the SMS budget since (not the request's post)."""
        texts = [str(getattr(item, "text", "")) for item in city.story.inbox.get(GROUP, [])]
        return [text for text in texts[before:] if text.startswith("📵")]

    # Greta's request (a code for everyone's share) puts her help under way.
    asked = await write_request(greta, "Ich brauche Hilfe beim Einkaufen", from_menu=True)
    await greta.say(code_in(asked))
    # Vera's pause takes the share's last; Otto's finds none: told when, nothing held.
    await vera.choose(T._("Pause"))
    assert has_code(vera.new[0].text)
    busy = T.t(coded_acts.CODES_BUSY, time="").removeprefix("⏳ ").split(".")[0]
    (answer,) = await otto.choose(T._("Pause"))
    assert busy in answer.text and not has_code(answer.text), answer.text
    volunteer = await db.volunteers.get(otto_id)
    assert volunteer is not None and not volunteer.paused
    await city.flush()
    (notice,) = told()
    assert OTTO.removeprefix("+")[2:] not in notice, notice

    # Greta's STOP still gets its code: her help is under way.
    (stopped,) = await greta.say_and_deliver("STOPP")
    assert has_code(stopped.text), stopped.text

    # Otto again: refused again, the coordinators not told twice.
    await otto.say("/volunteer")
    (answer,) = await otto.choose(T._("Pause"))
    assert busy in answer.text, answer.text
    await city.flush()
    assert len(told()) == 1
