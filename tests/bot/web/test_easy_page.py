"""The page in Leichte Sprache (bot/web/public/easy_page.py) through the real web server:
German whatever the visitor's language, the bot's Telegram chat linked, and reached from
the map's first screen on a phone (390 px) with a tap, without sideways scrolling."""

from __future__ import annotations

import re

import pytest

from bot.config import Config, WebSection
from tests.support import browser
from tests.support.web_site import browser_session, serving


@pytest.fixture
async def base(db, settings):
    async with serving(db, settings) as (_site, url):
        yield url


@pytest.mark.parametrize("lang", ["ar", "de", "en"])
async def test_the_page_is_german_in_every_language(base, lang):
    async with (
        browser_session() as client,
        client.get(f"{base}/leichte-sprache", headers={"Accept-Language": lang}) as page,
    ):
        assert page.status == 200
        html = await page.text()
    assert '<html lang="de" dir="ltr">' in html
    assert "<h1>📖 Leichte Sprache</h1>" in html
    # How to reach the bot: its Telegram chat.
    assert 'href="https://t.me/nachbarbot_test_bot"' in html
    # The language control leads to the map in another language (this page has one only).
    assert 'href="/?lang=ar"' in html


async def test_the_map_links_to_it_in_every_language(base):
    async with browser_session() as client:
        for lang in ("de", "ar", "fa", "tr"):
            async with client.get(f"{base}/?lang={lang}") as page:
                html = await page.text()
            link = re.search(r'<a href="/leichte-sprache" lang="de"[^>]*>([^<]+)</a>', html)
            assert link and "Leichte Sprache" in link.group(1), lang


@pytest.mark.parametrize("lang", ["de", "ar"])
async def test_reached_from_the_maps_first_screen_on_a_phone(db, settings, lang):
    tiles = browser.TileServer()
    await tiles.start()
    config = Config(web=WebSection(tile_url=tiles.template))
    try:
        async with (
            serving(db, settings, config=config) as (_site, url),
            browser.chromium() as chrome,
            browser.browsing(chrome, lang, browser.PHONE) as session,
        ):
            page = session.page
            await page.goto(f"{url}/")
            await page.locator("#map[data-ready='1']").wait_for(state="attached")
            link = page.get_by_role("link", name="Leichte Sprache")
            box = await link.bounding_box()
            assert box is not None
            # On the first screen, without scrolling.
            assert box["y"] >= 0 and box["y"] + box["height"] <= browser.PHONE["height"], box
            async with page.expect_navigation(url="**/leichte-sprache"):
                await link.click()
            assert await page.get_attribute("html", "lang") == "de"
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= browser.PHONE["width"]
            await browser.assert_accessible(page, f"/leichte-sprache ({lang})")
            assert not session.foreign, session.foreign
    finally:
        await tiles.stop()


async def _page(db, settings, config: Config) -> str:
    async with (
        serving(db, settings, config=config) as (_site, url),
        browser_session() as client,
        client.get(f"{url}/leichte-sprache") as page,
    ):
        assert page.status == 200
        return await page.text()


async def test_the_page_names_the_phone_line_and_sms_when_the_city_runs_them(db, settings):
    """Issue 56, point 8: the ways in for the people most likely to need Leichte Sprache."""
    from bot.config import PhoneSection, SmsSection

    both = Config(
        phone=PhoneSection(enabled=True, number="0231 1234567"),
        sms=SmsSection(enabled=True, sender="+4923112345"),
    )
    html = await _page(db, settings, both)
    assert 'href="tel:+492311234567"' in html and "📞 0231 1234567" in html
    assert 'href="sms:+4923112345"' in html and "✉️ 0231 12345" in html
    # Without a chat app: a call, a text, or a place to ask at.
    assert "Sie haben kein Telegram und kein Matrix?" in html
    assert "Dann rufen Sie an. Oder schreiben Sie eine SMS." in html
    assert "Sie können auch an einem Ort fragen." in html
    # A line the city does not run (or whose number is not set) is not named.
    none = Config(phone=PhoneSection(enabled=False, number="0231 1234567"))
    html = await _page(db, settings, none)
    assert "tel:" not in html and "sms:" not in html and "SMS" not in html
    assert "Sie können auch an einem Ort fragen." in html
