"""A caller ID is a claim (handlers/numbers/caller_check.py): what an unchecked call may do, the
offer of a call-back (a step of the conversation: what waits is held, "1" asks the voice
transport's check calls, "#" or anything else goes back), who a call claims to be and the
person a checked call makes."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from handlers import build_router
from handlers.channels import Profile
from handlers.messages import ButtonPress, Command, Text, numbered, way_back
from handlers.numbers import caller_check
from handlers.numbers.caller_check import (
    CALLING,
    CALLING_TYPED,
    CANNOT_CALL,
    NOT_THIS_HOUR,
    OFFER,
    REFUSED,
    calling,
    made,
    offer,
    profile_of,
    then_data,
)
from handlers.numbers.phone_pin import ASK, SKIP, after_check
from locales import translator
from tests.support.check_port import NOW, Checks
from tests.support.memory_transport import MemoryTransport, messages

# What the features declare an unchecked call may do (``unchecked=True`` where they register).
UNCHECKED = build_router().unchecked


def free(event):
    return caller_check.free(event, UNCHECKED)


NUMBER = "+492319876543"
OTHER = "+492311234567"


@pytest.mark.parametrize(
    "data",
    [
        *("hr:new", "hr:mine", "settings:lang", "ev:mine", "ev:rm:3", "privacy:delete"),
        # Withdrawing consent and erasing, from the settings.
        "delete:ask",
    ],
)
def test_what_says_something_of_the_person_or_acts_for_them_waits_for_the_check(data):
    assert not free(ButtonPress(data))


@pytest.mark.parametrize("data", ["consent:yes", "consent:no", "delete:yes", "delete:no"])
def test_the_notices_answers_are_the_stand_ins_own_as_a_new_callers_are(data):
    """A claimed call is a new person of its own: the notice and the erasure question "No,
    thanks" brings are answered as a new caller answers them (held, the notice's "1" would
    tell the caller that the number is someone's)."""
    assert free(ButtonPress(data))


def test_an_answer_to_the_notice_is_never_carried_into_the_checked_call():
    """Whoever answers the check call has not heard the notice the asking call answered:
    neither "I agree" nor "No, thanks" is carried - the checked call begins with the main
    menu (for a person who never agreed: the notice)."""
    assert then_data(ButtonPress("consent:no")) == "menu:main"
    assert then_data(ButtonPress("consent:yes")) == "menu:main"


@pytest.mark.parametrize("data", ["menu:main", "menu:places", "pl:near", "ev:week", "lang:de"])
def test_what_concerns_nobody_in_particular_goes_on(data):
    assert free(ButtonPress(data))


def test_commands_about_a_person_wait_and_a_checked_call_begins_with_what_waited():
    assert free(Command("start")) and free(Text("44137"))
    assert not free(Command("mydata")) and not free(Command("delete"))
    assert then_data(ButtonPress("hr:mine")) == "hr:mine"
    assert then_data(Command("mydata")) == "menu:main"


def test_only_1_on_the_offer_asks_for_the_call_back_hash_goes_back():
    t = translator("de")
    said = offer(t)
    assert said.text == t._(OFFER) and CALLING != OFFER and said.keys_named
    # The n-th choice is key n on a keypad: the call-back is the first and only answer.
    pressed = [data for _label, data in numbered(said.buttons)]
    assert pressed[0] == "check:call" and pressed.count("check:call") == 1
    assert way_back(said.buttons) == "menu:main"


STAND_IN = "withheld:7a2e"


async def _claimed_call(story: MemoryTransport, checks: Checks | None) -> MemoryTransport:
    """A call that claims NUMBER: a stand-in of its own, through the language and the
    notice as any new caller (``made``)."""
    story.platform = "phone"
    story.claims[STAND_IN] = NUMBER
    story.dispatcher.settings = replace(story.dispatcher.settings, check_calls=checks)
    await made(story.dispatcher.db, "phone", STAND_IN, Profile("de", consented=True))
    return story


async def test_what_is_not_free_waits_and_1_asks_for_the_call_back_and_ends_the_call(
    story: MemoryTransport, db: Database
):
    checks = Checks(NOW)
    await _claimed_call(story, checks)
    t = translator("de")
    (held,) = messages(await story.press(STAND_IN, "hr:mine"))
    # The same words whether or not the number has a PIN (it has none here).
    assert held.text == t._(ASK) and checks.asked == []
    (said,) = messages(await story.press(STAND_IN, SKIP))  # "#": we call you back
    assert said.text == t._(CALLING) and said.closing
    # Her check begins with her requests: showing her own things is carried, acting never;
    # the call's language goes with it (a number without a person is asked in it).
    assert checks.asked == [(NUMBER, after_check("hr:mine"), Profile("de"))]
    stand_in = await db.users.find("phone", STAND_IN)
    assert stand_in is not None and await db.users.get_state(stand_in.id) is None
    # A free press goes on as it is.
    (menu,) = messages(await story.press(STAND_IN, "menu:places"))
    assert menu.text != t._(OFFER)


