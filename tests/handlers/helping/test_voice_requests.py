"""Voice is a first-class request, and coordinators write to volunteers (issue 14), on
Telegram: real python-telegram-bot against the fake Bot API server, the outbox worker.

A voice request's offer is text only - the coordinators' summary and a line saying it was
spoken - and its voice goes to the helper who took it, nobody else (issue 64, point 2: the
notice promises that only the coordinators and the helper hear it)."""

from __future__ import annotations

import pytest

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers import build_router
from handlers.helping.render import NO_SUMMARY
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.memory_transport import readable
from tests.support.telegram_wiring import (
    TELEGRAM_GROUP,
    telegram_person,
    telegram_volunteer,
)

GROUP = TELEGRAM_GROUP
RESIDENT, VOLUNTEER, COORDINATOR, MEMBER = 1001, 2001, 3001, 4001
OTHER_VOLUNTEER = 2002
OGG = b"OggS\x00\x02" + bytes(range(256)) * 4


async def _people(fake: FakeTelegram, db: Database) -> dict[str, int]:
    fake.names.update({RESIDENT: "Amira", VOLUNTEER: "Vera", COORDINATOR: "Cora", MEMBER: "Nico"})
    return {
        "amira": await telegram_person(db, RESIDENT, "Amira", "ar"),
        "vera": await telegram_volunteer(db, VOLUNTEER, "Vera"),
        "cora": await telegram_person(db, COORDINATOR, "Cora", "de", "coordinator"),
        "nico": await telegram_person(db, MEMBER, "Nico", "de"),
    }


def _in_group(fake: FakeTelegram, user_id: int, text: str) -> None:
    fake.send_text(user_id, text, chat_type="supergroup", chat_id=GROUP)


async def _ask_by_voice(fake: FakeTelegram) -> str:
    """Amira asks for help with a voice message; its file id."""
    for data in ("hr:new", "hr:cat:shopping"):
        mark = len(fake.calls)
        fake.press(RESIDENT, data)
        await fake.wait_for("sendMessage", after=mark, chat_id=RESIDENT)
    mark = len(fake.calls)
    file_id = fake.send_voice(RESIDENT, OGG, duration=4)
    await fake.wait_for("sendMessage", after=mark, chat_id=RESIDENT)
    mark = len(fake.calls)
    fake.send_message(RESIDENT, location={"latitude": 51.523, "longitude": 7.456})
    await fake.wait_for("sendMessage", after=mark, chat_id=RESIDENT)
    for data in ("hr:when:asap", "hr:langs-done", "hr:send"):
        mark = len(fake.calls)
        fake.press(RESIDENT, data)
        await fake.wait_for("sendMessage", after=mark, chat_id=RESIDENT)
    return file_id


