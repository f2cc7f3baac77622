"""Calls to the bot's phone line in the phone tests: the line registered at Kamailio with
the tone engine's prompts (``phone_line``), a caller's steps through a call by the call's
events, never after fixed pauses (``until``, ``called_again``, ``keys_answered``,
``offered``, ``key_for``, ``proven_at_the_menu``, ``spoken_after_the_tone``,
``asked_when``), the caller's voice
(``voice_tone``), and the texts the bot says in its calls (``noted_texts``,
``heard_texts``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.city_service import composed
from bot.speech.keys import key_of
from bot.speech.turns import Turns
from bot.transports.phone.calls.answering_settings import CallSettings
from bot.transports.phone.calls.outbox_calls import CallBackSettings
from bot.transports.phone.calls.when_to_call_again import Policy
from bot.transports.phone.transport import Call, PhoneTransport
from bot.transports.phone.words.speech_files import Prompts
from bot.transports.phone.words.what_keys_mean import on_page
from db import Database
from handlers.dispatcher import Dispatcher
from locales import SUPPORTED_LANGUAGES, Translator
from tests.support.sip.answers import answers_to
from tests.support.sip.audio import write_tone
from tests.support.sip.baresip import BaresipCaller
from tests.support.sip.fixtures import bot_account
from tests.support.sip.kamailio import KamailioServer
from tests.support.sip.tone_engine import ToneEngine

# The coordinators' backchannel of ``phone_line``: a memory chat.
GROUP = "coordinators"


async def until(check: Callable[[], Any], what: str, seconds: int = 60) -> None:
    """Wait for ``check()`` to hold (a guard of ``seconds``, a minute unless said, against
    a hang, never a measure); ``what`` names it when it never does."""
    for _ in range(seconds * 50):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never: {what}")


async def phone_line(
    dispatcher: Dispatcher,
    kamailio: KamailioServer,
    tmp_path: Path,
    *,
    calls_to: str = "",
    **in_call: Any,
) -> PhoneTransport:
    """The phone line registered at Kamailio, its prompts the tone engine's, its
    recordings in ``tmp_path``, the coordinators' backchannel the memory chat ``GROUP``;
    ``in_call`` goes to its ``CallSettings``. Its own calls go to
    ``sip:<number>@calls_to`` (a phone's address), else to Kamailio's domain."""
    dispatcher.settings = replace(
        dispatcher.settings,
        backchannels=frozenset({("memory", GROUP)}),
    )
    settings = bot_account(kamailio)
    phone = PhoneTransport(
        dispatcher.ports,
        settings,
        prompts=Prompts(ToneEngine(), Turns(1), rate=16000),
        voices=frozenset(SUPPORTED_LANGUAGES),
        in_call=CallSettings(recordings=str(tmp_path / "recordings"), quiet_seconds=30, **in_call),
        # The bot's own calls at any hour: the quiet hours are check_calls.py's tests'.
        calling_back=CallBackSettings(
            domain=calls_to or kamailio.domain, policy=Policy(quiet=None)
        ),
    )
    # Wired as a city wires it: the features get its check calls and bridged calls.
    dispatcher.settings = composed(dispatcher.settings, [phone])
    await phone.connect()
    await asyncio.wait_for(phone.registered.wait(), 20)
    return phone


async def languages_heard(phone: PhoneTransport, caller: BaresipCaller, bot_uri: str) -> Call:
    """``caller`` dials the line, the only call there: its first answer (the languages)
    said."""
    await asyncio.to_thread(caller.dial, bot_uri)
    await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
    await until(lambda: phone._calls, "the call came")
    (call,) = phone._calls.values()
    await until(lambda: answers_to(call) == 1, "the languages said")
    return call


async def called_again(phone: PhoneTransport, caller: BaresipCaller, bot_uri: str) -> Call:
    """``caller`` dials the line again (calls before may be on record): the new call, once
    its first answer is said."""
    before = set(phone._calls)
    await asyncio.to_thread(caller.dial, bot_uri)
    await asyncio.to_thread(caller.wait_for, "CALL_ESTABLISHED")
    await until(lambda: set(phone._calls) - before, "the call came")
    (call,) = [phone._calls[call_id] for call_id in set(phone._calls) - before]
    await until(lambda: answers_to(call) >= 1, "the first answer")
    return call


async def keys_answered(caller: BaresipCaller, call: Call, keys: str) -> None:
    """Press ``keys``; wait for the answer they bring."""
    answers = answers_to(call)
    await asyncio.to_thread(caller.press, keys)
    await until(lambda: answers_to(call) > answers, f"an answer to {keys}")


async def offered(phone: PhoneTransport, call: Call, data: str) -> str | None:
    """The key of the newest message's choice whose data begins with ``data``, if it
    offers one (of a list in pages: on the page the call says, else None)."""
    memory = phone.voice.choices.memory
    newest = await memory.newest_sent(call.chat_id)
    assert newest is not None
    buttons = await memory.buttons_of(newest[0], call.chat_id)
    if call.turn.pages is not None:  # a longer list: the key on the page the caller hears
        for digit in "12345678":
            number = on_page(digit, len(buttons), call.turn.page, call.turn.pages.finish)
            if isinstance(number, int) and buttons[number - 1][1].startswith(data):
                return digit
        return None
    for number, (_, choice) in enumerate(buttons, start=1):
        if choice.startswith(data):
            return key_of(number, len(buttons))  # one key (the tenth of ten: 0)
    return None


async def key_for(phone: PhoneTransport, call: Call, data: str) -> str:
    """The key of the newest message's choice whose data begins with ``data``; the test
    fails when there is none. An answer counts when it is sent and its choices are kept
    a moment after: it waits for them (a guard against a hang, never a measure)."""
    memory = phone.voice.choices.memory
    for _ in range(3000):
        # A call just checked is a chat of its own: nothing sent to it yet is waited for.
        sent = await memory.newest_sent(call.chat_id) is not None
        key = await offered(phone, call, data) if sent else None
        if key is not None:
            return key
        await asyncio.sleep(0.02)
    raise AssertionError(f"no choice {data}")


# The PIN of the residents ``proven_at_the_menu`` makes.
PIN = "2580"


async def proven_at_the_menu(phone: PhoneTransport, caller: BaresipCaller, call: Call) -> None:
    """A caller at the main menu is made the resident of the number their call claims
    (consent, the call's language, a PIN: as a call-back she answered once left her), and
    proves it as she would: the settings (after the notice, "I agree": the call's own) ask
    "type your PIN, or press the hash key", her
    PIN makes the call hers (handlers/numbers/phone_pin.py), the settings are said, "#"
    is the main menu again. Every call from a number is a stand-in until it is checked
    (handlers/numbers/caller_check.py): what a test's caller asks for that is personal -
    a request, the settings - needs this first."""
    from handlers.numbers.phone_pin import hashed

    db = phone.city_ports.db
    number = call.caller.claimed
    assert number, "a call from a number claims it"
    stand_in = await db.users.find("phone", call.chat_id)
    person = await db.users.seen("phone", number, number)
    if stand_in is not None and stand_in.language and not person.language:
        await db.users.set_language(person.id, stand_in.language)
        await db.users.set_easy_language(person.id, stand_in.easy_language)
    if person.consent_at is None:
        await db.users.record_consent(person.id)
    await db.phone_pins.set(person.id, await asyncio.to_thread(hashed, PIN))
    await keys_answered(caller, call, await key_for(phone, call, "menu:settings"))
    if await offered(phone, call, "consent:yes"):  # the notice first: the call's own "yes"
        await keys_answered(caller, call, await key_for(phone, call, "consent:yes"))
    await keys_answered(caller, call, PIN)
    assert call.chat_id == number and call.caller.checked == "pin", "her PIN made the call hers"
    await keys_answered(caller, call, await key_for(phone, call, "menu:main"))


async def claimed_asks_for_her_requests(
    phone: PhoneTransport, caller: BaresipCaller, call: Call
) -> None:
    """A call that claims a resident's number, at its first answer (the languages, as any
    new caller's), asks for her requests: German, "Get help" (the notice, as it keeps
    something: "I agree", the stand-in's own), "My requests" - where her PIN, or "#" for
    the call-back, is asked (handlers/numbers/caller_check.py)."""
    await keys_answered(caller, call, await key_for(phone, call, "lang:de"))
    await keys_answered(caller, call, await key_for(phone, call, "menu:help"))
    if await offered(phone, call, "consent:yes"):
        await keys_answered(caller, call, await key_for(phone, call, "consent:yes"))
    await keys_answered(caller, call, await key_for(phone, call, "hr:mine"))


async def spoken_after_the_tone(caller: BaresipCaller, call: Call) -> None:
    """The prompt before the tone cut with "#", the caller heard, the recording ended."""
    await asyncio.to_thread(caller.press, "#")
    await until(lambda: call.listening is not None, "the recording began")
    listening = call.listening
    assert listening is not None
    await until(lambda: listening.spoke, "the caller heard")
    await asyncio.to_thread(caller.press, "#")


async def asked_when(phone: PhoneTransport, caller: BaresipCaller, call: Call) -> None:
    """A caller at the main menu, agreed, asks for help by voice up to "When?": the first
    kind of help, the description said after the tone, the postcode 44137."""
    await keys_answered(caller, call, await key_for(phone, call, "menu:help"))
    await keys_answered(caller, call, await key_for(phone, call, "hr:new"))
    await keys_answered(caller, call, await key_for(phone, call, "hr:cat:"))
    answers = answers_to(call)
    await spoken_after_the_tone(caller, call)
    await until(lambda: answers_to(call) > answers, "where?")
    await keys_answered(caller, call, "44137")  # the postcode: "When?" follows


async def callers(db: Database, *, agreed: bool = False, language: str = "") -> int:
    """The calls' persons on the phone that chose a language (``language``: that one), or
    ``agreed`` to the notice: every call from a number is a stand-in of its own until it
    is checked (handlers/numbers/caller_check.py), so what a caller chose is its call's,
    never the number's person's - counted here, whatever its id."""
    rows = await db.fetch_all(
        "SELECT language, consent_at FROM users WHERE platform = 'phone' AND language IS NOT NULL"
    )
    return sum(
        (not agreed or consent is not None) and (not language or lang == language)
        for lang, consent in rows
    )


def voice_tone(tmp_path: Path) -> Path:
    """A caller's voice: a WAV of a tone all through the call (90 s)."""
    return write_tone(tmp_path / "voice.wav", 90.0)


def noted_texts(phone: PhoneTransport) -> list[str]:
    """Every text the calls that came say, in order (the line's ``_say`` wrapped)."""
    spoken: list[str] = []
    say = phone.voice.say

    async def saying(call, text: str, labels: list[str], keys: list[str] | None = None) -> None:
        spoken.append(text)
        await say(call, text, labels, keys)

    phone.voice.say = saying  # type: ignore[method-assign]
    return spoken


def heard_texts(phone: PhoneTransport) -> list[str]:
    """Every text the calls say, those that come and those the bot makes, in order."""
    spoken = noted_texts(phone)
    speak = phone.calling.speak

    async def speaking(text: str, lang: Translator | str) -> Path | None:
        spoken.append(text)
        return await speak(text, lang)

    phone.calling.speak = speaking
    return spoken


def ends_of_play(phone: PhoneTransport) -> list[int]:
    """Each time a call's loop found all it was to hear said (its ``Done``), the call's id,
    in order (a list that grows): the line's ``said_all`` wrapped."""
    ends: list[int] = []
    said_all = phone.said_all

    def noting(call: Call) -> None:
        ends.append(call.call_id)
        said_all(call)

    phone.said_all = noting  # type: ignore[method-assign]
    return ends
