"""A new caller asking for places hears places before any privacy notice (issue 80, point
5), in a real call through Kamailio (baresip the caller, the bot's words the tone engine's):
German by its key, "Find a place" from the menu, 44137 typed - and the first place's name
is said and heard, while no notice and no consent key was said and nothing was agreed.
Consent waits for the first step that keeps something of the caller's
(handlers/first_kept.py); here that is the help menu, whose notice "1" agrees to, and the
call goes on to that help. The order is the call's events, never the clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from handlers.dispatcher import Dispatcher
from handlers.reader import Medium, translator_for
from tests.support.places_sample import import_sample
from tests.support.sip.calls import key_for, keys_answered, languages_heard, phone_line, until
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer

CALLER = "+492315550177"
POSTCODE = "44137"


async def test_a_new_caller_hears_the_first_place_before_any_notice(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    db = await import_sample(dispatcher.db)
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    said: list[tuple[str, list[str]]] = []
    say = phone.voice.say

    async def noting(call, text: str, labels: list[str], keys: list[str] | None = None) -> None:
        said.append((str(text), [str(label) for label in labels]))
        await say(call, text, labels, keys)

    phone.voice.say = noting  # type: ignore[method-assign]
    # "I agree" as the caller hears it (a new caller starts in easy language).
    agree = translator_for("de", True, Medium.SPOKEN)._("I agree")
    try:
        caller = await asyncio.to_thread(phones, CALLER, pad_seconds=120)
        call = await languages_heard(phone, caller, kamailio.uri(BOT_USER))
        await keys_answered(caller, call, "1")  # Deutsch: the menu, no notice
        await keys_answered(caller, call, await key_for(phone, call, "menu:places"))
        before = len(said)
        _, length_at_key = await asyncio.to_thread(caller.hearing)
        await keys_answered(caller, call, POSTCODE)
        # The places answer lists places: the first one's name is said to the call.
        detail = await key_for(phone, call, "pl:d:")
        ids = [int(data.split(":")[2]) for data in await _choices(phone, call) if "pl:d:" in data]
        assert detail and ids, "the places answer lists no place"
        place = await db.places.get(ids[0])
        assert place is not None
        await until(
            lambda: any(place.name in " ".join([t, *ls]) for t, ls in said[before:]),
            "the first place's name said",
        )
        # ... and heard: sound reaches the caller after the postcode's key.
        for _ in range(1500):
            segments, _ = await asyncio.to_thread(caller.hearing)
            if any(s.start > length_at_key for s in segments):
                break
            await asyncio.sleep(0.04)
        else:
            raise AssertionError("nothing heard after the postcode")
        # No notice, no consent key said, nothing agreed.
        assert not any(agree in " ".join(labels) for _, labels in said), said
        # The call is a stand-in of its own until the number is checked (caller_check.py):
        # what it chose is its own, nothing is written to the number.
        person = await db.users.find("phone", call.chat_id)
        assert person is not None and person.language == "de" and person.consent_at is None
        assert await db.users.find("phone", CALLER) is None
        # The first step that keeps something: the notice, "1" agrees, the help follows.
        # "#" back to the menu (the first "#" after a typed entry is the entry's own).
        await keys_answered(caller, call, "##")
        await keys_answered(caller, call, await key_for(phone, call, "menu:help"))
        assert any(agree in " ".join(labels) for _, labels in said[-1:]), said[-1]
        await keys_answered(caller, call, await key_for(phone, call, "consent:yes"))
        assert await key_for(phone, call, "hr:new")
        person = await db.users.find("phone", call.chat_id)
        assert person is not None and person.consent_at is not None
        await asyncio.to_thread(caller.hangup)
        await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")
    finally:
        await phone.stop()


async def _choices(phone, call) -> list[str]:
    """The newest message's choices (their data) as the call keeps them."""
    memory = phone.voice.choices.memory
    newest = await memory.newest_sent(call.chat_id)
    assert newest is not None
    return [data for _, data in await memory.buttons_of(newest[0], call.chat_id)]