async def test_a_voice_request_is_heard_summarised_offered_as_text_and_given_to_its_helper(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    people = await _people(fake, db)
    fake.names[OTHER_VOLUNTEER] = "Walter"
    await telegram_volunteer(db, OTHER_VOLUNTEER, "Walter")
    file_id = await _ask_by_voice(fake)

    # The review post, and right after it the voice itself, sent again by its file id.
    post = await fake.wait_for("sendMessage", lambda c: "mod:ok" in str(c.params), chat_id=GROUP)
    request_id = int(post.button_data("✅").split(":")[2])
    voice = await fake.wait_for("sendVoice", chat_id=GROUP)
    assert voice.params["voice"] == file_id
    assert fake.calls.index(voice) > fake.calls.index(post)
    assert f"#{request_id}" in voice.text
    await fake.settle()
    assert await db.outbox.pending() == 0

    # Somebody in the group without the role: no summary step.
    mark = len(fake.calls)
    fake.press(MEMBER, post.button_data("📝"), post)
    await fake.wait_for("answerCallbackQuery", after=mark)
    assert await db.users.get_state(people["nico"]) is None

    # Volunteers will not hear the voice: the post says a summary is missing.
    no_summary = translator("de").gettext(NO_SUMMARY)
    assert no_summary in post.text

    # Cora writes a summary in her private chat; the post shows it, and no more warning.
    mark = len(fake.calls)
    fake.press(COORDINATOR, post.button_data("📝"), post)
    await fake.wait_for("sendMessage", lambda c: "📝" in c.text, after=mark, chat_id=COORDINATOR)
    mark = len(fake.calls)
    fake.send_text(COORDINATOR, "Zwei Wasserkisten aus dem Supermarkt holen, 3. Stock")
    await fake.wait_for("sendMessage", after=mark, chat_id=COORDINATOR)
    edited = await fake.wait_for("editMessageText", after=mark, chat_id=GROUP)
    assert "Wasserkisten" in edited.text and "mod:ok" in str(edited.params)
    assert no_summary not in edited.text
    assert (await db.requests.get(request_id)).summary.startswith("Zwei Wasserkisten")

    # Published: both volunteers' offers carry the summary and say the request was spoken;
    # no offer carries the voice (everything queued is delivered before anyone takes it).
    mark = len(fake.calls)
    fake.press(COORDINATOR, f"mod:ok:{request_id}", post)
    offers = {}
    for volunteer in (VOLUNTEER, OTHER_VOLUNTEER):
        offers[volunteer] = offer = await fake.wait_for(
            "sendMessage", lambda c: "mt:acc" in str(c.params), after=mark, chat_id=volunteer
        )
        assert "Wasserkisten" in readable(offer.text)
        assert "📝" in offer.text and "🎤" in offer.text
    await fake.settle()
    assert await db.outbox.pending() == 0
    assert not fake.calls_to("sendVoice", chat_id=VOLUNTEER)
    assert not fake.calls_to("sendVoice", chat_id=OTHER_VOLUNTEER)

    # Vera takes it: the voice is hers now, sent again by its file id; Walter never gets it.
    mark = len(fake.calls)
    fake.press(VOLUNTEER, f"mt:acc:{request_id}", offers[VOLUNTEER])
    given = await fake.wait_for("sendVoice", after=mark, chat_id=VOLUNTEER)
    assert given.params["voice"] == file_id
    assert f"#{request_id}" in given.text
    await fake.settle()
    assert await db.outbox.pending() == 0
    assert not fake.calls_to("sendVoice", chat_id=OTHER_VOLUNTEER)
    assert not fake.calls_to("sendVoice", chat_id=RESIDENT)


async def test_a_voice_in_the_relay_is_passed_on_by_file_id(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    people = await _people(fake, db)
    request = await db.requests.create(
        people["amira"], people["amira"], category="shopping", description="Wasserkisten tragen"
    )
    await db.requests.transition(request.id, "open", people["cora"])
    await db.requests.transition(request.id, "matched", people["vera"], volunteer_id=people["vera"])
    for who in ("amira", "vera"):
        await db.users.set_state(people[who], "relay", {"request_id": request.id})
    mark = len(fake.calls)
    file_id = fake.send_voice(VOLUNTEER, OGG, duration=7)
    relayed = await fake.wait_for("sendVoice", after=mark, chat_id=RESIDENT)
    assert relayed.params["voice"] == file_id
    assert "Vera" in relayed.text
    assert str(relayed.params.get("duration")) == "7"


async def test_coordinators_write_to_a_volunteer_and_hear_the_answer(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    people = await _people(fake, db)
    vera = people["vera"]

    # Not a coordinator: refused, nothing reaches Vera, no step begins.
    mark = len(fake.calls)
    _in_group(fake, MEMBER, f"/write {vera}")
    refusal = await fake.wait_for("sendMessage", after=mark, chat_id=GROUP)
    assert "⛔" in refusal.text
    await fake.settle()
    assert not fake.calls_to("sendMessage", chat_id=VOLUNTEER)
    assert await db.users.get_state(people["nico"]) is None
    # Pressing a forged ✉️ button does nothing either.
    mark = len(fake.calls)
    fake.press(MEMBER, f"wr:to:{vera}")
    await fake.wait_for("answerCallbackQuery", after=mark)
    assert await db.users.get_state(people["nico"]) is None

    # A number that is no volunteer gets the usage line.
    mark = len(fake.calls)
    _in_group(fake, COORDINATOR, f"/write {people['amira']}")
    usage = await fake.wait_for("sendMessage", after=mark, chat_id=GROUP)
    assert "/write 17" in usage.text

    # Cora writes; Vera reads it from "the coordinators", without Cora's name or number.
    mark = len(fake.calls)
    _in_group(fake, COORDINATOR, f"/write {vera}")
    await fake.wait_for("sendMessage", lambda c: "✉️" in c.text, after=mark, chat_id=COORDINATOR)
    mark = len(fake.calls)
    fake.send_text(COORDINATOR, "Hallo Vera, passt dir die Schulung am Montag um 10?")
    letter = await fake.wait_for("sendMessage", after=mark, chat_id=VOLUNTEER)
    assert "Schulung am Montag" in readable(letter.text)
    assert "Cora" not in letter.text and str(COORDINATOR) not in letter.text
    copy = await fake.wait_for(
        "sendMessage", lambda c: "Schulung" in c.text, after=mark, chat_id=GROUP
    )
    assert "Cora" in copy.text
    assert await db.users.get_state(people["cora"]) is None

    # Vera answers; the answer reaches the group.
    mark = len(fake.calls)
    fake.press(VOLUNTEER, letter.button_data("↩️"), letter)
    await fake.wait_for("sendMessage", after=mark, chat_id=VOLUNTEER)
    mark = len(fake.calls)
    fake.send_text(VOLUNTEER, "Ja, Montag passt gut.")
    answer = await fake.wait_for(
        "sendMessage", lambda c: "Montag passt" in c.text, after=mark, chat_id=GROUP
    )
    assert "Vera" in answer.text and f"{vera}" in answer.text
    assert await db.users.get_state(vera) is None

    # Someone the coordinators never wrote to cannot answer them.
    mark = len(fake.calls)
    fake.press(RESIDENT, "wr:ans")
    await fake.wait_for("answerCallbackQuery", after=mark)
    assert await db.users.get_state(people["amira"]) is None


async def test_answering_the_coordinators_keeps_a_running_contact(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    people = await _people(fake, db)
    vera = people["vera"]
    await db.users.set_state(vera, "relay", {"request_id": 99})
    # ✉️ on the notice about Vera does what /write does.
    mark = len(fake.calls)
    fake.press(COORDINATOR, f"wr:to:{vera}")
    await fake.wait_for("sendMessage", lambda c: "✉️" in c.text, after=mark, chat_id=COORDINATOR)
    mark = len(fake.calls)
    fake.send_text(COORDINATOR, "Kurze Frage")
    letter = await fake.wait_for("sendMessage", after=mark, chat_id=VOLUNTEER)
    mark = len(fake.calls)
    fake.press(VOLUNTEER, letter.button_data("↩️"), letter)
    await fake.wait_for("sendMessage", after=mark, chat_id=VOLUNTEER)
    mark = len(fake.calls)
    fake.send_text(VOLUNTEER, "Kurze Antwort")
    await fake.wait_for("sendMessage", lambda c: "Kurze Antwort" in c.text, chat_id=GROUP)
    state = await db.users.get_state(vera)
    assert state is not None and state.state == "relay" and state.data == {"request_id": 99}


async def test_only_coordinators_summarise_and_erasure_takes_the_summary(db: Database):
    from handlers.context import Backstage
    from handlers.helping import lifecycle
    from handlers.privacy import erase

    router = build_router()
    scene = Backstage(db, HandlerSettings())
    amira = await db.users.seen("telegram", "1", "1", "Amira")
    cora = await db.users.seen("telegram", "3", "3", "Cora")
    await db.users.grant_role(cora.id, "coordinator")
    cora = await db.users.get(cora.id)
    request = await db.requests.create(
        amira.id, amira.id, category="shopping", voice_file_id="v1", voice_platform="telegram"
    )
    with pytest.raises(lifecycle.Refused):
        await lifecycle.summarise(scene, amira, request.id, "mine")
    summarised = await lifecycle.summarise(scene, cora, request.id, " Tür 3b, Code 4711 \n")
    assert summarised.summary == "Tür 3b, Code 4711"
    # A changed request goes back to review without the summary of the old one.
    edited = await lifecycle.edit(scene, amira, request.id, {"when_text": "morgen"})
    assert edited.summary == ""
    await lifecycle.summarise(scene, cora, request.id, "Code 4711")
    async with db.transaction():
        await erase(scene, router, amira, "deleted")
    assert (await db.requests.get(request.id)).summary == ""
