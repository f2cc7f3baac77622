"""A person who blocks the bot on Telegram (Bot API ``my_chat_member``, the bot's status in
their private chat ``kicked``) has no chat the bot can write to: a volunteer who blocked it
is offered no request, instead of holding a place in every wave with offers that fail with
403; their next message gives the chat back. The offers they had are "not this time" at
once, so the next wave does not wait for its time-out. One who blocked it before the bot
asked for those updates (or deleted their account) is found by the first send Telegram
refuses with 403: sent once, never again, and the same follows. One who never started the
chat (403 "can't initiate conversation") is no block: the coordinators are told once. Real
python-telegram-bot against the fake Bot API server, the outbox worker delivering."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping import lifecycle
from handlers.settings import HandlerSettings, OfferRules
from locales import translator
from tests.support.channels import channels
from tests.support.clock import Clock, daytime
from tests.support.fake_telegram import Call, FakeTelegram
from tests.support.telegram_wiring import (
    TELEGRAM_GROUP,
    in_review,
    telegram_volunteer,
    telegram_with_worker,
)

VERA, VLAD = 2001, 2002


def _bot_status(fake: FakeTelegram, user_id: int, old: str, new: str) -> int:
    """The update Telegram sends when ``user_id`` blocks (``kicked``) or restarts
    (``member``) the bot in their private chat; its id."""
    bot: dict[str, Any] = {"id": 42, "is_bot": True, "first_name": "Nachbarbot"}
    return fake.inject(
        {
            "my_chat_member": {
                "chat": {"id": user_id, "type": "private", "first_name": "Vlad"},
                "from": fake.user(user_id),
                "date": 1_764_000_000,
                "old_chat_member": {"status": old, "user": bot},
                "new_chat_member": {"status": new, "user": bot, "until_date": 0},
            }
        }
    )


async def test_a_volunteer_who_blocked_the_bot_is_offered_nothing(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names.update({VERA: "Vera", VLAD: "Vlad"})
    await telegram_volunteer(db, VERA, "Vera")
    vlad = await telegram_volunteer(db, VLAD, "Vlad")
    blocked = _bot_status(fake, VLAD, "member", "kicked")
    await _handled(fake, blocked)

    post, request_id = await in_review(fake, db, "Amira", "de", "Ich brauche Hilfe beim Tragen")
    mark = len(fake.calls)
    fake.press(3001, f"mod:ok:{request_id}", post)
    await fake.wait_for("sendMessage", lambda c: "mt:acc" in str(c.params), chat_id=VERA)
    await fake.settle()
    assert not [c for c in fake.calls[mark:] if str(c.params.get("chat_id")) == str(VLAD)]
    assert not await db.volunteers.was_offered(request_id, vlad)

    # Vlad writes again (Telegram's "Restart" sends /start): his chat is back.
    mark = len(fake.calls)
    fake.send_text(VLAD, "/start")
    await fake.wait_for("sendMessage", after=mark, chat_id=VLAD)
    user = await db.users.get(vlad)
    assert user is not None and user.chat_id == str(VLAD)


async def _handled(fake: FakeTelegram, update_id: int) -> None:
    """Until the bot confirmed ``update_id``, which it does once it handled it (a guard of
    a minute against a hang, never a measure)."""
    for _ in range(3000):
        if update_id not in fake.unconfirmed():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"update {update_id} never handled")


@pytest.fixture
async def one_by_one(fake_telegram: FakeTelegram, db: Database) -> AsyncIterator[None]:
    """Telegram with the outbox worker, the coordinators' group its backchannel, each wave
    of offers one volunteer, at ten in the morning (the evening's rules never apply)."""
    one = replace(OfferRules(), wave_min=1, wave_max=1, wave_max_later=1, urgent_wave_max=1)
    settings = HandlerSettings(
        backchannels=frozenset({("telegram", str(TELEGRAM_GROUP))}),
        channels=channels(),
        offer_rules=one,
        clock=Clock(daytime(10)),
    )
    async with telegram_with_worker(fake_telegram, db, settings):
        yield


def _offer(call: Call) -> bool:
    return "mt:acc" in str(call.params)


async def test_the_next_wave_goes_at_once_when_the_offered_volunteer_blocks_the_bot(
    fake_telegram: FakeTelegram, one_by_one: None, db: Database
):
    fake = fake_telegram
    fake.names.update({VERA: "Vera", VLAD: "Vlad"})
    chats = {await telegram_volunteer(db, VERA, "Vera"): VERA}
    chats[await telegram_volunteer(db, VLAD, "Vlad")] = VLAD
    post, request_id = await in_review(fake, db, "Amira", "de", "Ich brauche Hilfe beim Tragen")
    mark = len(fake.calls)
    fake.press(3001, f"mod:ok:{request_id}", post)
    first = int((await fake.wait_for("sendMessage", _offer, after=mark)).params["chat_id"])
    other = VLAD if first == VERA else VERA

    mark = len(fake.calls)
    await _handled(fake, _bot_status(fake, first, "member", "kicked"))
    # Handled: the offer counts as "not this time", and the next wave went with it.
    asked = {chats[who]: no for who, _, no, _ in await db.volunteers.asked(request_id)}
    assert asked == {first: True, other: False}
    await fake.wait_for("sendMessage", _offer, after=mark, chat_id=other)


async def _first_offer_refused(
    fake: FakeTelegram, db: Database, refusal: str
) -> tuple[dict[int, int], int, int, list[str]]:
    """Vera and Vlad volunteers, Amira's request published by Cora, and Telegram refusing
    with ``refusal`` every send to whoever is offered it first, from that offer on: the
    volunteers' user ids by chat, the request's id, the calls' mark before the press, and
    (once offered) the refused chat."""
    fake.names.update({VERA: "Vera", VLAD: "Vlad"})
    ids = {VERA: await telegram_volunteer(db, VERA, "Vera")}
    ids[VLAD] = await telegram_volunteer(db, VLAD, "Vlad")
    post, request_id = await in_review(fake, db, "Amira", "de", "Ich brauche Hilfe beim Tragen")
    first: list[str] = []

    async def refused_from_the_offer(call: Call) -> None:
        if call.method == "sendMessage" and _offer(call) and not first:
            first.append(str(call.params["chat_id"]))
            fake.closed_chats[first[0]] = refusal

    fake.hold = refused_from_the_offer
    mark = len(fake.calls)
    fake.press(3001, f"mod:ok:{request_id}", post)
    return ids, request_id, mark, first


@pytest.mark.parametrize(
    "refusal", ["Forbidden: bot was blocked by the user", "Forbidden: user is deactivated"]
)
async def test_a_volunteer_found_closed_by_a_refused_send_is_passed_over_at_once(
    fake_telegram: FakeTelegram, one_by_one: None, db: Database, refusal: str
):
    fake = fake_telegram
    # Whoever is offered it first closed their chat before the bot heard of blocks: no
    # my_chat_member update came, only Telegram's 403 to the offer says it.
    ids, request_id, mark, first = await _first_offer_refused(fake, db, refusal)
    offered = await fake.wait_for("sendMessage", _offer, after=mark)
    other = VLAD if int(offered.params["chat_id"]) == VERA else VERA
    await fake.wait_for("sendMessage", _offer, after=mark, chat_id=other)

    closed = int(first[0])
    user = await db.users.get(ids[closed])
    assert user is not None and user.chat_id == ""
    offers = {who: (outbox_id, no) for who, outbox_id, no in await db.volunteers.offers(request_id)}
    assert {who: no for who, (_, no) in offers.items()} == {ids[closed]: True, ids[other]: False}
    # Tried once and given up (not to be tried again), before the next wave went.
    state = await db.outbox.state(offers[ids[closed]][0])
    assert state is not None and state[2]
    assert len(fake.calls_to("sendMessage", chat_id=closed)) == 1


NEVER_STARTED = "Forbidden: bot can't initiate conversation with a user"


def _cannot_write(call: Call) -> bool:
    """The coordinators' notice that the bot cannot write to someone."""
    return call.params.get("text", "").startswith("📭")


async def test_a_person_who_never_started_the_chat_is_named_to_the_coordinators_once(
    fake_telegram: FakeTelegram, one_by_one: None, db: Database
):
    """Telegram's 403 for a chat never started (a token changed, a chat from another bot)
    is no block: the volunteer keeps their chat and their offer (nothing is handed back or
    declined for them), but the coordinators learn once that the bot cannot write to them,
    however many sends fail after it."""
    fake = fake_telegram
    ids, request_id, mark, first = await _first_offer_refused(fake, db, NEVER_STARTED)
    await fake.wait_for("sendMessage", _cannot_write, after=mark, chat_id=TELEGRAM_GROUP)
    unstarted = int(first[0])
    person = await db.users.get(ids[unstarted])
    assert person is not None and person.chat_id == str(unstarted)
    # Their offer stands, unanswered: nothing was declined or handed on in their name.
    asked = {who: no for who, _, no, _ in await db.volunteers.asked(request_id)}
    assert asked == {ids[unstarted]: False}

    # Another message for them is refused too: sent once, and no second notice.
    async with db.transaction():
        await db.outbox.enqueue(
            "telegram",
            str(unstarted),
            {"type": "Message", "text": "Hallo"},
            recipient_id=ids[unstarted],
        )
    sent = len(fake.calls_to("sendMessage", chat_id=unstarted))
    for _ in range(3000):  # a guard of a minute against a hang, never a measure
        if len(fake.calls_to("sendMessage", chat_id=unstarted)) > sent:
            break
        await asyncio.sleep(0.02)
    await fake.settle()
    notices = [c for c in fake.calls[mark:] if c.method == "sendMessage" and _cannot_write(c)]
    assert len(notices) == 1, notices
    assert str(ids[unstarted]) in notices[0].params["text"]


async def test_a_helper_who_blocks_the_bot_hands_the_request_back_once(
    fake_telegram: FakeTelegram, one_by_one: None, db: Database
):
    """The helper of a taken request blocks the bot: the requester reads, in her language,
    that her helper cannot be reached and that the bot looks for someone else; the group
    reads why; the other volunteer is offered it. Blocking again changes nothing."""
    fake = fake_telegram
    fake.names.update({VERA: "Vera", VLAD: "Vlad"})
    await telegram_volunteer(db, VERA, "Vera")
    await telegram_volunteer(db, VLAD, "Vlad")
    post, request_id = await in_review(fake, db, "Amira", "de", "Ich brauche Hilfe beim Tragen")
    mark = len(fake.calls)
    fake.press(3001, f"mod:ok:{request_id}", post)
    offer = await fake.wait_for("sendMessage", _offer, after=mark)
    helper = int(offer.params["chat_id"])
    other = VLAD if helper == VERA else VERA
    mark = len(fake.calls)
    fake.press(helper, f"mt:acc:{request_id}", offer)
    await fake.wait_for(
        "sendMessage", lambda c: fake.names[helper] in c.text, after=mark, chat_id=1001
    )

    de = translator("de")
    gone = str(de.t(lifecycle.HELPER_GONE, id=request_id))
    reason = de._(lifecycle.FORCED_HAND_BACK[lifecycle.BY_UNREACHABLE])
    mark = len(fake.calls)
    await _handled(fake, _bot_status(fake, helper, "member", "kicked"))
    await fake.wait_for("sendMessage", lambda c: gone in c.text, after=mark, chat_id=1001)
    await fake.wait_for(
        "sendMessage", lambda c: reason in c.text, after=mark, chat_id=TELEGRAM_GROUP
    )
    await fake.wait_for("sendMessage", _offer, after=mark, chat_id=other)
    request = await db.requests.get(request_id)
    assert request is not None and request.state == "open" and request.volunteer_id is None

    await _handled(fake, _bot_status(fake, helper, "kicked", "kicked"))
    await fake.settle()
    told = [c for c in fake.calls[mark:] if c.method == "sendMessage" and gone in c.text]
    assert len(told) == 1
    lines = [c for c in fake.calls[mark:] if c.method == "sendMessage" and reason in c.text]
    assert len(lines) == 1
    # Never offered to them again (what the match queued for them may still be on its way).
    assert not [c for c in fake.calls_to("sendMessage", chat_id=helper)[1:] if _offer(c)]
