"""Coordinators add, correct and verify places in the chat; nobody else can."""

from __future__ import annotations

import pytest

from db import Database
from db.places import Place
from handlers.messages import Toast
from tests.support.memory_transport import MemoryTransport, button_data, texts


@pytest.fixture
async def coordinator(chat: MemoryTransport, db: Database) -> str:
    await chat.onboard("coco", "en")
    user = await db.users.find("memory", "coco")
    await db.users.grant_role(user.id, "coordinator")
    return "coco"


async def test_new_place_walkthrough(chat: MemoryTransport, db: Database, coordinator: str):
    out = await chat.text(coordinator, "/place_new")
    assert "name" in texts(out)
    await chat.text(coordinator, "Sprachcafé <Union>")
    out = await chat.press(coordinator, "pe:cat:welcome_point")
    assert "coordinates" in texts(out)
    out = await chat.text(coordinator, "52.52, 13.40")  # Berlin: refused
    assert "outside" in texts(out)
    await chat.location(coordinator, 51.5120, 7.4480)
    await chat.text(coordinator, "Rheinische Straße 143, 44147")
    out = await chat.text(coordinator, "Mo-Fx 10")  # invalid: explained, asked again
    assert "Mo-Fr 10:00-16:00" in texts(out)
    await chat.text(coordinator, "We 16:00-18:00; PH off")
    await chat.press(coordinator, "pe:wc:limited")
    await chat.press(coordinator, "pe:lang:ar")
    await chat.press(coordinator, "pe:lang:de")
    await chat.press(coordinator, "pe:lang:ar")  # untick again
    out = await chat.press(coordinator, "pe:langs-done")
    summary = texts(out)
    assert "Sprachcafé &lt;Union&gt;" in summary  # user text escaped
    assert "pe:save" in button_data(out)
    out = await chat.press(coordinator, "pe:save")
    [place] = [p for p in await db.places.in_box(51.5, 51.53, 7.44, 7.46) if p.source == "chat"]
    assert place.name == "Sprachcafé <Union>"
    assert (place.street, place.housenumber, place.postcode) == (
        "Rheinische Straße",
        "143",
        "44147",
    )
    assert place.opening_hours == "We 16:00-18:00; PH off"
    assert place.wheelchair == "limited" and place.languages == ("de",)
    assert place.stadtbezirk.startswith("Innenstadt")
    coordinator_user = await db.users.find("memory", coordinator)
    [created] = await db.places.history(place.id)
    assert created["action"] == "create" and created["changed_by"] == coordinator_user.id
    assert f"pe:edit:{place.id}" in button_data(out)


async def _a_place(db: Database) -> Place:
    place_id = await db.places.upsert(
        Place(source="t", source_id="1", name="Treff", category="library", lat=51.51, lon=7.46),
        "test",
    )
    place = await db.places.get(place_id)
    assert place is not None
    return place


async def test_edit_one_field_and_verify(chat: MemoryTransport, db: Database, coordinator: str):
    place = await _a_place(db)
    out = await chat.press(coordinator, f"pe:edit:{place.id}")
    assert "pe:field:hours" in button_data(out)
    await chat.press(coordinator, "pe:field:hours")
    out = await chat.text(coordinator, "Mo 10:00-12:00")
    assert "Saved" in texts(out)
    edited = await db.places.get(place.id)
    assert edited.opening_hours == "Mo 10:00-12:00" and edited.name == "Treff"
    out = await chat.press(coordinator, f"pe:verify:{place.id}")
    assert any(isinstance(item, Toast) for item in out)
    verified = await db.places.get(place.id)
    assert verified.last_verified is not None
    actions = [change["action"] for change in await db.places.history(place.id)]
    assert actions == ["create", "update", "verify"]


async def test_residents_cannot_edit(chat: MemoryTransport, db: Database):
    place = await _a_place(db)
    await chat.onboard("resi", "de")
    for out in (
        await chat.text("resi", "/place_new"),
        await chat.press("resi", f"pe:verify:{place.id}"),
        await chat.press("resi", f"pe:edit:{place.id}"),
    ):
        assert "⛔" in texts(out) or any(isinstance(i, Toast) for i in out)
    assert (await db.places.get(place.id)).last_verified is None
    assert len(await db.places.history(place.id)) == 1
    out = await chat.text("resi", "/help")
    assert "/place_new" not in texts(out)


async def test_cancel_and_stale_buttons(chat: MemoryTransport, db: Database, coordinator: str):
    await chat.text(coordinator, "/place_new")
    out = await chat.press(coordinator, "pe:wc:yes")  # not the current step
    assert any(isinstance(i, Toast) for i in out)
    out = await chat.press(coordinator, "pe:cancel")
    assert "Nothing was changed" in texts(out)
    out = await chat.press(coordinator, "pe:save")
    assert any(isinstance(i, Toast) for i in out)
    assert await db.places.count() == 0


async def test_admin_may_edit_too(chat: MemoryTransport, db: Database):
    place = await _a_place(db)
    await chat.onboard("boss", "en")
    user = await db.users.find("memory", "boss")
    await db.users.grant_role(user.id, "admin")
    out = await chat.press("boss", f"pe:verify:{place.id}")
    assert "⛔" not in texts(out)
    assert (await db.places.get(place.id)).last_verified is not None
