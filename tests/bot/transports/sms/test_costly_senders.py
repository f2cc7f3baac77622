"""QA of the SMS line (QA-VOICE-SMS), through real Kannel: a text "from" a premium-rate,
satellite or toll-free number gets no answer. A sender can be forged, and the bot texted
back whatever number a text claimed: a greeting of two or three texts to +882 … (satellite
networks) or to a German 0900 number, each costing far more than a text or earning its
owner money - the phone line never calls such a number (locales/phone_numbers.py
``dialable``), SMS now never texts one (``textable``): nothing is kept of the sender and
nothing is sent. A resident's SIM card from abroad is texted as before. Nor does a text
"from" the bot's own number get an answer (bot/transports/sms/transport.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from locales import language_name
from tests.support.sms.city import City, Resident, until

COSTLY = ("+88213000000", "+870773111632", "+499001234567", "+491805123456")
UKRAINIAN = "+380501234567"


async def test_no_text_goes_to_a_premium_or_satellite_sender(
    make_city: Callable[..., object], caplog: pytest.LogCaptureFixture
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    caplog.set_level(logging.INFO, logger="bot.transports.sms.transport")

    def dropped() -> int:
        return sum("a number the bot does not text" in r.getMessage() for r in caplog.records)

    for number in COSTLY:
        await asyncio.to_thread(city.phones.send, number, "Hallo")
    await until(lambda: dropped() == len(COSTLY))
    # A resident from abroad is answered, in her number's language.
    texter = Resident(city, UKRAINIAN)
    (greeting, *_) = await texter.say("Hallo")
    assert f"\n1 {language_name('uk')}\n" in greeting.text, greeting.text
    await city.flush()
    for number in COSTLY:
        assert city.phones.texts_to(number) == []
        assert await city.db.users.find("sms", number) is None
    assert city.gateway.sent.keys() == {UKRAINIAN}


async def test_no_text_goes_to_the_bots_own_number(
    make_city: Callable[..., object], caplog: pytest.LogCaptureFixture
) -> None:
    """A text "from" the bot's own number - forged, or an answer the operator's network
    routed back - is dropped: answered, each answer would come back to be answered again,
    a loop the number's caps alone stopped, at 60 texts a day, every day."""
    city: City = await make_city()  # type: ignore[misc]
    own = city.gateway.sender
    await asyncio.to_thread(city.phones.send, own, "Hallo")
    await until(lambda: any("the bot's own number" in r.getMessage() for r in caplog.records))
    await city.flush()
    assert city.phones.texts_to(own) == []
    assert await city.db.users.find("sms", own) is None
