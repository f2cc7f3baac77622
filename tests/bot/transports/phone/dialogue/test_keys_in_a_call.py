"""What keys do in a call, through the real dispatcher and database: digits press the
newest message's choices, "*" says the last answer again, "#" takes the message's way back
or the main menu, digits where no choice is asked are typed text. The SIP stack is left
out (a recorder of what would be played); the whole call is test_calling_in.py's."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

from markupsafe import Markup

from bot.transports.phone.calls.answered_call import MOST_EARLY, is_over
from bot.transports.phone.calls.turn import entry
from bot.transports.phone.dialogue import who_calls
from bot.transports.phone.sip.call_control import CallEvent
from bot.transports.phone.transport import Call, PhoneTransport
from bot.transports.phone.words import what_keys_mean
from bot.transports.phone.words.what_keys_mean import BACK, REPEAT, Typed
from handlers.dispatcher import Dispatcher
from handlers.media.medium_texts import _DECLINED, _DECLINED_BY_NUMBER
from handlers.messages import ButtonPress, Command, Event, Incoming, Outgoing, Text
from locales import Medium, translator
from tests.support.sip.answers import answers_to
from tests.support.sip.calls import callers, key_for
from tests.support.sip.keypad_phone import CALLER, keypad_phone, looping, taken


def _noted(dispatcher: Dispatcher) -> list[Event]:
    """The events the dispatcher is handed, in order."""
    seen: list[Event] = []
    handle = dispatcher.handle

    async def noting(incoming: Incoming) -> list[Outgoing]:
        seen.append(incoming.event)
        return await handle(incoming)

    dispatcher.handle = noting  # type: ignore[method-assign]
    return seen


async def test_digits_choose_star_repeats_and_hash_goes_to_the_menu(dispatcher: Dispatcher):
    phone, call, stack = keypad_phone(dispatcher)
    seen = _noted(dispatcher)
    try:
        await phone.meant(call, Command("start"))
        assert call.turn.choices == len(dispatcher.settings.languages) and answers_to(call) == 1
        await phone.meant(call, Typed("1"))  # the first language: the main menu
        user = await dispatcher.db.users.find("phone", CALLER)
        assert user is not None and user.language == dispatcher.settings.languages[0]
        # No notice before the menu: consent waits for a step that keeps something
        # (handlers/first_kept.py).
        assert user.consent_at is None and await key_for(phone, call, "menu:places")
        menu, answers, choices = list(call.turn.said), answers_to(call), call.turn.choices
        await phone.meant(call, REPEAT)
        assert stack.played[-1] == menu and answers_to(call) == answers  # said, not asked
        await phone.meant(call, Typed("1"))  # the menu's first choice
        assert seen[-1] == ButtonPress("menu:places")
        assert answers_to(call) == answers + 1 and list(call.turn.said) != menu
        back = call.turn.back
        await phone.meant(call, BACK)
        assert seen[-1] == (ButtonPress(back) if back else Command("menu"))
        assert call.turn.choices == choices  # the main menu again
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_a_known_caller_gets_their_language_at_once(dispatcher: Dispatcher):
    phone, call, _ = keypad_phone(dispatcher)
    seen = _noted(dispatcher)
    try:
        for meaning in (Command("start"), Typed("2"), Typed("1")):  # the second language
            await phone.meant(call, meaning)
        lang = dispatcher.settings.languages[1]
        phone.call_over(call)
        again = Call(8, CALLER)
        phone._calls[8] = again
        phone._by_chat.renamed(again)
        await phone.meant(again, Command("start"))
        # Their main menu, in their language: no language to choose.
        assert (await phone.voice.reader_of(CALLER)).lang == lang
        assert again.turn.choices < len(dispatcher.settings.languages)
        await phone.meant(again, Typed("1"))
        assert seen[-1] == ButtonPress("menu:places")
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_a_known_caller_keeps_the_easy_texts(dispatcher: Dispatcher):
    """A known number calling again (its person asked for help since) is a stand-in person
    until a call-back checks it: with the language, the consent and the easy texts of the
    person it claims to be."""
    phone, call, _ = keypad_phone(dispatcher)
    try:
        for meaning in (Command("start"), Typed("1")):  # German: the main menu
            await phone.meant(call, meaning)
        known = await dispatcher.db.users.find("phone", CALLER)
        assert known is not None and known.easy_language  # a phone person starts easy
        await dispatcher.db.requests.create(known.id, known.id, category="shopping")
        phone.call_over(call)
        again = Call(9, CALLER)
        phone._calls[9] = again
        phone._by_chat.renamed(again)
        await who_calls.claim(phone, again)
        assert again.caller.claimed == CALLER and again.chat_id != CALLER
        stand_in = await dispatcher.db.users.find("phone", again.chat_id)
        assert stand_in is not None and stand_in.easy_language
        await phone.meant(again, Command("start"))
        assert (await phone.voice.words(again)).easy
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_digits_where_no_choice_is_asked_are_text(dispatcher: Dispatcher):
    phone, call, _ = keypad_phone(dispatcher)
    seen = _noted(dispatcher)
    try:
        await phone.meant(call, Command("start"))
        call.turn = replace(call.turn, choices=0, keyed=0, gather=entry())  # a postcode asked
        await phone.voice.choices.memory.note_sent(CALLER, "none", False)
        await phone.meant(call, Typed("44137"))
        assert seen[-1] == Text("44137")
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_a_postcode_and_its_hash_are_one_entry(dispatcher: Dispatcher):
    """ "44137#" where a postcode is asked: the digits, taken at five, and nothing for the
    "#" after them - the places come, not the question again (issue 55); a second "#" is
    the way back."""
    phone, call, stack = keypad_phone(dispatcher)
    try:
        call.turn = replace(call.turn, free_digits=True, keyed=0, gather=entry())
        async with looping(phone, call, stack) as press:
            press("44137##")
            assert await taken(call, 2) == [Typed("44137"), BACK]
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_a_postcode_gathers_its_digits_until_hash_or_the_pause(dispatcher: Dispatcher):
    """Fewer than five: "441#" is "441"; digits and then no key are taken after the pause;
    "*" forgets the digits begun and says the answer again."""
    phone, call, stack = keypad_phone(dispatcher)
    try:
        call.turn = replace(call.turn, free_digits=True, keyed=0, gather=entry())
        async with looping(phone, call, stack) as press:
            press("441#4*")
            assert await taken(call, 2) == [Typed("441"), REPEAT]
            press("5")  # the pause ends it
            assert await taken(call, 1) == [Typed("5")]
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_after_a_pin_the_hash_is_its_end_then_after_the_pause_the_way_back(
    dispatcher: Dispatcher,
):
    """Four digits asked (a PIN, ``Message.typed_digits``: ended by "#" only, never by a
    pause): the fourth ends the entry and a "#" at once is its end; once the pause has
    passed (the answer said: "without a PIN, press the hash key"), "#" is the way back."""
    phone, call, stack = keypad_phone(dispatcher)
    try:
        call.turn = replace(call.turn, free_digits=True, keyed=0, gather=entry(4, until_hash=True))
        async with looping(phone, call, stack) as press:
            press("1357#")
            assert await taken(call, 1) == [Typed("1357")]
            await asyncio.sleep(what_keys_mean.KEY_PAUSE)  # the pause passed, whatever came
            press("#")
            assert await taken(call, 1) == [BACK]
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_the_hash_after_a_postcode_stops_nothing(dispatcher: Dispatcher):
    """ "44137#": the fifth digit stops the question and brings the places; the "#" after
    it means nothing, so it must not stop the places being said (issue 64). Keys that
    mean something still stop what plays: each digit of the entry, and a second "#"."""
    phone, call, stack = keypad_phone(dispatcher)
    hushed: list[str] = []
    stack.hush = lambda call_id: hushed.append("hush")  # type: ignore[method-assign]
    try:
        call.turn = replace(call.turn, free_digits=True, keyed=0, gather=entry())
        async with looping(phone, call, stack) as press:
            press("44137#")
            assert await taken(call, 1) == [Typed("44137")]
            press("#")  # the places said meanwhile: the way back, which stops them
            assert await taken(call, 1) == [BACK]
        assert len(hushed) == 6  # each digit, and the second "#" only
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_an_easy_language_callers_hash_presses_their_menu_button(dispatcher: Dispatcher):
    """An easy reader's main menu button says "🏠 Menü", not "🏠 Hauptmenü": "#" still
    presses it (its role says what it is, not its label)."""
    phone, call, _ = keypad_phone(dispatcher)
    seen = _noted(dispatcher)
    try:
        for meaning in (Command("start"), Typed("1")):  # German: the main menu
            await phone.meant(call, meaning)
        user = await dispatcher.db.users.find("phone", CALLER)
        assert user is not None and user.language == "de"
        async with dispatcher.db.transaction():
            await dispatcher.db.users.set_easy_language(user.id, True)
        await phone.meant(call, Typed("1"))  # find places: asks where, the menu the way back
        assert seen[-1] == ButtonPress("menu:places")
        assert call.turn.back == "menu:main"
        await phone.meant(call, BACK)
        assert seen[-1] == ButtonPress("menu:main")
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_on_a_page_star_says_the_question_and_that_page_and_9_goes_round(
    dispatcher: Dispatcher,
):
    """A volunteer's districts (more than ten) in pages: "9" says only the next page, "*"
    the question and the page heard, "9" on the last page the first again."""
    phone, call, _ = keypad_phone(dispatcher)
    said: list[tuple[str, list[str], list[str] | None]] = []
    say = phone.voice.say

    async def noting(call, text: str, labels: list[str], keys: list[str] | None = None) -> None:
        said.append((text, labels, keys))
        await say(call, text, labels, keys)

    phone.voice.say = noting  # type: ignore[method-assign]
    try:
        for meaning in (Command("start"), Typed("1")):  # German: the main menu
            await phone.meant(call, meaning)
        await phone.meant(call, Typed(await key_for(phone, call, "menu:volunteer")))
        # Volunteering keeps something: the notice first, "I agree" goes on to it.
        await phone.meant(call, Typed(await key_for(phone, call, "consent:yes")))
        await phone.meant(call, Typed(await key_for(phone, call, "vo:reg")))  # the districts
        question, first, keys = said[-1]
        assert call.turn.pages is not None and question and keys is not None
        assert len(keys) <= 9 and keys[-1] == "9" and first[-2].startswith("✔️")
        await phone.meant(call, Typed("9"))
        text, second, _ = said[-1]
        assert text == "" and second != first and second[-2] == first[-2]  # Done on each
        await phone.meant(call, REPEAT)
        assert said[-1] == (question, second, said[-2][2])
        await phone.meant(call, Typed("9"))  # after the last page: the first
        assert said[-1][1] == first and call.turn.page == 0
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_no_thanks_names_the_number_a_caller_is_known_by(dispatcher: Dispatcher):
    """Issue 64, point 2: declining the notice on the phone, a new caller is asked about
    erasing what is kept - their number and their language, said so; "read aloud" is no
    choice on the phone and is not said."""
    phone, call, _ = keypad_phone(dispatcher)
    engine = phone.prompts.engine  # type: ignore[union-attr]
    try:
        await phone.meant(call, Command("start"))
        await phone.meant(call, Typed("1"))  # the first language
        # The notice comes at the first step that keeps something (handlers/first_kept.py).
        await phone.meant(call, Typed(await key_for(phone, call, "menu:help")))
        lang = dispatcher.settings.languages[0]
        t = translator(lang, medium=Medium.SPOKEN)
        said = len(engine.said)
        await phone.meant(call, Typed(await key_for(phone, call, "consent:no")))
        words = " ".join(text for _, text in engine.said[said:])
        number = t.gettext(_DECLINED_BY_NUMBER).split("\n")[1]
        assert str(Markup(number).striptags()).split("?")[-1].strip() in words
        aloud = translator(lang).gettext(_DECLINED).split("\n")[1]
        assert str(Markup(aloud).striptags()).split("?")[-1].strip() not in words
        user = await dispatcher.db.users.find("phone", CALLER)
        assert user is not None and user.consent_at is None
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def _at_the_own_point(phone: PhoneTransport, call: Call) -> Callable[[str], Awaitable[None]]:
    """A German caller registering as a volunteer, past the districts (Innenstadt-Nord), at
    the own point; what presses a choice by its key."""

    async def press(data: str) -> None:
        await phone.meant(call, Typed(await key_for(phone, call, data)))

    for meaning in (Command("start"), Typed("1")):  # German: the main menu
        await phone.meant(call, meaning)
    for data in ("menu:volunteer", "consent:yes", "vo:reg", "vo:bz:Innenstadt-N", "vo:area-done"):
        await press(data)
    return press


async def test_a_volunteer_types_their_postcode_or_skips_it_with_the_hash_key(
    dispatcher: Dispatcher,
):
    """After the districts, the own point (issue 63): digits are the postcode, not choices;
    "#" alone skips it (the step's way back is its Skip) and keeps what the profile had."""
    from handlers.places.coarse import AREA, coarsen
    from handlers.places.gazetteer import load_gazetteer

    centre = load_gazetteer(dispatcher.settings.places_data_dir).postcodes["44147"]
    phone, call, _ = keypad_phone(dispatcher)
    seen = _noted(dispatcher)
    try:
        press = await _at_the_own_point(phone, call)
        assert call.turn.free_digits and call.turn.pages is None
        await phone.meant(call, Typed("44147"))
        # The digits come as text (a number none of the choices is, marked so), which the
        # step takes as its postcode.
        assert isinstance(seen[-1], Text) and seen[-1].text == "44147"
        assert call.turn.pages is not None and call.turn.pages.done == "vo:cats-done"
        for data in ("vo:cat:shopping", "vo:cats-done"):
            await press(data)
        for data in ("vo:langs-done", "vo:max:1"):
            await press(data)
        user = await dispatcher.db.users.find("phone", CALLER)
        volunteer = await dispatcher.db.volunteers.get(user.id)
        assert (volunteer.lat, volunteer.lon) == coarsen(centre.lat, centre.lon, AREA)
        # Changing the point alone: "#" alone skips it, and it stays.
        await phone.meant(call, Command("menu"))
        for data in ("menu:volunteer", "vo:ed:point"):
            await press(data)
        assert call.turn.free_digits
        await phone.meant(call, BACK)
        assert seen[-1] == ButtonPress("vo:nopt")
        volunteer = await dispatcher.db.volunteers.get(user.id)
        assert (volunteer.lat, volunteer.lon) == coarsen(centre.lat, centre.lon, AREA)
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_keys_before_the_audio_is_on_are_taken_after_the_greeting(dispatcher: Dispatcher):
    """A caller who knows the menu (or a slow line) presses "1 1" before the call's audio is
    on: the keys wait for the greeting and choose from it - the first language, then the
    menu's first choice, the places - instead of being taken before the call began (then
    nothing was chosen)."""
    phone, call, stack = keypad_phone(dispatcher)
    seen = _noted(dispatcher)
    call.keys.put_nowait(Command("start"))  # its first update, as a call that came has
    try:
        async with looping(phone, call, stack, audio_on=False) as press:  # not on yet
            press("11")
            await _all_taken(call)
            phone._on_event(CallEvent("audio", call.call_id))
            for _ in range(600):
                if ButtonPress("menu:places") in seen:
                    break
                await asyncio.sleep(0.05)
        # The call is its own stand-in until the number is checked (caller_check.py).
        user = await dispatcher.db.users.find("phone", call.chat_id)
        assert user is not None and user.language == dispatcher.settings.languages[0]
        assert seen[:1] == [Command("start")] and ButtonPress("menu:places") in seen
    finally:
        for task in list(phone._noting):  # its updates' task
            task.cancel()
        phone.prompts.close()  # type: ignore[union-attr]


async def _all_taken(call: Call) -> None:
    """Until the call's loop took every key pressed (its runner has none left)."""
    runner = call.runner
    assert runner is not None
    for _ in range(2000):
        if runner._events.empty():
            return
        await asyncio.sleep(0.01)


async def test_keys_before_the_greeting_is_made_choose_from_the_greeting(
    dispatcher: Dispatcher,
):
    """A caller who knows the menu presses "1" "2" "1" as the call's audio comes on, while a
    busy machine still makes the greeting: the keys wait for it and choose from its choices
    (before, they were digits typed to nothing - the call had no turn yet - and a line's
    callers were lost under load: test_line_pool's ten callers, 1 of 10 agreed)."""
    phone, call, stack = keypad_phone(dispatcher)  # its audio on, its greeting not made
    call.keys.put_nowait(Command("start"))
    try:
        async with looping(phone, call, stack) as press:
            press("121")
            await _all_taken(call)
            assert call.keys.get_nowait() == Command("start")
            early = await taken(call, 3)
            assert early == [CallEvent("key", call.call_id, key) for key in "121"]
            await phone.meant(call, Command("start"))  # the greeting: the languages
            await phone.meant(call, early[0])
            await _all_taken(call)
            assert await taken(call, 1) == [Typed("1")]  # the first language, from its choices
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_keys_before_the_greeting_are_taken_when_the_caller_hung_up_first(
    dispatcher: Dispatcher,
):
    """A caller who knows the menu presses "1" "2" "1" and hangs up while a busy machine
    still makes the greeting: what she pressed is taken all the same, in her order, as any
    key before a hang-up is (transport.py ``call_over``) - German, "Get help", "I agree".
    Before, the keys were handed to the call's loop once the greeting was made, and the
    loop had ended with the call: test_line_pool's ten callers, 0 of 10 agreed, where each
    greeting took longer than its caller stayed (a starved machine, 2 runs of 3)."""
    phone, call, stack = keypad_phone(dispatcher)  # its audio on, its greeting not made
    assert phone.prompts is not None
    made, making, go_on = phone.prompts.file, asyncio.Event(), asyncio.Event()

    async def slowly(words):  # the greeting is made only once she has hung up
        making.set()
        await go_on.wait()
        return await made(words)

    phone.prompts.file = slowly  # type: ignore[method-assign]
    call.keys.put_nowait(Command("start"))
    try:
        async with looping(phone, call, stack) as press:
            press("121")
            await _all_taken(call)
            assert call.keys.qsize() == 4  # /start, then her keys
            updates = asyncio.create_task(phone._take(call))  # as its audio on starts them
            await asyncio.wait_for(making.wait(), 60)  # a guard, never a measure
            phone._on_event(CallEvent("ended", call.call_id, "200"))  # she hangs up
            for _ in range(2000):
                if call.call_id not in phone._calls:  # the line was told (call_over)
                    break
                await asyncio.sleep(0.01)
        assert is_over(call) and call.keys.qsize() == 4  # her keys, then the end
        go_on.set()
        await asyncio.wait_for(updates, 60)
        assert await callers(dispatcher.db, agreed=True, language="de") == 1
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_keys_before_the_audio_are_kept_only_so_many(dispatcher: Dispatcher):
    phone, call, stack = keypad_phone(dispatcher)
    call.keys.put_nowait(Command("start"))
    try:
        async with looping(phone, call, stack, audio_on=False) as press:  # not on yet
            press("5" * (MOST_EARLY + 10))
            await _all_taken(call)
            assert call.keys.get_nowait() == Command("start")
            assert call.keys.qsize() == MOST_EARLY
            assert (
                await taken(call, MOST_EARLY) == [CallEvent("key", call.call_id, "5")] * MOST_EARLY
            )
    finally:
        phone.prompts.close()  # type: ignore[union-attr]


async def test_a_caller_keeps_keys_at_a_step_whose_answer_is_a_number(dispatcher: Dispatcher):
    """At "how many at once?" a chat's and a text's list ask for the number and name no
    place (handlers/media/value_choices.py); the keypad still says a key for every choice,
    Cancel's the fourth, and that key cancels - a key stays the choice it was said for."""
    phone, call, _ = keypad_phone(dispatcher)
    seen = _noted(dispatcher)
    try:
        press = await _at_the_own_point(phone, call)
        await phone.meant(call, BACK)  # no point of her own
        for data in ("vo:cat:shopping", "vo:cats-done", "vo:langs-done"):
            await press(data)
        assert [await key_for(phone, call, f"vo:max:{n}") for n in (1, 2, 3)] == ["1", "2", "3"]
        assert await key_for(phone, call, "vo:cancel") == "4"
        await phone.meant(call, Typed("4"))
        assert seen[-1] == ButtonPress("vo:cancel")
        user = await dispatcher.db.users.find("phone", CALLER)
        assert user is not None and await dispatcher.db.users.get_state(user.id) is None
    finally:
        phone.prompts.close()  # type: ignore[union-attr]
