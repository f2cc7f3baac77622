"""The whole privacy notice on the web (bot/web/public/privacy_page.py, ``GET /privacy``)
through the real web server: in the reader's language (German, and Arabic right to left),
the chat's own words (the notice's lines and every purpose of the personal-data map), and
linked from the map's foot in the map's language. On a phone: tests/bot/web/test_phone_pages.py."""

from __future__ import annotations

import html
import re

import pytest

from db.personal_data import PURPOSES
from handlers.privacy import purpose_texts
from locales import translator
from tests.support.web_site import browser_session, serving


@pytest.fixture
async def site(db, settings):
    async with serving(db, settings) as served:
        yield served


def _plain(markup: object) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", str(markup)))


@pytest.mark.parametrize(("lang", "direction"), [("de", "ltr"), ("ar", "rtl")])
async def test_the_whole_notice_in_the_readers_language(site, lang, direction):
    served, base = site
    async with (
        browser_session() as client,
        client.get(f"{base}/privacy?lang={lang}") as page,
    ):
        assert page.status == 200
        body = await page.text()
    assert f'<html lang="{lang}" dir="{direction}">' in body
    text = _plain(body)
    t = translator(lang)
    assert _plain(t.t("🔒 <b>Privacy notice</b>")) in text
    assert _plain(t.t("🗑 /mydata shows everything, /delete erases it.")) in text
    settings = served.settings
    texts = purpose_texts(t, settings.retention, settings.inactive_account_days)
    for purpose in PURPOSES:
        title, what, seen_by, kept = texts[purpose.key]
        for part in (title, what, seen_by, kept):
            assert _plain(part) in text, (purpose.key, str(part))
    # The numbers that are someone's id by SMS and on the phone line are named.
    assert {"de": "Telefonnummer", "ar": "رقم هاتفك"}[lang] in _plain(texts["account"][1])


async def test_the_map_links_to_it_in_its_language(site):
    _served, base = site
    async with browser_session() as client:
        for lang in ("de", "ar", "uk"):
            async with client.get(f"{base}/?lang={lang}") as page:
                body = await page.text()
            assert f'href="/privacy?lang={lang}"' in body, lang
            assert _plain(translator(lang).t("Privacy notice")) in _plain(body)
