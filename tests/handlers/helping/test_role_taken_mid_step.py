"""A coordinator whose role is taken away while they write (a reason, a corrected text, a
question, a summary, a letter to a volunteer - each asked for in their private chat after
the press in the group) is refused when the text comes, at the moment of acting, and told
the truth: only coordinators may do this - not that the request "can no longer be changed",
which it can, by a coordinator. Nothing changes, nothing reaches anyone. On Telegram: real
python-telegram-bot against the fake Bot API server."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping.refused import CANNOT_CHANGE
from handlers.staff import COORDINATOR, ROLE_REFUSALS
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.memory_transport import readable
from tests.support.telegram_wiring import telegram_person, telegram_volunteer

RESIDENT, VOLUNTEER, CORA = 1001, 2001, 3001
TEXT = "Bitte beim Einkauf am Dienstag helfen"


async def _refused_after(fake: FakeTelegram, db: Database, cora: int, press: str) -> str:
    """Cora presses ``press``, is asked for her text privately, loses the role, sends it:
    what she is told."""
    mark = len(fake.calls)
    fake.press(CORA, press)
    await fake.wait_for("sendMessage", after=mark, chat_id=CORA)
    await db.users.revoke_role(cora, COORDINATOR)
    mark = len(fake.calls)
    fake.send_text(CORA, "Zanzibar: so nicht, bitte anders")
    answer = await fake.wait_for("sendMessage", after=mark, chat_id=CORA)
    await db.users.grant_role(cora, COORDINATOR)
    return readable(answer.text)


async def test_a_role_taken_away_mid_step_is_said_and_changes_nothing(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names.update({RESIDENT: "Amira", VOLUNTEER: "Vera", CORA: "Cora"})
    amira = await telegram_person(db, RESIDENT, "Amira", "de")
    vera = await telegram_volunteer(db, VOLUNTEER, "Vera")
    cora = await telegram_person(db, CORA, "Cora", "de", COORDINATOR)
    request = await db.requests.create(amira, amira, category="shopping", description=TEXT)
    t = translator("de")
    refused = readable(str(t.t(ROLE_REFUSALS[COORDINATOR])))
    for action in ("why", "ed", "ask", "sum"):
        said = await _refused_after(fake, db, cora, f"mod:{action}:{request.id}")
        assert refused in said, (action, said)
        assert readable(str(t.t(CANNOT_CHANGE))) not in said, (action, said)
        kept = await db.requests.get(request.id)
        assert kept.state == "review" and kept.description == TEXT and not kept.summary
        assert await db.users.get_state(cora) is None
    said = await _refused_after(fake, db, cora, f"wr:to:{vera}")
    assert refused in said, said
    await fake.settle()
    assert not fake.calls_to("sendMessage", chat_id=RESIDENT)
    assert not fake.calls_to("sendMessage", chat_id=VOLUNTEER)


async def test_a_role_taken_away_while_entering_a_request_is_said(story, db: Database):
    """/enter's form, filled for a resident on the phone; the role goes before *Send*: the
    coordinator is told only coordinators may do this (not "this button is no longer
    valid"), and no request is made."""
    from tests.support.help_story import entered_for_a_resident, grant_role_to
    from tests.support.memory_transport import texts

    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", COORDINATOR)
    await entered_for_a_resident(story, "cora")
    await db.users.revoke_role(cora, COORDINATOR)
    said = readable(texts(await story.press("cora", "hr:send")))
    assert readable(str(translator("de").t(ROLE_REFUSALS[COORDINATOR]))) in said, said
    assert await db.requests.get(1) is None
