"""A volunteer registering to help "around a place" who types her postcode instead of
sharing her location (a black-box pass as a Turkish volunteer): the step takes it, as the
own point does, and asks how far. Before, "44137" got the question again - and a location
outside the city was answered "share a location in Dortmund or write a district name",
which the step never took. And a refusal at a step that asks for a location asks for it
again: before, the first text the step could not use took Telegram's "📍 Share my location"
keyboard away (a message without it removes it), at the request's "where?" too. Real
python-telegram-bot against the fake Bot API server, which keeps the reply keyboard each chat
shows (handlers/helping/volunteers.py, handlers/router.py ``located``)."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from db import Database
from handlers.helping.volunteers import NO_POSTCODE
from locales import translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import telegram_person

VERA = 2001


def _shows_location_button(fake: FakeTelegram, chat: int) -> bool:
    return any(
        b.get("request_location") for row in fake.reply_keyboards.get(str(chat), []) for b in row
    )


async def _step(fake: FakeTelegram, data: str = "", text: str = "", aside: bool = False) -> str:
    """Press ``data`` or send ``text``; wait for the answer (with ``aside``, for its last
    message, the "👇 Or without a location:" line of a location request): all it said."""
    mark = len(fake.calls)
    if data:
        fake.press(VERA, data)
    else:
        fake.send_text(VERA, text)
    wanted = (lambda c: "👇" in c.text) if aside else (lambda c: True)
    await fake.wait_for("sendMessage", wanted, after=mark, chat_id=VERA)
    return "\n".join(
        c.text
        for c in fake.calls[mark:]
        if c.method == "sendMessage" and c.params["chat_id"] == str(VERA)
    )


async def test_a_postcode_is_the_place_to_help_around(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    await telegram_person(db, VERA, "Vera", "tr")
    for data in ("menu:volunteer", "vo:reg"):
        await _step(fake, data)
    await _step(fake, "vo:around", aside=True)
    assert _shows_location_button(fake, VERA)

    # Not a postcode: refused, saying what it takes, the location button still there.
    refused = await _step(fake, text="Bahnhof", aside=True)
    assert translator("tr").t(NO_POSTCODE, city="Dortmund") in refused
    assert _shows_location_button(fake, VERA)
    user = await db.users.find("telegram", str(VERA))
    assert (await db.users.get_state(user.id)).state == "vol.around"

    # Her postcode: the step is answered; how far from there?
    mark = len(fake.calls)
    fake.send_text(VERA, "44137")
    await fake.wait_for("sendMessage", lambda c: "vo:r:2000" in str(c.params), after=mark)
    state = await db.users.get_state(user.id)
    assert state.state == "vol.radius"
    assert state.data["profile"]["lat"] is not None and not state.data["profile"]["stadtbezirke"]


async def test_a_place_not_found_at_where_keeps_the_location_button(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    await telegram_person(db, VERA, "Vera", "tr")
    await _step(fake, "hr:new")
    await _step(fake, "hr:cat:shopping")
    await _step(fake, text="Alışverişte yardıma ihtiyacım var", aside=True)
    assert _shows_location_button(fake, VERA)
    await _step(fake, text="Xyzabc", aside=True)
    user = await db.users.find("telegram", str(VERA))
    assert (await db.users.get_state(user.id)).state == "request.where"
    assert _shows_location_button(fake, VERA)


async def test_a_district_written_is_ticked(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, db: Database
):
    # "Hörde" written at "Where can you help? Choose one or more districts" instead of
    # tapped: it got "please choose one of the options above". Now it is ticked (a part of a
    # district, or a postcode, ticks its district), a name written again unticks nothing,
    # and a word no district has is refused, nothing ticked.
    fake = fake_telegram
    await telegram_person(db, VERA, "Vera", "tr")
    for data in ("menu:volunteer", "vo:reg"):
        await _step(fake, data)
    user = await db.users.find("telegram", str(VERA))
    assert user is not None

    async def ticked() -> list[str]:
        state = await db.users.get_state(user.id)
        assert state.state == "vol.area"
        return list(state.data["profile"].get("stadtbezirke") or [])

    for written, districts in (
        ("Hörde", ["Hörde"]),
        ("Nordstadt", ["Hörde", "Innenstadt-Nord"]),
        ("hörde", ["Hörde", "Innenstadt-Nord"]),
        ("Xyzabc", ["Hörde", "Innenstadt-Nord"]),
    ):
        mark = len(fake.calls)
        fake.send_text(VERA, written)
        shown = await fake.wait_for(
            "sendMessage", lambda c: "vo:area-done" in str(c.params), after=mark, chat_id=VERA
        )
        assert sorted(await ticked()) == districts, written
        labels = " ".join(b["text"] for row in shown.buttons for b in row)
        assert all(f"✅ {name}" in labels for name in districts), labels
