"""What every web page does: the visitor's language, right to left, security headers,
translated error pages without tracebacks."""

from __future__ import annotations

import pytest

from tests.support.web_site import browser_session, serving


@pytest.fixture
async def base(db, settings):
    async with serving(db, settings) as (_site, url):
        yield url


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("ar-SY,ar;q=0.9,en;q=0.5", "ar"),
        ("fr-FR,fr;q=0.9,tr;q=0.8,de;q=0.7", "tr"),  # the best one we have
        ("en;q=0.2, uk;q=0.9", "uk"),  # quality, not order
        ("fa;q=0, pl", "pl"),  # q=0 means "not this"
        ("xx, *", "de"),
        ("", "de"),
    ],
)
async def test_accept_language_picks_the_page_language(base, header, lang):
    async with (
        browser_session() as browser,
        browser.get(f"{base}/desk", headers={"Accept-Language": header}) as page,
    ):
        html = await page.text()
    assert f'<html lang="{lang}"' in html
    assert ('dir="rtl"' in html) == (lang in ("ar", "fa"))


async def test_the_switcher_wins_and_is_remembered(base):
    async with browser_session() as browser:
        headers = {"Accept-Language": "de"}
        async with browser.get(f"{base}/desk?lang=fa", headers=headers) as page:
            assert '<html lang="fa" dir="rtl">' in await page.text()
        async with browser.get(f"{base}/desk", headers=headers) as page:
            assert '<html lang="fa"' in await page.text()
        # Every language is offered, each named in its own script.
        html = await page.text()
        for name in ("Deutsch", "العربية", "Türkçe", "Українська", "فارسی", "Polski"):
            assert name in html
        async with browser.get(f"{base}/desk?lang=klingon", headers=headers) as page:
            assert '<html lang="fa"' in await page.text()


async def test_headers_and_error_pages(base):
    async with browser_session() as browser:
        async with browser.get(f"{base}/no/such/page?lang=uk") as page:
            assert page.status == 404
            html = await page.text()
            assert '<html lang="uk"' in html and "Traceback" not in html
            policy = page.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "default-src 'self'" in policy
            assert "tile.openstreetmap.org" in policy  # the configured tile server only
            assert page.headers["X-Content-Type-Options"] == "nosniff"
        async with browser.get(f"{base}/desk") as page:
            assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        async with browser.get(f"{base}/vendor/leaflet/leaflet.js") as script:
            assert script.status == 200
            assert script.headers["Content-Type"].startswith("text/javascript")
        # Only the files listed are served from node_modules.
        for path in ("/vendor/axe-core/axe.min.js", "/vendor/../package.json"):
            async with browser.get(base + path) as other:
                assert other.status == 404