async def _ask_check(story: MemoryTransport, stand_in: str) -> str:
    await story.press(stand_in, "hr:mine")
    (said,) = messages(await story.press(stand_in, SKIP))
    return str(said.text)


async def test_each_caller_has_a_few_asks_an_hour_and_an_uncallable_number_counts_none(
    story: MemoryTransport, db: Database
):
    """How often a caller may ask is counted here (``ASKED``), per caller ID, on the city's
    clock; a number the port may never call is said so each time - "not this hour" would
    not be true - and is no ask."""
    t = translator("de")
    checks = Checks(per_caller_hour=2, never=frozenset({OTHER}))
    clock = [NOW]
    await _claimed_call(story, checks)
    story.dispatcher.settings = replace(story.dispatcher.settings, clock=lambda: clock[0])
    other = "withheld:0c3d"
    story.claims[other] = OTHER
    await made(db, "phone", other, Profile("de", consented=True))
    for _ in range(4):
        assert await _ask_check(story, other) == t._(CANNOT_CALL)
    assert await _ask_check(story, STAND_IN) == t._(CALLING)
    assert await _ask_check(story, STAND_IN) == t._(CALLING)
    assert await _ask_check(story, STAND_IN) == t._(NOT_THIS_HOUR)
    # Another caller ID has an hour of its own: OTHER, callable now, may ask.
    checks.never = frozenset()
    assert await _ask_check(story, other) == t._(CALLING)
    clock[0] = NOW + timedelta(minutes=61)
    assert await _ask_check(story, STAND_IN) == t._(CALLING)
    assert [number for number, _data, _profile in checks.asked] == [
        NUMBER,
        NUMBER,
        OTHER,
        NUMBER,
    ]


async def test_hash_or_anything_else_on_the_offer_goes_back_and_asks_for_nothing(
    story: MemoryTransport, db: Database
):
    checks = Checks(NOW)
    await _claimed_call(story, checks)
    t = translator("de")
    # The offer of the call-back (three wrong PINs today, the city's limit): "#" goes back.
    await story.press(STAND_IN, "check:wait:menu:settings")
    (back,) = messages(await story.press(STAND_IN, "menu:main"))  # "#": its way back
    assert back.text != t._(OFFER)
    await story.press(STAND_IN, "check:wait:hr:mine")
    out = messages(await story.text(STAND_IN, "3"))  # any other key: typed text
    assert out and out[-1].text != t._(OFFER)
    stand_in = await db.users.find("phone", STAND_IN)
    assert stand_in is not None and await db.users.get_state(stand_in.id) is None
    assert checks.asked == []
    # "1" without the offer before it is no longer valid: nothing is asked.
    await story.press(STAND_IN, "check:call")
    assert checks.asked == []


async def test_a_later_or_refused_check_is_said_for_what_it_is(
    story: MemoryTransport, db: Database
):
    later = NOW + timedelta(hours=10)
    checks = Checks(later)
    await _claimed_call(story, checks)
    t = translator("de")
    await story.press(STAND_IN, "hr:mine")
    (said,) = messages(await story.press(STAND_IN, SKIP))
    assert said.closing and said.text == calling(t, typed=False, when=later).text
    checks.answer = "day"
    await story.press(STAND_IN, "hr:mine")
    (refused,) = messages(await story.press(STAND_IN, SKIP))
    assert refused.text == t._(REFUSED["day"]) and not refused.closing


def test_a_profile_passes_on_language_consent_and_easy_texts():
    assert profile_of(None) == Profile()


async def test_the_checked_person_is_made_with_the_asking_calls_choices_never_changed(
    db: Database,
):
    await made(db, "phone", NUMBER, Profile(language="tr", consented=True))
    person = await db.users.find("phone", NUMBER)
    assert person is not None and person.language == "tr" and person.consent_at is not None
    # A person there already keeps their language; nothing is agreed in their name.
    other = await db.users.seen("phone", OTHER, OTHER)
    await db.users.set_language(other.id, "uk")
    await made(db, "phone", OTHER, Profile(language="tr", consented=False))
    kept = await db.users.get(other.id)
    assert kept.language == "uk" and kept.consent_at is None
    # A person with data (a resident the desk entered) agrees herself: the consent of a
    # call that typed her number is not hers.
    await db.requests.create(other.id, other.id, category="shopping", description="z")
    await made(db, "phone", OTHER, Profile(language="tr", consented=True))
    kept = await db.users.get(other.id)
    assert kept.consent_at is None


def test_the_caller_hears_when_the_check_call_comes_in_a_moment_or_at_a_time():
    de = translator("de")
    assert str(calling(de, typed=False).text) == de._(CALLING)
    assert str(calling(de, typed=True).text) == de._(CALLING_TYPED)
    morning = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)  # 08:00 in Berlin
    said = str(calling(de, typed=False, when=morning).text)
    assert "Donnerstag, 26. November" in said and "08:00" in said
    typed = str(calling(de, typed=True, when=morning).text)
    assert "08:00" in typed and "Nummer" in typed


