"""A coordinators' group that is a forum (topics on): the bot answers a command or a press
in the topic it came from (Bot API: ``message_thread_id`` where ``is_topic_message``), a
command in the General topic in the General topic, and posts its own notices - review
posts, alerts - in the topic the operator configured (``telegram.backchannel_topic``; 0:
the General topic), or in the General topic when that topic was deleted. Real
python-telegram-bot against the fake Bot API server, which refuses a topic that is not
there as Telegram does."""

from __future__ import annotations

from typing import Any

import pytest

from db import Database
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.channels import channels
from tests.support.fake_telegram import Call, FakeTelegram
from tests.support.telegram_wiring import (
    TELEGRAM_GROUP,
    in_review,
    request_on_telegram,
    telegram_with_worker,
)

VERIFY_USAGE = "Please name the number of a registered volunteer, for example: /verify 17"
GROUP = str(TELEGRAM_GROUP)
COORDINATORS_TOPIC = 9
OTHER_TOPIC = 7


def in_topic(topic: int | None) -> dict[str, Any]:
    """A group message's fields for ``topic`` (None: the General topic)."""
    return {} if topic is None else {"message_thread_id": topic, "is_topic_message": True}


def topic_of(call: Call) -> int | None:
    topic = call.params.get("message_thread_id")
    return None if topic is None else int(topic)


@pytest.fixture
def settings() -> HandlerSettings:
    # Two requests in a row: a new account's wait between them is not this test's subject.
    return HandlerSettings(
        backchannels=frozenset({("telegram", GROUP)}),
        channels=channels(),
        new_user_cooldown_minutes=0,
    )


async def test_answers_go_to_the_topic_and_notices_to_the_configured_one(
    fake_telegram: FakeTelegram, db: Database, settings: HandlerSettings
):
    fake = fake_telegram
    fake.forums[GROUP] = {OTHER_TOPIC, COORDINATORS_TOPIC}
    usage = translator("de").t(VERIFY_USAGE)
    async with telegram_with_worker(fake, db, settings, backchannel_topic=COORDINATORS_TOPIC):
        post, request_id = await in_review(fake, db, "Amira", "de", "Bitte beim Einkaufen helfen")
        assert topic_of(post) == COORDINATORS_TOPIC  # the bot's own post: the configured topic

        for topic in (OTHER_TOPIC, None):
            mark = len(fake.calls)
            fake.send_text(
                3001, "/verify", chat_type="supergroup", chat_id=TELEGRAM_GROUP, **in_topic(topic)
            )
            said = await fake.wait_for("sendMessage", lambda c: c.text == usage, after=mark)
            assert topic_of(said) == topic, said.params

        # A press on a message in another topic: what it sends anew goes there (here the
        # post itself, as Telegram refuses to edit it).
        pressed = Call("sendMessage", post.params, {**post.result, **in_topic(OTHER_TOPIC)})
        fake.failures["editMessageText"] = [400]
        mark = len(fake.calls)
        fake.press(3001, f"mod:ok:{request_id}", pressed)
        anew = await fake.wait_for("sendMessage", after=mark, chat_id=TELEGRAM_GROUP)
        assert topic_of(anew) == OTHER_TOPIC, anew.params

        # The configured topic was deleted: the next post goes to the General topic.
        fake.forums[GROUP] = {OTHER_TOPIC}
        mark = len(fake.calls)
        await request_on_telegram(fake, 1001, "Und bitte Brot mitbringen")
        second = await fake.wait_for(
            "sendMessage",
            lambda c: "mod:ok" in str(c.params) and c.result is not None,
            after=mark,
            chat_id=TELEGRAM_GROUP,
        )
        assert topic_of(second) is None, second.params
