"""A STOP whose handling is cut off after its act is done once and confirmed once, through
real Kannel, on both backends. The bot "crashes" right after the act (the store's ``stop``
or the code for the help's notices issued) and before the text is recorded as handled: the
handling fails and the bot's answer to smsbox never comes (its connection closed, as a
process that died leaves it), so smsbox with ``http-request-retry`` passes the text on
again with the same ``%I`` id. The act and the handled record are one transaction
(transport.py ``take_text``): the failed one left nothing, and the text passed on again is
done and confirmed once - before, the act stayed without its confirmation, and the text
passed on again found it done and said nothing (no confirmation at all, or a code that was
issued and never texted). Cut off after the commit, before any text went, the STOP's code
still reaches the number: its text is in the outbox, committed with the STOP, and the
outbox worker of the process started again sends it (transport.py ``_queue``) - before, it
was sent after the commit and lost with the process, and the person got no code until it
expired (a STOP again found it out and said nothing).

Each step waits for events (the calls the transport finished), never for a time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web

from db import Database
from handlers.numbers.text_stops import STOPPED, STOPPED_HELP_TOO
from locales import translator
from tests.support.sms.city import City, Resident, onboarded, until, write_request
from tests.support.sms.codes import code_in
from tests.support.sms.gateways import CountingSms

pytestmark = pytest.mark.both_backends

GRETA = "+4917622222222"
DE = translator("de")


class Crash(Exception):
    """The process ends here."""


class CrashingOnce(CountingSms):
    """The transport that dies once right after the store's ``crash_after`` (a method
    name) did its work: the handling fails there, and the call's answer never comes.
    ``calls``: the Kannel ids of the calls it finished."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []
        self.crashed = False
        self._send_crashes = False
        self._taking = False

    def crash_at_own_send(self) -> None:
        """The process dies at the first text the transport sends itself while it handles
        the next text: after that text's transaction committed (its texts go after it)."""
        self._send_crashes = True

    async def take_text(self, number: str, text: str, gateway_id: str = "") -> None:
        self._taking = True
        try:
            await super().take_text(number, text, gateway_id)
        finally:
            self._taking = self._send_crashes = False

    async def _send_now(self, *args: Any, **kwargs: Any) -> str:
        if self._taking and self._send_crashes:
            self.crashed = True
            raise Crash
        return await super()._send_now(*args, **kwargs)

    def crash_after(self, method: str) -> None:
        done = getattr(self.store, method)

        async def then_crash(*args: Any, **kwargs: Any) -> Any:
            await done(*args, **kwargs)  # the act is done ...
            delattr(self.store, method)
            self.crashed = True
            raise Crash  # ... and the process ends before the text is recorded handled

        setattr(self.store, method, then_crash)

    async def _receive(self, request: web.Request) -> web.Response:
        answer = await super()._receive(request)
        self.calls.append(parse_qs(request.rel_url.raw_query_string).get("id", [""])[0])
        if self.crashed and request.transport is not None:
            self.crashed = False
            request.transport.close()  # no answer: smsbox calls again
        return answer


async def _crashing(city: City, greta: Resident, text: str, method: str) -> list[str]:
    """``text`` from Greta, the bot dying after the store's ``method`` the first time:
    waits for smsbox's second call; the texts Greta got."""
    sms = city.sms
    assert isinstance(sms, CrashingOnce)
    sms.crash_after(method)
    before, calls = len(greta.texts), len(sms.calls)
    await asyncio.to_thread(city.phones.send, greta.number, text)
    await until(lambda: len(sms.calls) >= calls + 2)
    await city.arrived()
    first, again = sms.calls[calls:]
    assert first == again and first  # Kannel's behaviour this rests on: the same id
    return [text.text for text in greta.texts[before:]]


async def test_a_stop_cut_off_after_its_act_is_confirmed_once(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city(transport=CrashingOnce, http_request_retry=2)  # type: ignore[misc]
    greta, _ = await onboarded(city, GRETA)

    told = await _crashing(city, greta, "STOPP", "stop")
    assert told == [DE.t(STOPPED)]
    assert await city.sms.store.stop_state(GRETA) == "all"


async def test_a_stop_with_help_cut_off_after_its_code_texts_the_code_once(
    make_city: Callable[..., object], db: Database
) -> None:
    """With help under way a STOP issues a code that ends its notices too: cut off after
    the code was issued, the code is texted once (before: issued, never texted - the STOP
    passed on again found it out and said nothing)."""
    city: City = await make_city(transport=CrashingOnce, http_request_retry=2)  # type: ignore[misc]
    greta, _ = await onboarded(city, GRETA)
    asked = await write_request(greta, "Ich brauche Hilfe beim Einkaufen", from_menu=True)
    await greta.say(code_in(asked))

    before = len(greta.texts)
    await _crashing(city, greta, "STOPP", "issue_code")
    await city.flush()  # the code's text is the outbox's
    (told,) = [text.text for text in greta.texts[before:]]
    assert await city.sms.store.stop_state(GRETA) == "help"
    (stopped,) = await greta.say(code_in(told))
    assert stopped.text == DE.t(STOPPED_HELP_TOO)
    assert await city.sms.store.stop_state(GRETA) == "all"


async def test_a_stop_code_cut_off_after_the_commit_still_reaches_the_number(
    make_city: Callable[..., object], db: Database
) -> None:
    """With help under way a STOP issues a code; the process dies right after the STOP
    is committed, at the first text it would send: the code still comes, once, from the
    outbox as the process starts again, and it ends the help's notices too (before: lost,
    and no code until it expired)."""
    city: City = await make_city(transport=CrashingOnce, http_request_retry=2)  # type: ignore[misc]
    sms = city.sms
    assert isinstance(sms, CrashingOnce)
    greta, _ = await onboarded(city, GRETA)
    asked = await write_request(greta, "Ich brauche Hilfe beim Einkaufen", from_menu=True)
    await greta.say(code_in(asked))

    sms.crash_at_own_send()
    before = len(greta.texts)
    await greta.say("STOPP")
    assert await sms.store.stop_state(GRETA) == "help"  # committed
    await city.flush()  # the outbox worker of the process started again
    (told,) = [text.text for text in greta.texts[before:]]
    (stopped,) = await greta.say(code_in(told))
    assert stopped.text == DE.t(STOPPED_HELP_TOO)
    assert await sms.store.stop_state(GRETA) == "all"
