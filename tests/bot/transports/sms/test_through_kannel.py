"""The SMS transport through real Kannel (bearerbox and smsbox on 127.0.0.1, fakesmsc as
the phone network): its own HTTP endpoint behind smsbox's get-url with the shared secret,
its texts out through smsbox's sendsms, the real dispatcher and outbox worker. The
coordinators and the volunteer are on the memory transport (tests/support/help_story.py).

Each step waits for events, never for a time: a text sent by a phone is handled when the
transport has taken it (``handled``), and its answers have arrived when fakesmsc has as many
texts to the number as the transport handed to sendsms (``sent``). SQLite only: the
budget's conditional UPDATE on PostgreSQL is tested in test_budget.py, and each step here
waits about a second for Kannel's fake SMSC (it looks for texts to pass on once a second)."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.transports.sms.budget import Limits, hour_of, month_of
from bot.transports.sms.keywords import keyword
from bot.transports.sms.segments import folded
from db import Database
from db.clock import local_day
from handlers.media.door_codes import door_codes_named
from handlers.messages import Command, Message, encode
from handlers.places.gazetteer import load_gazetteer
from handlers.places.importer import import_places
from locales import SUPPORTED_LANGUAGES, language_name, translator
from tests.support.help_story import (
    GROUP,
    grant_role_to,
    matched_through_lifecycle,
    press,
    register_volunteer,
)
from tests.support.memory_transport import button_data, readable, texts
from tests.support.sms.city import City, Resident, write_request
from tests.support.sms.codes import code_in as _code
from tests.support.sms.codes import other_code
from tests.support.sms.fakesmsc import Text as FakeText

ROOT = Path(__file__).resolve().parents[4]
SAMPLE_PLACES = ROOT / "data" / "dortmund" / "places-sample.csv"
SECRET = "kannel-secret-45"
AMIRA = "+4917611111111"
GRETA = "+4917622222222"
_CHOICE = re.compile(r"^(\d+) (.+)$")
# A button label's leading icon (a German text drops it, an Arabic one keeps it).
_ICON = re.compile(r"^\W+")


def _codings(texts: list[FakeText]) -> set[str]:
    return {text.coding for text in texts}


async def _onboard(resident: Resident, greeting: str, language: str, lang: str) -> None:
    await resident.say(greeting)
    await resident.choose(language)
    await resident.choose(translator(lang)._("I agree"))


async def test_german_onboarding_and_a_places_search_by_postcode(
    make_city: Callable[..., object], db: Database
) -> None:
    report = await import_places(
        db, SAMPLE_PLACES, load_gazetteer("data/dortmund"), default_source="sample"
    )
    assert report
    city: City = await make_city()  # type: ignore[misc]
    greta = Resident(city, GRETA)

    await _onboard(greta, "Hallo", "Deutsch", "de")
    user = await db.users.find("sms", GRETA)
    assert user is not None and user.language == "de" and user.consent_at is not None
    after_language = greta.texts[-len(greta.new) :]
    assert "Hauptmenü" in "\n".join(t.text for t in after_language)
    # German after the choice: GSM-7, icons dropped, nothing longer than two segments.
    assert _codings(after_language) == {"7bit"}

    found = await greta.say("44137")
    answer = "\n".join(t.text for t in found)
    with SAMPLE_PLACES.open(encoding="utf-8") as sample:
        near = {row["name"] for row in csv.DictReader(sample) if row["postcode"] == "44137"}
    assert any(name in answer for name in near), answer
    # Two segments each, but for the picker: its ten languages come whole in one text.
    assert all(text.parts <= 2 for text in greta.texts[1:])
    assert {t.sender for t in greta.texts} == {city.gateway.sender}


@dataclass(frozen=True)
class Story:
    """What a resident texts in the help story, in their language."""

    lang: str
    number: str
    greeting: str
    language: str  # the language's label in the picker
    need: str  # the request, as she writes it
    stop: str  # STOP in her language
    reminder: str  # a notice queued after STOP
    coding: str  # fakesmsc's coding of every text to her: GSM-7 or UCS-2


STORIES = [
    Story(
        "ar",
        AMIRA,
        "مرحبا",
        "العربية",
        "أحتاج مساعدة في التسوق يوم الثلاثاء",
        "إيقاف",
        "تذكير: غدا الساعة 10",
        "ucs2",  # Arabic: UCS-2
    ),
    Story(
        "de",
        GRETA,
        "Hallo",
        "Deutsch",
        "Ich brauche Hilfe beim Einkaufen am Dienstag",
        "STOPP",
        "Erinnerung: morgen um 10 Uhr",
        "7bit",  # German: GSM-7, icons dropped
    ),
]


@pytest.mark.parametrize("told", STORIES, ids=[story.lang for story in STORIES])
async def test_help_story_by_text_until_stop(
    make_city: Callable[..., object], db: Database, told: Story
) -> None:
    """A help request by text, published by a coordinator, accepted by a volunteer: the
    resident gets the helper's name and code word by SMS, every text in two segments; then
    STOP in her language ends all texts."""
    city: City = await make_city()  # type: ignore[misc]
    resident = Resident(city, told.number)
    t = translator(told.lang)

    await _onboard(resident, told.greeting, told.language, told.lang)
    onboarded = len(resident.texts)
    asked = await write_request(resident, told.need, told.lang, from_menu=True)
    # A request by text is sent with the code texted to the number (issue 77, point 3).
    await resident.say(_code(asked))
    user = await db.users.find("sms", told.number)
    assert user is not None
    (request,) = await db.requests.for_requester(user.id)
    assert request.state == "review" and request.stadtbezirk == "Innenstadt-Nord"

    story = city.story
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, vera)
    await story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await story.in_group("cora", press(f"mod:ok:{request.id}"))
    await city.flush()
    await story.press("vera", f"mt:acc:{request.id}")
    await city.flush()
    request = await db.requests.get(request.id)
    assert request.state == "matched"
    since = resident.texts[onboarded:]
    # The helper's name, and the code word as a text shows it: its picture named ("Zitrone
    # 49" where a German text drops the picture, the name and the picture in Arabic).
    code = folded(door_codes_named(request.door_code, t, keep_picture=True))
    assert "Vera" in "\n".join(text.text for text in since)
    assert code in "\n".join(text.text for text in since)

    # Every text to her in her language's coding (a German one GSM-7: icons and direction
    # marks dropped) but for the languages to tick, each named in its own script; and every
    # one at most two segments.
    names = [language_name(lang) for lang in SUPPORTED_LANGUAGES if lang != told.lang]
    own = [text for text in since if not any(name in text.text for name in names)]
    assert len(own) < len(since)  # the list of languages was among them
    assert _codings(own) == {told.coding}, [text.text for text in own]
    # Two segments each, but for the long lists (the picker, the languages to tick, the
    # twelve kinds of help): their choices come whole in one text (issue 55, point 7).
    long = [
        text.text
        for text in resident.texts
        if text.parts > 2 and len(re.findall(r"(?m)^[0-9]+ ", text.text)) < 10
    ]
    assert long == [], long

    # STOP in her language - which anyone can send in her name on some routes: her help is
    # under way, so its notices still come, and a code goes to her number to stop them too.
    await resident.say_and_deliver(told.stop)  # the code's text is the outbox's
    (asked,) = resident.new
    assert "start" in {keyword(word) for word in re.findall(r"\w+", asked.text)}  # START, ابدأ
    code = _code(asked.text)
    await story.text("vera", "Ich komme um 10 Uhr.")
    await city.flush()
    assert "10 Uhr" in resident.texts[-1].text
    # Only the code from her own phone stops them: one last text, then nothing goes to her.
    await resident.say(code)
    assert "start" in {keyword(word) for word in re.findall(r"\w+", resident.new[-1].text)}
    sent = city.gateway.sent[told.number]
    queued = await db.outbox.enqueue("sms", told.number, encode(Message(told.reminder)))
    await story.text("vera", "Ich komme doch erst um 11 Uhr.")
    await city.flush()
    state = await db.outbox.state(queued)
    assert state is not None and state[2]  # given up for good
    assert city.gateway.sent[told.number] == sent
    assert len(resident.texts) == sent


async def test_a_question_to_a_number_that_sent_stop_is_refused_until_start(
    make_city: Callable[..., object], db: Database
) -> None:
    """Issue 55, point 9: the review post says the requester is reached by SMS (never "on
    the phone"); after her STOP (confirmed with the code, so nothing goes) a coordinator's
    question is refused with why, in the coordinator's language, and nothing is sent;
    after START the question reaches her phone."""
    city: City = await make_city()  # type: ignore[misc]
    greta = Resident(city, GRETA)
    t = translator("de")
    await _onboard(greta, "Hallo", "Deutsch", "de")
    await greta.choose(t._("Ask for help"))
    await greta.choose(t._("Ask for help"))
    await greta.choose(t._("Shopping and errands"))
    await greta.say("Ich brauche Hilfe beim Einkaufen")
    await greta.say("44147")
    await greta.choose(t._("⚡ As soon as possible"))
    if any(t._("Done") in text.text for text in greta.new):
        await greta.choose(t._("Done"))
    else:
        await greta.choose(t._("Only my language"))
    await greta.choose(t._("Send"))  # the code, then the request it sends
    await greta.say(_code(greta.new[0].text))
    user = await db.users.find("sms", GRETA)
    assert user is not None
    (request,) = await db.requests.for_requester(user.id)
    story = city.story
    await story.flush()
    post = story.received(GROUP)
    assert "💬 per SMS" in post and "📞" not in post, post

    await story.onboard("cora", "en")
    await grant_role_to(db, "cora", "coordinator")
    await greta.say_and_deliver("STOPP")
    await greta.say(_code(greta.new[0].text))
    assert await db.users.find("sms", GRETA) is not None
    texts_before = len(greta.texts)

    await story.in_group("cora", press(f"mod:ask:{request.id}"))
    answer = readable(texts(await story.text("cora", "Which shop, please?")))
    assert "sent STOP" in answer and "not sent" in answer, answer
    assert "Your question was sent" not in answer
    await city.flush()
    assert len(greta.texts) == texts_before
    # /pending lists it; its card, opened from the list, shows it on the post.
    listed = await story.in_group("cora", Command("pending", ""))
    assert f"mod:pc:{request.id}:1" in button_data(listed)
    pending = readable(texts(await story.in_group("cora", press(f"mod:pc:{request.id}:1"))))
    # Cora's list and card, answers to her in the group, read her language (English).
    assert "💬 by SMS · ⛔ texts stopped" in pending, pending

    await greta.say("START")
    await story.in_group("cora", press(f"mod:ask:{request.id}"))
    answer = readable(texts(await story.text("cora", "Which shop, please?")))
    assert "Your question was sent" in answer, answer
    await city.flush()
    assert "Which shop" in greta.texts[-1].text or "Laden" in greta.texts[-1].text


async def test_a_used_up_budget_stops_the_texts_and_tells_the_coordinators(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    greta = Resident(city, GRETA)
    await _onboard(greta, "Hallo", "Deutsch", "de")
    # Room for three more one-segment texts this month.
    budget = city.sms.budget
    spent = await budget.store.spent(month_of(datetime.now(UTC)))
    assert spent == sum(text.parts for text in greta.texts)
    budget.monthly = spent + 3
    onboarded = len(greta.texts)

    reminders = [f"Erinnerung {n}: Sprachcafe morgen um 17 Uhr" for n in range(1, 5)]
    queued = []
    for reminder in reminders:
        queued.append(await db.outbox.enqueue("sms", GRETA, encode(Message(reminder))))
        await city.flush()

    assert [t.text for t in greta.texts[onboarded:]] == reminders[:3]
    state = await db.outbox.state(queued[3])
    assert state is not None and state[1] is None and state[2] is not None  # given up
    notices = [str(m.text) for m in city.story.inbox[GROUP] if "📵" in str(getattr(m, "text", ""))]
    assert len(notices) == 2 and "80" in notices[0] and "80" not in notices[1], notices
    assert await budget.store.spent(month_of(datetime.now(UTC))) == budget.monthly
    # Her own texts get no answer either: the budget is the city's, for everything.
    await greta.say("Hilfe")
    assert greta.new == [] and city.gateway.sent[GRETA] == len(greta.texts)


STRANGERS_A = ("+4915100000001", "+4915100000002", "+4915100000003")
STRANGERS_B = ("+4916000000001", "+4916000000002")


def _notices(city: City) -> list[str]:
    return [str(m.text) for m in city.story.inbox[GROUP] if "📵" in str(getattr(m, "text", ""))]


async def test_one_number_or_a_crowd_cannot_spend_the_installations_month(
    make_city: Callable[..., object], db: Database
) -> None:
    """Issue 53, point 6, as it happened: STOP and START sent again and again, a crowd of
    strangers' "Hallo", a resident's own texts past her caps; and through all of it the
    code word and her helper's messages still reach her, from the month's reserve."""
    limits = Limits(new_numbers_day=4, new_numbers_prefix=2, reserve_percent=10)
    city: City = await make_city(limits)  # type: ignore[misc]
    budget, story = city.sms.budget, city.story
    now = datetime.now(UTC)
    budget.clock = lambda: now  # one hour and one day throughout
    budget.monthly = 1000  # the last 100 of them the reserve
    greta = Resident(city, GRETA)
    await _onboard(greta, "Hallo", "Deutsch", "de")  # today's first contact 1 of 4

    # Strangers: two of one prefix are answered, its third is not; one of another prefix
    # takes the day's last; after it nobody new is answered today, and gets no account -
    # only one text that says so (issue 77, point 8), and not another today.
    strangers = (*STRANGERS_A, *STRANGERS_B)
    for number, answered in zip(strangers, (1, 1, 0, 1, 0), strict=True):
        stranger = Resident(city, number)
        await stranger.say("Hallo")
        assert stranger.new, number
        assert (await db.users.find("sms", number) is not None) == bool(answered), number
        if not answered:
            assert len(stranger.new) == 1, number
            await stranger.say("Hallo?")
            assert stranger.new == [], number
    # A STOP from a number never texted is kept; it would be answered as a first contact,
    # and today has no room for one (issue 62, point 5: test_forged_senders.py).
    stranger = Resident(city, STRANGERS_A[2])
    await stranger.say("STOP")
    assert stranger.new == [] and await city.sms.store.stopped(STRANGERS_A[2])
    state = await budget.state()
    assert (state.new_numbers, state.new_numbers_refused, state.new_numbers_cap) == (4, 5, 4)

    # STOP and START again and again: each is confirmed once a day, nothing more.
    before = len(greta.texts)
    for word in ("STOP", "START") * 3:
        await greta.say(word)
    told = [text.text for text in greta.texts[before:]]
    assert len(told) == 2 and "START" in told[0] and "STOP" in told[1], told
    assert not await city.sms.store.stopped(GRETA)

    # Her help is under way: a volunteer took her request. Meanwhile everything but the
    # reserve of the month is spent.
    vera = await register_volunteer(story, db, "vera")
    await db.volunteers.verify(vera, vera)
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    user = await db.users.find("sms", GRETA)
    assert user is not None
    month = month_of(now)
    spent = await budget.store.spent(month)
    assert await budget.store.spend(month, 900 - spent, 900)
    settings = city.story.dispatcher.settings
    request_id = await matched_through_lifecycle(db, settings, user.id, vera, cora)
    await city.flush()
    # The helper's name and the code word reach her from the reserve; the coordinators
    # learn that only the reserve is left.
    request = await db.requests.get(request_id)
    code = folded(door_codes_named(request.door_code, translator("de"), keep_picture=True))
    assert code in "\n".join(text.text for text in greta.texts)
    assert any("100" in notice and "1.000" in notice for notice in _notices(city))
    # Not so a notice to a number without help under way, nor an answer to Greta's text.
    queued = await db.outbox.enqueue("sms", STRANGERS_A[0], encode(Message("Erinnerung")))
    await city.flush()
    state = await db.outbox.state(queued)
    assert state is not None and state[2]  # given up
    await greta.say("Danke!")
    assert greta.new == []

    # A new month's room, but Greta is at her texts for today: her own texts get no
    # answer; her helper's messages still come.
    budget.monthly = 10_000
    day = local_day(now)
    # (Without a cap nothing was counted: one text now, and the cap is what she had.)
    await budget.texts.count_text(GRETA, hour_of(now), day)
    _, sent_today = await budget.texts.sent_in(GRETA, hour_of(now), day)
    budget.limits = replace(limits, per_number_day=sent_today)
    # Her first text past it gets the one text that says when she is answered again
    # (test_capped_texter.py); her next ones nothing.
    await greta.say("Danke!")
    assert len(greta.new) == 1
    await greta.say("Danke!")
    assert greta.new == []
    before = len(greta.texts)
    await story.text("vera", "Ich komme um 10 Uhr.")
    await city.flush()
    assert "10 Uhr" in "\n".join(text.text for text in greta.texts[before:])


async def test_erasure_by_text_takes_the_code_sent_to_the_number(
    make_city: Callable[..., object], db: Database
) -> None:
    """Issue 53, point 7: "/delete" and "yes" can come from anyone who forges the number;
    only the code the bot texted to it erases."""
    city: City = await make_city()  # type: ignore[misc]
    greta = Resident(city, GRETA)
    await _onboard(greta, "Hallo", "Deutsch", "de")
    # Something of hers beyond her consent (a person with nothing else is erased without a
    # code, issue 98 point 4): the number a helper's call rings her on.
    user = await db.users.find("sms", GRETA)
    assert user is not None
    await db.call_numbers.set(user.id, "+492311234567")
    await greta.say("/delete")
    await greta.choose("Ja, alles löschen")
    code = _code(greta.new[-1].text)
    assert await db.users.find("sms", GRETA) is not None
    # A wrong code erases nothing.
    wrong = other_code(code)
    await greta.say(wrong)
    assert await db.users.find("sms", GRETA) is not None
    await greta.say(code)
    assert await db.users.find("sms", GRETA) is None
    assert "gelöscht" in greta.new[-1].text
