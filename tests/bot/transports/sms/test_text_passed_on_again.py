"""A text Kannel passes on again is handled once (docs/sms.md "Kannel": a text passed on
again), through real Kannel: smsbox with ``http-request-retry`` calls the get-url again,
with the same ``%I`` id, when the bot's answer to it was lost. The bot's answer to the
first call is dropped here after the text was handled (its connection closed unanswered,
as a network that loses it would); the second call must change nothing and text nothing.

Each step waits for events (the calls the transport finished), never for a time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from bot.transports.sms.paging import more_line
from db import Database
from handlers.numbers.text_stops import STOPPED_HELP_TOO
from locales import translator
from tests.support.sms.city import City, Resident, onboarded, until, write_request
from tests.support.sms.codes import code_in
from tests.support.sms.gateways import CountingKannel, CountingSms

GRETA = "+4917622222222"


class LosingFirstAnswer(CountingSms):
    """The transport whose answer to the first call of each text is lost: handled, then
    its connection closed without the 200. ``calls``: the ids of the calls it finished."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.losing = True
        self.calls: list[str] = []
        # How many texts the bot had handed to Kannel for Greta when each first call ended.
        self.texted: list[int] = []

    async def _receive(self, request: web.Request) -> web.Response:
        answer = await super()._receive(request)
        if not self.losing:
            return answer
        found = parse_qs(request.rel_url.raw_query_string).get("id", [""])[0]
        first = found not in self.calls
        self.calls.append(found)
        if first and request.transport is not None:
            assert isinstance(self.gateway, CountingKannel)
            self.texted.append(self.gateway.sent[GRETA])
            request.transport.close()
        return answer


async def _passed_on_again(city: City, greta: Resident, text: str) -> None:
    """``text`` from Greta, its first answer lost: waits for Kannel's second call."""
    sms = city.sms
    assert isinstance(sms, LosingFirstAnswer)
    before = len(sms.calls)
    await asyncio.to_thread(city.phones.send, greta.number, text)
    await until(lambda: len(sms.calls) >= before + 2)
    await city.arrived()


async def test_a_text_passed_on_again_with_its_id_is_handled_once(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city(transport=LosingFirstAnswer, http_request_retry=2)  # type: ignore[misc]
    greta = Resident(city, GRETA)
    sms = city.sms
    assert isinstance(sms, LosingFirstAnswer)

    await _passed_on_again(city, greta, "Hallo")
    first, again = sms.calls
    # Kannel's behaviour this rests on: the same text again, under the same id.
    assert first == again and first
    # Answered once: what the first call texted, and nothing for the second.
    assert city.gateway.sent[GRETA] == sms.texted[0] > 0
    assert len(greta.texts) == sms.texted[0]
    user = await db.users.find("sms", GRETA)
    assert user is not None

    # What the transport does itself, without the dispatcher: "0" sends the rest of the
    # greeting once (a second "0" would be a text of its own, answered).
    assert more_line(translator("de")) in greta.texts[-1].text.splitlines()
    await _passed_on_again(city, greta, "0")
    assert city.gateway.sent[GRETA] == sms.texted[1] == sms.texted[0] + 1
    assert len(greta.texts) == sms.texted[1]

    # A choice typed once is pressed once: the language chosen, the privacy notice once.
    await _passed_on_again(city, greta, "1")
    assert city.gateway.sent[GRETA] == sms.texted[2] > sms.texted[1]
    assert len(greta.texts) == sms.texted[2]


async def test_a_code_passed_on_again_is_taken_once(
    make_city: Callable[..., object], db: Database
) -> None:
    """The code that stops a help's notices too is taken by the transport itself: the call
    again finds it handled, and is not taken as a text of its own (answered)."""
    city: City = await make_city(transport=LosingFirstAnswer, http_request_retry=2)  # type: ignore[misc]
    sms = city.sms
    assert isinstance(sms, LosingFirstAnswer)
    sms.losing = False
    greta, _ = await onboarded(city, GRETA)
    asked = await write_request(greta, "Ich brauche Hilfe beim Einkaufen", from_menu=True)
    await greta.say(code_in(asked))
    (stopped,) = await greta.say_and_deliver("STOPP")
    code = code_in(stopped.text)

    sms.losing = True
    await _passed_on_again(city, greta, code)
    (first, again) = sms.calls
    assert first == again and first
    # Told once that no text comes any more, and nothing else.
    assert city.gateway.sent[GRETA] == sms.texted[0]
    assert len(greta.texts) == sms.texted[0]
    assert greta.texts[-1].text == translator("de").t(STOPPED_HELP_TOO)
