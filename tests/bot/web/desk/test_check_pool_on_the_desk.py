"""Who used the phone's check pool, on the desk where the other limits are (issue 98, point
6), in real Chromium at phone size (390 px).

Before: when a pool of the check calls ran dry, only the coordinators' group heard it,
with whom the day's checks rang; the desk's statistics page showed the texts' limits, not
this one. Now the page shows the spent pool in the group's words and who was called, by
name and never by number, while the pool is spent - and nothing once it is not.

The pool is counted by the real check calls (bot/transports/phone/calls/check_calls.py,
without a line: tests/bot/transports/phone/calls/test_check_calls.py); the clock is the
test's, hours are passed by moving it."""

from __future__ import annotations

from bot.transports.phone.calls.dialling import CheckSettings
from bot.transports.phone.desk_panel import CheckPool
from db import Database
from handlers.channels import CheckPoolDry, Profile
from handlers.numbers.call_notices import called_today, pool_dry
from locales import translator
from tests.bot.transports.phone.calls.test_check_calls import _checks
from tests.bot.web.desk.test_stats_on_a_phone import BROKEN_WORDS
from tests.support import browser as chromium
from tests.support.clock import Clock, daytime
from tests.support.desk_client import desk_in_chromium
from tests.support.reports import Kept

ERNA = "+4923155507"
STRANGERS = ("+492315210001", "+492315220001")
SECTION = "#stats-phone-checks"
# Each line of the section: its box on the screen.
BOXES = """(items) => items.map(item => {
  const box = item.getBoundingClientRect();
  return {x: box.x, width: box.width, text: item.innerText};
})"""


async def _erna(db: Database) -> None:
    """Erna, a phone resident with a request: her check may spend the reserve."""
    erna = await db.users.seen("phone", ERNA, ERNA, "Erna")
    await db.users.set_language(erna.id, "de")
    await db.users.record_consent(erna.id)
    await db.requests.create(erna.id, erna.id, category="shopping", description="Brot")


async def test_the_spent_check_pool_and_who_used_it_are_on_the_desk_while_it_lasts(
    db, site, web_chat
):
    served, base = site
    clock = Clock(daytime(10))
    kept = Kept()
    settings = CheckSettings(per_day=4, per_hour=2, per_caller_hour=3, reserve_percent=50)
    checks = _checks(db, clock, settings, frozenset({ERNA}), kept)
    checks._start = lambda number, pause=0.0: None  # type: ignore[method-assign]
    served.budgets = {"phone": CheckPool(db, settings, clock)}  # as the declaration gives it
    await _erna(db)

    async with desk_in_chromium(web_chat, db) as desk:
        page = desk.page
        await page.goto(f"{base}/desk/stats?lang=de")
        assert await page.locator(SECTION).count() == 0  # nothing spent: nothing shown

        # A stranger's check spends the strangers' share of the hour; the next stranger's
        # waits, and the group is told; Erna is checked from the reserve.
        now = clock()
        assert await checks._count(STRANGERS[0], now, False)
        assert await checks.ask(STRANGERS[1], "pin:choose", Profile()) == now.replace(hour=11)
        assert await checks._count(ERNA, now, True)
        (told,) = [report for report in kept.reports if isinstance(report, CheckPoolDry)]

        for lang in ("de", "ar", "uk"):
            t = translator(lang)
            await page.goto(f"{base}/desk/stats?lang={lang}")
            section = page.locator(SECTION)
            assert await section.count() == 1, lang
            lines = [line.strip() for line in await section.locator("li").all_inner_texts()]
            # The group's words: the pool, and who used today's checks by name.
            used, _ = await called_today(db.users, await _now_used(served))
            group = str(pool_dry(t, told, used).text)
            assert lines[0] == str(pool_dry(t, told).text), (lang, lines)
            assert lines[-1] in group and "Erna (1)" in lines[-1], (lang, lines)
            assert not any(STRANGERS[0] in line or ERNA in line for line in lines), lines
            assert await page.locator(f"{SECTION} h2").inner_text() == str(t.t("📞 Check calls"))
            # Every word whole and every line on a phone's screen.
            assert not await page.evaluate(BROKEN_WORDS, SECTION), lang
            for box in await section.locator("li").evaluate_all(BOXES):
                assert box["x"] >= 0 and box["x"] + box["width"] <= chromium.PHONE["width"], (
                    lang,
                    box,
                )
            await chromium.assert_accessible(page, f"check pool on the statistics ({lang})")

        # The next hour the strangers' share is there again: nothing is shown.
        clock.pass_(hours=1)
        await page.goto(f"{base}/desk/stats?lang=de")
        assert await page.locator(SECTION).count() == 0


async def _now_used(served) -> CheckPoolDry:
    """The pool spent now as the desk reads it (with who used today's checks)."""
    (spent,) = await served.budgets["phone"].spent()
    return spent
