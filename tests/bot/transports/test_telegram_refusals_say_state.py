"""A coordinator's action refused in the chat because the request had moved on says what
the request is now, as the desk does (``Refused.with_state``, handlers/helping/refused.py):
/reject on a request someone else just published, /offer on one that was not published,
a press on the review post of a request its requester withdrew meanwhile. Before, the chat
said only that someone decided, or that it can no longer be changed - and the coordinator
had to look the request up to know what happened. Nothing changes in either case.
Real python-telegram-bot against the fake Bot API server, the outbox worker delivering."""

from __future__ import annotations

import pytest

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping.vocabulary import STATE_LABELS
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import TELEGRAM_GROUP, in_review, telegram_person

DE = translator("de")


async def _with_dora(fake: FakeTelegram, db: Database) -> tuple[object, int]:
    """Amira's request in review, and a second coordinator, Dora (3002)."""
    fake.names[3002] = "Dora"
    await telegram_person(db, 3002, "Dora", "de", "coordinator")
    return await in_review(fake, db, "Amira", "de", "Ich brauche Hilfe beim Einkaufen")


async def _in_group(fake: FakeTelegram, uid: int, command: str) -> str:
    """``command`` sent by ``uid`` in the coordinators' group: the bot's answer there."""
    mark = len(fake.calls)
    fake.send_text(uid, command, chat_type="supergroup", chat_id=TELEGRAM_GROUP)
    answer = await fake.wait_for("sendMessage", after=mark, chat_id=TELEGRAM_GROUP)
    return answer.text


@pytest.mark.parametrize(
    ("first", "then", "now"),
    [
        # /reject on a request Cora has just published: it is published.
        ("/publish {id}", "/reject {id} scope", "open"),
        # /offer on a request Cora did not publish: it is not published.
        ("/reject {id} scope", "/offer {id}", "rejected"),
    ],
)
async def test_a_command_on_a_request_someone_decided_says_what_it_is_now(
    fake_telegram: FakeTelegram,
    telegram_group_bot: TelegramTransport,
    db: Database,
    first: str,
    then: str,
    now: str,
):
    fake = fake_telegram
    _post, request_id = await _with_dora(fake, db)
    said = await _in_group(fake, 3001, first.format(id=request_id))
    assert (await db.requests.get(request_id)).state == now, said

    said = await _in_group(fake, 3002, then.format(id=request_id))
    assert DE._(STATE_LABELS[now]) in said, said
    assert (await db.requests.get(request_id)).state == now


async def test_a_press_on_a_request_withdrawn_meanwhile_says_it_is_withdrawn(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    post, request_id = await _with_dora(fake, db)
    amira = await db.users.find("telegram", "1001")
    assert amira is not None
    await db.requests.transition(request_id, "withdrawn", amira.id, expect=("review",))

    # Dora still has the review post with its buttons: she asks the requester a question.
    mark = len(fake.calls)
    fake.press(3002, f"mod:ask:{request_id}", post)
    toast = await fake.wait_for("answerCallbackQuery", after=mark)
    assert DE._(STATE_LABELS["withdrawn"]) in str(toast.params.get("text")), toast.params
    assert (await db.users.get_state((await db.users.find("telegram", "3002")).id)) is None
