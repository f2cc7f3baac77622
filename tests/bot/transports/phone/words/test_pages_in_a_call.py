"""A list of more than ten choices in a call, through Kamailio and baresip (issue 55,
point 3): a volunteer's districts (twelve, "around a place", cancel and "✔️ Done") are said
in pages (bot/transports/phone/words/what_keys_mean.py ``page_of``): "9" says the next page, a key
on it
ticks the list's own choice at once - no second digit, "#" or pause waited for - and the
list that comes again is said from that page, the ticked choice said so ("Hörde, gewählt");
"Done" is on every page."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.transports.phone.calls.answered_call import is_over
from bot.transports.phone.words import what_keys_mean
from bot.transports.phone.words.what_keys_mean import page_of
from handlers import ui
from handlers.dispatcher import Dispatcher
from locales import Medium, translator
from tests.support.sip.answers import answers_to
from tests.support.sip.calls import (
    key_for,
    keys_answered,
    offered,
    phone_line,
    proven_at_the_menu,
    until,
)
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer

CALLER = "00492315550188"


async def test_a_long_tick_list_is_said_in_pages_each_key_one_choice(
    dispatcher: Dispatcher,
    kamailio: KamailioServer,
    phones: PhoneFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    # A key that waited for another would wait past the test's guard (a minute).
    monkeypatch.setattr(what_keys_mean, "KEY_PAUSE", 600.0)
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    try:
        caller = await asyncio.to_thread(phones, CALLER, pad_seconds=300)
        await asyncio.to_thread(caller.dial, kamailio.uri(BOT_USER))
        await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
        await until(lambda: phone._calls, "the call came")
        call = next(iter(phone._calls.values()))
        await until(lambda: answers_to(call) == 1, "the languages said")
        await keys_answered(caller, call, "1")  # Deutsch: the main menu
        # Volunteering is the number's person's: her PIN makes the call hers first (a call
        # is a stand-in until then, handlers/numbers/caller_check.py).
        await proven_at_the_menu(phone, caller, call)
        await keys_answered(caller, call, await key_for(phone, call, "menu:volunteer"))
        await keys_answered(caller, call, await key_for(phone, call, "vo:reg"))
        pages = call.turn.pages
        assert pages is not None and call.turn.page == 0 and len(pages.data) > 10
        assert pages.done == "vo:area-done"
        second = page_of(len(pages.data), 1, pages.finish)
        wanted = pages.data[second[0] - 1]
        assert wanted.startswith("vo:bz:")
        assert await offered(phone, call, wanted) is None  # not on the first page
        await keys_answered(caller, call, "9")  # "More": the second page
        assert call.turn.page == 1
        await keys_answered(caller, call, "1")  # its first choice, at once
        memory = phone.voice.choices.memory
        newest = await memory.newest_sent(call.chat_id)
        assert newest is not None
        labels = dict(
            (data, label) for label, data in await memory.buttons_of(newest[0], call.chat_id)
        )
        # That district ticked, no other - and the caller hears it ("Hörde, gewählt"): a
        # tick's icon is not said (before, the list came again said as it was).
        t = translator("de", easy=True, medium=Medium.SPOKEN)
        districts = {data: data.removeprefix("vo:bz:") for data in labels if "vo:bz:" in data}
        assert labels[wanted] == ui.ticked(t, districts[wanted], True) != districts[wanted]
        assert sum(labels[data] != name for data, name in districts.items()) == 1
        # The list again, said from the page that holds the tick.
        assert call.turn.pages is not None and call.turn.page == 1
        # "Done" on this page too: their own point is asked, then the kinds of help come.
        await keys_answered(caller, call, await key_for(phone, call, "vo:area-done"))
        # Their own point: a postcode typed with the keys, or "#" alone to skip it.
        assert call.turn.free_digits and call.turn.pages is None
        await keys_answered(caller, call, "#")
        assert call.turn.pages is not None and call.turn.pages.done == "vo:cats-done"
        assert call.turn.page == 0
        await asyncio.to_thread(caller.hangup)
        await until(lambda: is_over(call), "the call ended")
    finally:
        await phone.stop()
