"""The desk's statistics page on a busy day, through the real web server: the requests
asked today are not yet "not matched within 24 hours" (the language asked only today is not
short, Persian - really behind - is), the page says how many are still in their first 24
hours, and a wait of days reads in days ("3 Tage im Durchschnitt", not "72 Stunden")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db import Database
from handlers.statistics import language_gaps as sl
from locales import translator
from tests.bot.web.desk.test_stats import _logged_in
from tests.handlers.test_statistics import _request
from tests.handlers.test_statistics_languages import _volunteer


async def _busy_day(db: Database) -> None:
    now = datetime.now(UTC)
    for _ in range(10):
        await _request(db, created=now - timedelta(days=3), state="matched", wait_minutes=60)
    for _ in range(20):
        await _request(db, created=now - timedelta(hours=2), languages=("pl",))
    for _ in range(4):
        await _request(
            db, created=now - timedelta(days=3), state="matched", wait_minutes=60, languages=("fa",)
        )
    for _ in range(15):
        await _request(db, created=now - timedelta(days=3, hours=1), languages=("fa",))
    # Enough speakers everywhere: only the shares can make a language short.
    for code in ("de", "pl", "fa"):
        for number in range(12):
            await _volunteer(db, f"{code}{number}", code)


async def test_a_busy_day_reads_true_on_the_desk(db, site, web_chat):
    _site, base = site
    await _busy_day(db)
    browser = await _logged_in(web_chat, db)
    async with browser, browser.get(f"{base}/desk/stats?lang=de") as page:
        assert page.status == 200
        html = await page.text()
    t = translator("de")
    assert 'id="short-fa"' in html and 'id="short-pl"' not in html
    rows = await sl.languages(db, datetime.now(UTC), verified=True)
    note = sl.fresh_note(t, rows)
    assert note is not None and str(note) in html
    assert str(t.number(20)) in str(note)
    assert "Tage im Durchschnitt" in html and "Stunden im Durchschnitt" not in html
