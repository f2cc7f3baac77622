"""A new caller declines the privacy notice (issue 64, point 2), in a real call through
Kamailio (baresip the caller, the bot's words the tone engine's, so that the words said are
known): asked about erasing, they hear what is kept of them - their phone number and
their language - and not "whether the bot reads aloud", which is a chat's choice. "No,
keep it" brings the notice back; nothing was erased or agreed. The order is the call's
events, never the clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from markupsafe import Markup

from handlers.dispatcher import Dispatcher
from handlers.media.medium_texts import _DECLINED, _DECLINED_BY_NUMBER
from locales import Medium, translator
from tests.support.sip.calls import (
    heard_texts,
    key_for,
    keys_answered,
    languages_heard,
    phone_line,
)
from tests.support.sip.fixtures import BOT_USER, PhoneFactory
from tests.support.sip.kamailio import KamailioServer

CALLER = "+492315550123"


def _last_sentence(message: str) -> str:
    """What a decline text says is kept: its last sentence, as words."""
    return str(Markup(message).striptags()).split("?")[-1].strip()


async def test_a_new_caller_who_declines_hears_their_number_is_kept(
    kamailio: KamailioServer, phones: PhoneFactory, dispatcher: Dispatcher, tmp_path: Path
):
    phone = await phone_line(dispatcher, kamailio, tmp_path)
    spoken = heard_texts(phone)
    db = dispatcher.db
    try:
        caller = await asyncio.to_thread(phones, CALLER, pad_seconds=120)
        call = await languages_heard(phone, caller, kamailio.uri(BOT_USER))
        await keys_answered(caller, call, "1")  # Deutsch: the main menu
        # The help keeps something: the notice first (handlers/first_kept.py).
        await keys_answered(caller, call, await key_for(phone, call, "menu:help"))
        said = len(spoken)
        await keys_answered(caller, call, await key_for(phone, call, "consent:no"))
        asked = " ".join(spoken[said:])
        kept = _last_sentence(translator("de", medium=Medium.SPOKEN).gettext(_DECLINED_BY_NUMBER))
        assert "Telefonnummer" in kept and kept in asked, asked
        assert _last_sentence(translator("de").gettext(_DECLINED)) not in asked
        assert "vorliest" not in asked
        await keys_answered(caller, call, await key_for(phone, call, "delete:no"))
        assert await key_for(phone, call, "consent:yes")  # the notice again
        # The call is a stand-in of its own until a call-back or a PIN checks the number
        # (handlers/numbers/caller_check.py): what it chose is its own, not the number's.
        person = await db.users.find("phone", call.chat_id)
        assert person is not None and person.language == "de" and person.consent_at is None
        assert await db.users.find("phone", CALLER) is None
        await asyncio.to_thread(caller.hangup)
        await asyncio.to_thread(caller.wait_for, "CALL_CLOSED")
    finally:
        await phone.stop()