def test_a_check_that_is_not_placed_is_said_for_what_it_is():
    """Not today, not this hour, not this number: three sentences, each true of its
    reason (a caller past the hour's checks was told "call again tomorrow")."""
    de = translator("de")
    said = {reason: de._(text) for reason, text in REFUSED.items()}
    assert len(set(said.values())) == 3
    assert "morgen" in said["day"] and "Stunde" in said["hour"]
    assert "morgen" not in said["hour"] + said["never"] and "Stunde" not in said["never"]


async def test_at_the_notice_a_claimed_call_agrees_for_its_stand_in_never_for_her(
    story: MemoryTransport, db: Database
):
    """A resident the desk entered never agreed. A call claiming her number hears the
    notice where a new caller hears it, and its "I agree" is the stand-in's own, as a new
    caller's is hers: she has still not agreed, and her check call asks her herself."""
    checks = Checks(NOW)
    erna = await db.users.seen("phone", NUMBER, NUMBER, "Erna")
    story.platform = "phone"
    story.claims[STAND_IN] = NUMBER
    story.dispatcher.settings = replace(story.dispatcher.settings, check_calls=checks)
    assert await story.dispatcher.ports.callers.stand_in_for("phone", NUMBER, STAND_IN) == NUMBER
    t = translator("de")
    await story.text(STAND_IN, "/start")
    await story.press(STAND_IN, "lang:de")
    out = messages(await story.press(STAND_IN, "consent:yes"))
    assert out and all(message.text != t._(ASK) for message in out)
    stand_in = await db.users.find("phone", STAND_IN)
    assert stand_in is not None and stand_in.consent_at is not None
    assert (await db.users.get(erna.id)).consent_at is None and checks.asked == []


@pytest.mark.both_backends
async def test_the_dispatcher_gives_a_claimed_call_a_stand_in_and_a_checked_number_its_person(
    story: MemoryTransport, db: Database
):
    """What the voice line asks at a call's start and after a check call
    (handlers/dispatcher.py ``stand_in_for``, ``number_checked``): every call from a
    number - nobody's, or a resident's with her language and consent - is only a claim
    and goes on as a stand-in with nothing of the number's person, and nothing of the
    call becomes hers; a checked number's new person gets the asking call's language and
    easy texts, never its consent."""
    dispatcher = story.dispatcher
    assert await dispatcher.ports.callers.stand_in_for("phone", NUMBER, STAND_IN) == NUMBER
    new_callers = await db.users.find("phone", STAND_IN)
    assert new_callers is not None and await db.users.find("phone", NUMBER) is None
    erna = await db.users.seen("phone", NUMBER, NUMBER, "Erna")
    await db.users.set_language(erna.id, "tr")
    await db.users.record_consent(erna.id)
    assert await dispatcher.ports.callers.stand_in_for("phone", NUMBER, "withheld:9b1c") == NUMBER
    stand_in = await db.users.find("phone", "withheld:9b1c")
    assert stand_in is not None and stand_in.id != erna.id
    # Nothing of hers: a caller from her number hears the language menu and the notice
    # as a caller from a number nobody has.
    assert stand_in.language is None and stand_in.consent_at is None
    assert (new_callers.language, new_callers.easy_language) == (
        stand_in.language,
        stand_in.easy_language,
    )

    await dispatcher.ports.callers.number_checked(
        "phone", OTHER, Profile("uk", consented=True, easy=True)
    )
    typed = await db.users.find("phone", OTHER)
    assert typed is not None and typed.language == "uk" and typed.easy_language
    # The asking call's consent is never carried: whoever answered has not heard the notice.
    assert typed.consent_at is None
    await dispatcher.ports.callers.number_checked("phone", NUMBER, Profile("uk", consented=True))
    still = await db.users.get(erna.id)
    assert still is not None and still.language == "tr"


@pytest.mark.both_backends
async def test_the_checks_reserve_is_kept_for_a_request_or_a_desk_entry_not_a_pin(
    story: MemoryTransport, db: Database
):
    """Issue 98, point 6, as the phone line asks it (handlers/dispatcher.py
    ``reserved_for``, wired as check_calls.py's ``reserved``): a number whose person has a
    PIN alone spends no reserve - anyone the bot once called back chose one - though her
    "not me" is still reported (``protects``); a request let through or the desk's entry
    does."""
    from handlers.numbers.phone_pin import hashed

    dispatcher = story.dispatcher
    pin_only = await db.users.seen("phone", NUMBER, NUMBER)
    await db.phone_pins.set(pin_only.id, hashed("2580"))
    assert await dispatcher.ports.callers.protects("phone", NUMBER)
    assert not await dispatcher.ports.callers.reserved_for("phone", NUMBER)
    await db.requests.create(pin_only.id, pin_only.id, category="shopping", description="x")
    assert not await dispatcher.ports.callers.reserved_for(
        "phone", NUMBER
    )  # in review: a press made it
    await db.users.enter_resident("phone", OTHER, "Erna", "de")
    assert await dispatcher.ports.callers.reserved_for("phone", OTHER)
    assert not await dispatcher.ports.callers.reserved_for("phone", "+492310000000")  # nobody
