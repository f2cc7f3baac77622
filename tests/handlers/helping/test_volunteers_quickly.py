"""Volunteers, quickly (issue 79, point 5): a new volunteer answers at most six steps (the
rest optional, offered after the thanks and on the volunteer's page); each answer changes
on its own in at most three presses from the page, saved at once and without the thanks
for joining again; every optional step has a Skip that changes nothing - on Telegram too,
where the location keyboard (a reply keyboard, no callback data) cannot carry it."""

from __future__ import annotations

from typing import Any

from bot.transports.telegram import TelegramTransport
from db import Database
from tests.support.fake_telegram import Call, FakeTelegram
from tests.support.memory_transport import MemoryTransport, button_data
from tests.support.telegram_wiring import telegram_person

NEAR = (51.523412, 7.456789)


TICKS = ("vo:bz:", "vo:cat:", "vo:lang:")


async def walk(chat: MemoryTransport, name: str, moves: list[tuple[str, Any]]) -> int:
    """Presses, texts and locations from the volunteer button on; the number of steps
    asked (every move but a tick asks the next one, and the last one saves)."""
    await chat.onboard(name, "de")
    await chat.press(name, "menu:volunteer")
    steps = 0
    for kind, value in moves:
        if kind == "press":
            await chat.press(name, value)
        elif kind == "text":
            await chat.text(name, value)
        else:
            await chat.location(name, *value)
        ticked = kind == "press" and value.startswith(TICKS)
        steps += 0 if ticked else 1
    return steps - 1


async def test_a_new_volunteer_answers_at_most_six_steps(chat: MemoryTransport, db: Database):
    in_districts = [
        ("press", "vo:reg"),
        ("press", "vo:bz:Innenstadt-Nord"),
        ("press", "vo:area-done"),
        ("press", "vo:nopt"),
        ("press", "vo:cat:shopping"),
        ("press", "vo:cats-done"),
        ("press", "vo:lang:ar"),
        ("press", "vo:langs-done"),
        ("press", "vo:max:2"),
    ]
    assert await walk(chat, "vera", in_districts) <= 6
    vera = await db.volunteers.get((await db.users.find("memory", "vera")).id)
    assert vera is not None and vera.max_open == 2 and vera.languages == ("de", "ar")
    around = [
        ("press", "vo:reg"),
        ("press", "vo:around"),
        ("location", NEAR),
        ("press", "vo:r:2000"),
        ("press", "vo:cat:shopping"),
        ("press", "vo:cats-done"),
        ("press", "vo:langs-done"),
        ("press", "vo:max:1"),
    ]
    assert await walk(chat, "otto", around) <= 6
    otto = await db.volunteers.get((await db.users.find("memory", "otto")).id)
    assert otto is not None and otto.radius_m == 2000 and otto.max_open == 1


async def test_the_optional_answers_are_offered_after_the_thanks(
    chat: MemoryTransport, db: Database
):
    await chat.onboard("vera", "de")
    for data in ("menu:volunteer", "vo:reg", "vo:bz:Innenstadt-Nord", "vo:area-done"):
        await chat.press("vera", data)
    for data in ("vo:nopt", "vo:cat:shopping", "vo:cats-done", "vo:langs-done"):
        await chat.press("vera", data)
    saved = button_data(await chat.press("vera", "vo:max:2"))
    assert {"vo:ed:availability", "vo:ed:quiet", "vo:ed:evenings"} <= set(saved)
    out = await chat.press("vera", "vo:ed:availability")
    assert "vo:skip" in button_data(out)
    await chat.text("vera", "Dienstags vormittags")
    vera = await db.volunteers.get((await db.users.find("memory", "vera")).id)
    assert vera is not None and vera.availability == "Dienstags vormittags"


async def _registered(chat: MemoryTransport, db: Database, name: str) -> int:
    await chat.onboard(name, "de")
    for data in ("menu:volunteer", "vo:reg", "vo:bz:Innenstadt-Nord", "vo:area-done"):
        await chat.press(name, data)
    for data in ("vo:nopt", "vo:cat:shopping", "vo:cats-done", "vo:langs-done", "vo:max:2"):
        await chat.press(name, data)
    return (await db.users.find("memory", name)).id


# Each answer: its presses from the volunteer's page (typed or shared input in between),
# and what the profile holds afterwards.
CHANGES: list[tuple[list[tuple[str, Any]], str, Any]] = [
    ([("press", "vo:ed:max"), ("press", "vo:max:3")], "max_open", 3),
    (
        [("press", "vo:ed:categories"), ("press", "vo:cat:forms"), ("press", "vo:cats-done")],
        "categories",
        ("shopping", "forms"),
    ),
    (
        [("press", "vo:ed:languages"), ("press", "vo:lang:tr"), ("press", "vo:langs-done")],
        "languages",
        ("de", "tr"),
    ),
    (
        [("press", "vo:ed:area"), ("press", "vo:bz:Hörde"), ("press", "vo:area-done")],
        "stadtbezirke",
        ("Hörde", "Innenstadt-Nord"),
    ),
    ([("press", "vo:ed:quiet"), ("press", "vo:q:20-8")], "quiet_start", 20),
    ([("press", "vo:ed:evenings"), ("press", "vo:eve:0")], "evenings", False),
    ([("press", "vo:ed:availability"), ("text", "abends")], "availability", "abends"),
    ([("press", "vo:ed:point"), ("text", "44147")], "lat", "set"),
]


