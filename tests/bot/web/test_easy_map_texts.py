"""The easy map is easy all through (issue 56, point 3): where the chat's map link leads an
easy reader - the map with its heading, filters and kinds of places, a place's panel and
its page (the week's opening hours, how to open the place in the bot, the poster) - every
text the page's easy translator is asked for has an easy variant in all ten languages.

Recorded where the easy translator looks a message up, as tests/handlers/test_easy_coverage.py
does for the chat; with Telegram and Matrix configured, so that every line of the pages is
there."""

from __future__ import annotations

from bot.config import Config, MatrixSection
from db import Database
from handlers.settings import HandlerSettings
from locales import SUPPORTED_LANGUAGES
from locales.catalogs import read_easy_catalog
from tests.support.places_sample import import_sample
from tests.support.web_site import browser_session, serving


def _easy_ids(lang: str) -> set[str]:
    catalog = read_easy_catalog(lang)
    assert catalog is not None, lang
    have = set()
    for message in catalog:
        strings = message.string if message.pluralizable else (message.string,)
        if message.id and all(strings):
            have.add(message.id[0] if message.pluralizable else message.id)
    return have


async def test_the_easy_map_and_place_pages_have_easy_texts_in_every_language(
    db: Database, settings: HandlerSettings, asked: set[str]
):
    await import_sample(db)
    [(place, _name)] = await db.places.names_like(["Landesbibliothek"])
    config = Config(matrix=MatrixSection(user_id="@nachbarbot:example.org"))
    async with serving(db, settings, config=config) as (_site, base), browser_session() as client:
        for path in ("/", f"/place/{place}", f"/place/{place}/panel"):
            async with client.get(f"{base}{path}?lang=de&easy=1") as page:
                assert page.status == 200, path
                await page.text()
    # The pages' own lines and the kinds of places were asked for.
    for msgid in (
        "🗺 Places to meet in the neighbourhood",
        "Religious community rooms",
        "Language café / welcome point",
        "Kind of place",
        "Opening hours for the next seven days",
        "Open this place in the neighbourhood bot",
        "Poster to print",
    ):
        assert msgid in asked, msgid
    # Each catalog read once (a read is ~25 ms of a core), not once per message asked.
    easy = {lang: _easy_ids(lang) for lang in SUPPORTED_LANGUAGES}
    missing = {
        msgid: [lang for lang in SUPPORTED_LANGUAGES if msgid not in easy[lang]]
        for msgid in sorted(asked)
    }
    report = "\n".join(f"{langs}: {msgid!r}" for msgid, langs in missing.items() if langs)
    assert not report, f"without an easy variant:\n{report}"
