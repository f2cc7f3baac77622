"""QA of the SMS line (issue 77 follow-up, QA-VOICE), through real Kannel: a texter at the
events (six choices) sends "9", which none of them is. Bad input changes nothing: the
answer says so and lists the events' choices again, so the next number presses one of
them. Before, "9" was taken for words outside any step, and the "start with anything"
answer (handlers/helping/requests_flow.py ``offer_help_with``) sent the main menu - the
texter taken out of the events. (handlers/forms/not_a_choice.py; the transport marks the number,
bot/transports/numbered_choices.py ``typed_event``.)"""

from __future__ import annotations

from collections.abc import Callable

from locales import translator
from tests.support.sms.city import City, onboarded

NUMBER = "+4915112345633"


async def _choices_now(city: City) -> list[str]:
    """The data of the choices the texter's newest text offers."""
    newest = await city.sms.store.newest(NUMBER)
    assert newest is not None
    return [data for _label, data in newest[2]]


async def test_a_number_beyond_the_events_choices_keeps_the_events(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    t = translator("de")
    texter, _ = await onboarded(city, NUMBER)
    await texter.say("/menu")
    await texter.choose(t._("Events"))
    events = await _choices_now(city)
    assert "ev:week" in events and len(events) < 9, events
    refused = await texter.say("9")
    assert refused, "no answer"
    # The same choices again, not the main menu's.
    assert await _choices_now(city) == events
    await texter.choose(t._("This week"))
    assert await _choices_now(city) != events  # "This week" was pressed
