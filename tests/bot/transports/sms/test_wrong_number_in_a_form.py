"""QA of the SMS line (issue 77 follow-up, QA-VOICE), through real Kannel: a Ukrainian
texter registering as a volunteer ticks districts on the list of where she can help, then
sends "0" - no choice of that list, and no "More" was offered. Bad input changes nothing:
the answer asks for a choice's number and lists the choices again, so "3" then ticks the
third district and "Done" goes on. Before, the refusal came without its choices; a typed
number presses only a choice of the newest text, so every number after it was refused too
("Please send the number of a choice.", again and again) - only "/menu", which the texts
never name there, led out. (handlers/forms/step_form.py: a step's refusal carries its
buttons.)"""

from __future__ import annotations

from collections.abc import Callable

from locales import translator
from tests.support.sms.city import City, Resident

NUMBER = "+380501234522"


async def test_a_number_no_choice_has_leaves_the_list_working(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    t = translator("uk")
    texter = Resident(city, NUMBER)
    await texter.say("Привіт")
    await texter.say("1")  # Українська, offered first
    await texter.choose(t._("I agree"))
    await texter.choose(t._("Volunteer"))
    await texter.choose(t._("Register as a volunteer"))
    await texter.choose("Innenstadt-West")
    await texter.choose("Innenstadt-Nord")
    (refused,) = await texter.say("0")
    # The choices come with the refusal: the third district is still a number to send.
    await texter.choose("Innenstadt-Ost")
    assert any("Innenstadt-Ost (" in text.text for text in texter.new), [
        text.text for text in texter.new
    ]
    await texter.choose(t._("Done"))
    # On to the next step of the form: no longer the districts' list.
    assert not any("Innenstadt-Ost" in text.text for text in texter.new), refused.text
