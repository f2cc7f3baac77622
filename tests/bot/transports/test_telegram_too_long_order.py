"""What the length check (the dispatcher, ``Router.input_limits``) does not pre-empt, over
real python-telegram-bot against the fake Bot API (issue 77 follow-up, INPUT2).

- A newcomer whose first text is longer than the city's limit is welcomed as anyone whose
  first text is short (the first contact: language, privacy notice; her text quoted back, as
  any newcomer's first need is) - before, she was told
  her text was too long and that she was "still where she was", where she was nowhere yet.
- An edit of an earlier message is not for the step the person is at now (a written day,
  200 characters at most): it is held to the city's limit alone, and answered as edits are
  (they do not reach the bot here) - before, it was refused with the step's 200."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.dispatcher import TOO_LONG
from handlers.helping.requests_flow import STATE, WRITTEN_SHORT
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import telegram_person

LIMIT = 500  # the city's max_text_length in tests/conftest.py's dispatcher


def _too_long(text: str) -> bool:
    """Whether ``text`` is the length refusal, in any language."""
    head = {
        translator(lang).t(TOO_LONG, length=0, limit=0).split(":")[0]
        for lang in SUPPORTED_LANGUAGES
    }
    return any(text.startswith(h) for h in head)


async def test_a_newcomers_long_first_text_gets_the_first_contact(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    mark = len(fake.calls)
    fake.send_text(5101, "Hallo", language_code="de")
    short = await fake.wait_for("sendMessage", after=mark, chat_id=5101)

    mark = len(fake.calls)
    fake.send_text(5102, ("Ich brauche Hilfe beim Einkaufen. " * 20)[: LIMIT + 1], "de")
    long = await fake.wait_for("sendMessage", after=mark, chat_id=5102)
    assert not _too_long(long.text), long.text
    # The same first contact; since fba718b0 it opens by quoting back what she wrote (a
    # greeting alone is not quoted), so that she keeps it.
    assert long.text.endswith(short.text) and "Ich brauche Hilfe beim Einkaufen" in long.text
    assert long.params.get("reply_markup") == short.params.get("reply_markup")


async def test_an_edit_is_held_to_the_citys_limit_not_the_steps(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    uid = 5103
    person = await telegram_person(db, uid, "Rudi", "de")
    for data in ("hr:new", "hr:cat:shopping"):
        mark = len(fake.calls)
        fake.press(uid, data)
        await fake.wait_for("sendMessage", after=mark, chat_id=uid)
    mark = len(fake.calls)
    fake.send_text(uid, "Bitte Milch und Brot holen")
    await fake.wait_for("sendMessage", after=mark, chat_id=uid)
    mark = len(fake.calls)
    fake.send_text(uid, "44137")
    await fake.wait_for("sendMessage", after=mark, chat_id=uid)
    mark = len(fake.calls)
    fake.press(uid, "hr:when:date")
    # The days to choose from (the step's question, its buttons "hr:day:…").
    await fake.wait_for("sendMessage", lambda c: "hr:day:" in str(c.params), after=mark)
    before = await db.users.get_state(person)
    assert before is not None and before.state == STATE + "when_day"

    edited = ("Bitte Milch, Brot und Butter holen. " * 20)[: WRITTEN_SHORT + 100]
    mark = len(fake.calls)
    fake.edit_text(uid, _described(fake, uid), edited)
    answer = await fake.wait_for("sendMessage", after=mark, chat_id=uid)
    assert not _too_long(answer.text), answer.text
    after = await db.users.get_state(person)
    assert after is not None and (after.state, after.data) == (before.state, before.data)


def _described(fake: FakeTelegram, uid: int) -> int:
    """The id of the description ``uid`` sent (their first text in the chat)."""
    return min(
        mid
        for (chat, mid), m in fake.messages.items()
        if chat == str(uid) and m["from"].get("id") == uid and "text" in m
    )
