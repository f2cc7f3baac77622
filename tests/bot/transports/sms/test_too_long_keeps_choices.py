"""A text longer than its step takes, through real Kannel (issue 77 follow-up, INPUT2).

The dispatcher, the one owner of input length (``Router.input_limits``), refuses it before
the step sees it. The refusal carries the step's choices (``Router.offer``, the step's own
list - handlers/forms/step_form.py ``choices``): a typed number presses only a choice of the
newest text, so without them the days and "Back" could no longer be chosen and a typed
number was taken as the written day. And it is one text: "send it shorter" does not wait
behind "0"."""

from __future__ import annotations

from collections.abc import Callable

from handlers.helping.requests_flow import STATE, WRITTEN_SHORT
from locales import translator
from tests.support.sms.city import City, onboarded

NUMBER = "+4915112345677"


async def test_a_written_day_too_long_is_refused_with_the_steps_choices(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    t = translator("de")
    texter, person = await onboarded(city, NUMBER)
    await texter.say("/menu")
    await texter.choose(t._("Ask for help"))
    await texter.choose(t._("Ask for help"))
    await texter.choose(t._("Shopping and errands"))
    await texter.say("Bitte Milch und Brot holen")
    await texter.say("44147")
    await texter.choose(t._("📅 On a certain day"))
    asked = await city.db.users.get_state(person)
    assert asked is not None and asked.state == STATE + "when_day"
    refused = await texter.say(("Am Dienstag nach dem Mittag. " * 10)[: WRITTEN_SHORT + 1])
    # One text, "More: send 0" nowhere: the whole answer and its choices at once.
    assert len(refused) == 1, [text.text for text in refused]
    kept = await city.db.users.get_state(person)
    assert kept is not None and (kept.state, kept.data) == (asked.state, asked.data)
    # "Back" is a number of the newest text: the step's choices came with the refusal.
    await texter.choose(t._("Back"))
    back = await city.db.users.get_state(person)
    assert back is not None and back.state == STATE + "when"
