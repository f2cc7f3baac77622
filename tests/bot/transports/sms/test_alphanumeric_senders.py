"""A text whose sender has letters is no text from a phone number, through real Kannel: an
alphanumeric sender ID ("Vodafone", "01761234TTT") is the sender's own free choice on many
bulk-SMS routes, which check a numeric sender but take any name, and it cannot be answered.
``phonenumbers`` reads letters as a keypad's digits (a vanity number: T is 8), so
"01761234TTT" was read as +491761234888: anyone could text as that resident's number -
continue her conversation, have codes texted to her. Now nothing is kept of such a sender
and nothing is sent (bot/transports/sms/transport.py, locales/phone_numbers.py ``e164``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from tests.support.sms.city import City, Resident, until

RESIDENT = "+491761234888"
# Her number as an alphanumeric sender ID may spell it: letters for the digits 2-9.
SPELLED = ("01761234TTT", "+491761234TTT", "00491761234TUV")


async def test_a_sender_with_letters_is_not_the_number_they_spell(
    make_city: Callable[..., object], caplog: pytest.LogCaptureFixture
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    caplog.set_level(logging.INFO, logger="bot.transports.sms.transport")

    def dropped() -> int:
        return sum("not a phone number" in r.getMessage() for r in caplog.records)

    for sender in SPELLED:
        await asyncio.to_thread(city.phones.send, sender, "Hallo")
    await until(lambda: dropped() == len(SPELLED))
    await city.flush()
    assert await city.db.users.find("sms", RESIDENT) is None
    assert city.phones.texts_to(RESIDENT) == []
    # Her own text, from her number, is answered.
    (greeting, *_) = await Resident(city, RESIDENT).say("Hallo")
    assert greeting.text
