"""At night the desk shows what the group is told (issue 100, point 3), in Chromium at
390×844. Vera, the only volunteer who fits, is in her quiet hours: the offer of Amira's
published request waits in the outbox until they end. The request's page says it is held
for Vera until then and does not count her as asked; the roster and Vera's own page say
she is in her quiet hours until when, not "active", with one offer waiting. Failed before:
"Asked: 1 … Vera" with no sign of the hold, and "▶️ active"."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.context import Backstage
from handlers.helping import lifecycle
from locales import TIMEZONE, translator
from tests.support.desk_client import desk_in_chromium
from tests.support.help_story import NORDMARKT
from tests.support.helping_people import person, verified_volunteer


async def test_a_held_offer_and_quiet_hours_on_the_desk_at_night(db, site, web_chat):
    site_, base = site
    hour = datetime.now(TIMEZONE).hour
    # Her quiet hours began this hour and end in two (whatever the time the test runs).
    vera = await person(db, "vera")
    await verified_volunteer(
        db, vera.id, quiet=(hour, (hour + 2) % 24), evenings=True, districts=("Innenstadt-Nord",)
    )
    cora = await person(db, "carla")
    await db.users.grant_role(cora.id, "coordinator")
    amira = await person(db, "amira")
    scene = Backstage(db, site_.settings)
    async with db.transaction():
        request = await lifecycle.submit(
            scene,
            amira,
            {
                "category": "shopping",
                "description": "Einkauf am Nordmarkt",
                "stadtbezirk": "Innenstadt-Nord",
                "lat": NORDMARKT[0],
                "lon": NORDMARKT[1],
                "languages": ("de",),
                "when_kind": "window",
                "when_text": "diese Woche",
            },
        )
        await lifecycle.publish(scene, await db.users.get(cora.id), request.id)
    t = translator("en")
    until = t.time(
        datetime.now(UTC)
        .astimezone(TIMEZONE)
        .replace(hour=(hour + 2) % 24, minute=0, second=0, microsecond=0)
    )
    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await page.goto(f"{base}/desk/requests/{request.id}")
        waves = await page.locator("#offer-waves").inner_text()
        assert "Asked: 0" in waves, waves
        assert "🌙" in waves and "Vera" in waves and until in waves, waves
        # Its history says an offer waits for quiet hours, and until when.
        history = await page.locator("#history-table").inner_text()
        assert f"🌙 An offer waits for quiet hours until {until}" in history, history
        await page.goto(f"{base}/desk/volunteers")
        roster = await page.locator("main").inner_text()
        assert f"🌙 quiet hours until {until}" in roster, roster
        # The offer held for her is waiting, not asked.
        assert "📨 1 offer waiting" in roster, roster
        assert "▶️ active" not in roster
        await page.goto(f"{base}/desk/volunteers/{vera.id}")
        assert f"🌙 quiet hours until {until}" in await page.locator("main").inner_text()