async def test_each_answer_changes_on_its_own_in_three_presses(chat: MemoryTransport, db: Database):
    vera = await _registered(chat, db, "vera")
    for moves, field, wanted in CHANGES:
        page = button_data(await chat.press("vera", "menu:volunteer"))
        assert moves[0][1] in page, field  # the answer's own button on the page
        before = await db.volunteers.get(vera)
        assert sum(1 for kind, _ in moves if kind == "press") <= 3
        for kind, value in moves:
            out = await (chat.press if kind == "press" else chat.text)("vera", value)
        after = await db.volunteers.get(vera)
        assert after is not None and before is not None
        got = getattr(after, field)
        assert (got is not None) if wanted == "set" else (got == wanted), (field, got)
        # Saved at once: the page again, not the next step nor the thanks for joining.
        shown = button_data(out)
        assert "vo:ed:area" in shown and "vo:ed:availability" in shown, field
        assert not any(d.startswith(("vo:cat:", "vo:lang:", "vo:max:", "vo:q:")) for d in shown)
        untouched = {"max_open", "quiet_start", "evenings", "availability"} - {field}
        assert all(getattr(after, f) == getattr(before, f) for f in untouched), field


async def test_around_a_place_changes_its_distance_alone(chat: MemoryTransport, db: Database):
    await chat.onboard("otto", "de")
    for data in ("menu:volunteer", "vo:reg", "vo:around"):
        await chat.press("otto", data)
    await chat.location("otto", *NEAR)
    for data in ("vo:r:2000", "vo:cat:shopping", "vo:cats-done", "vo:langs-done", "vo:max:1"):
        await chat.press("otto", data)
    otto = (await db.users.find("memory", "otto")).id
    assert "vo:ed:radius" in button_data(await chat.press("otto", "menu:volunteer"))
    await chat.press("otto", "vo:ed:radius")
    out = await chat.press("otto", "vo:r:5000")
    volunteer = await db.volunteers.get(otto)
    assert volunteer is not None and volunteer.radius_m == 5000 and volunteer.lat is not None
    assert "vo:ed:area" in button_data(out)


async def test_every_optional_step_skips_and_changes_nothing(chat: MemoryTransport, db: Database):
    vera = await _registered(chat, db, "vera")
    await chat.press("vera", "vo:ed:point")
    await chat.text("vera", "44147")
    before = await db.volunteers.get(vera)
    for step, skip in (
        ("point", "vo:nopt"),
        ("availability", "vo:skip"),
        ("quiet", "vo:skip"),
        ("evenings", "vo:skip"),
    ):
        out = await chat.press("vera", f"vo:ed:{step}")
        assert skip in button_data(out), step
        out = await chat.press("vera", skip)
        assert "vo:ed:area" in button_data(out), step
        assert await db.volunteers.get(vera) == before, step


def _reply_keyboard(call: Call) -> list[list[dict[str, Any]]]:
    return (call.params.get("reply_markup") or {}).get("keyboard", [])


async def _press(fake: FakeTelegram, data: str, message: Call | None = None) -> Call:
    mark = len(fake.calls)
    fake.press(1001, data, message)
    return await fake.wait_for("sendMessage", after=mark, chat_id=1001)


async def test_telegram_shows_skip_beside_the_location_keyboard(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, db: Database
):
    fake = fake_telegram
    fake.names[1001] = "Vera"
    vera = await telegram_person(db, 1001, "Vera", "de")
    for data in ("vo:reg", "vo:bz:Innenstadt-Nord"):
        await _press(fake, data)
    mark = len(fake.calls)
    fake.press(1001, "vo:area-done")
    # The question with Telegram's location keyboard: a reply keyboard, no callback data …
    asked = await fake.wait_for("sendMessage", lambda c: bool(_reply_keyboard(c)), after=mark)
    location = [b for row in _reply_keyboard(asked) for b in row]
    assert any(b.get("request_location") for b in location)
    assert not any("callback_data" in b for b in location)
    # … and Skip and Cancel as inline buttons in a message of their own.
    aside = await fake.wait_for(
        "sendMessage", lambda c: "vo:nopt" in str(c.params), after=mark, chat_id=1001
    )
    assert aside.text.strip()
    assert "vo:cancel" in {b["callback_data"] for row in aside.buttons for b in row}
    mark = len(fake.calls)
    categories = await _press(fake, aside.button_data("⏭"), aside)
    # The next question's first message takes the location keyboard away (a message sent
    # with its removal cannot be edited to carry buttons): its buttons follow under it.
    assert categories.params["reply_markup"] == {"remove_keyboard": True}
    assert "1001" not in fake.reply_keyboards
    choices = await fake.wait_for("sendMessage", lambda c: bool(c.buttons), after=mark)
    assert "vo:cat:shopping" in str(choices.params)
    for data in ("vo:cat:shopping", "vo:cats-done", "vo:langs-done"):
        await _press(fake, data)
    await _press(fake, "vo:max:2")
    volunteer = await db.volunteers.get(vera)
    assert volunteer is not None and volunteer.lat is None


async def test_the_quiet_hours_step_marks_the_current_choice(chat: MemoryTransport, db: Database):
    """Issue 100, point 7: the quiet-hours step ticks what holds now (22:00–07:00 until
    chosen), and after a change the new one. Failed before: three plain buttons."""
    await _registered(chat, db, "vera")

    def ticked(out) -> list[str]:
        return [
            button.data
            for message in out
            for row in getattr(message, "buttons", [])
            for button in row
            if button.data.startswith("vo:q:") and button.label.startswith("✅")
        ]

    assert ticked(await chat.press("vera", "vo:ed:quiet")) == ["vo:q:22-7"]
    await chat.press("vera", "vo:q:20-8")
    assert ticked(await chat.press("vera", "vo:ed:quiet")) == ["vo:q:20-8"]
    await chat.press("vera", "vo:q:0-0")
    assert ticked(await chat.press("vera", "vo:ed:quiet")) == ["vo:q:0-0"]
