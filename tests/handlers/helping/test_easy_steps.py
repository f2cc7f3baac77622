"""An easy reader's help request is shorter (issue 43): the categories three at a time,
the most asked first, then "➕ More" for the rest; the languages one question, the
reader's own language or another too. What is stored is what the usual steps store."""

from __future__ import annotations

from db import Database
from handlers.helping.vocabulary import HELP_CATEGORIES
from tests.support.help_story import NORDMARKT
from tests.support.memory_transport import MemoryTransport, button_data


async def _to_languages(story: MemoryTransport, who: str, lang: str, easy: bool) -> list[str]:
    """``who`` asks for help up to the languages step; that step's buttons."""
    await story.onboard(who, lang)
    if easy:
        await story.press(who, "easy:on")
    await story.press(who, "hr:new")
    await story.press(who, "hr:cat:shopping")
    await story.text(who, "Ich brauche Hilfe beim Einkaufen")
    await story.location(who, *NORDMARKT)
    return button_data(await story.press(who, "hr:when:asap"))


async def _languages(db: Database, who: str) -> tuple[str, ...]:
    user = await db.users.find("memory", who)
    return (await db.requests.for_requester(user.id))[0].languages


async def test_an_easy_reader_keeps_their_language_with_one_button(
    story: MemoryTransport, db: Database
):
    usual = await _to_languages(story, "usual", "tr", easy=False)
    assert "hr:lang:tr" in usual
    await story.press("usual", "hr:langs-done")
    await story.press("usual", "hr:send")

    easy = await _to_languages(story, "easy", "tr", easy=True)
    # One question: their own language only, or another too; no list of ten.
    assert [d for d in easy if d.startswith("hr:lang")] == ["hr:lang-only", "hr:lang-more"]
    assert "hr:send" in button_data(await story.press("easy", "hr:lang-only"))
    await story.press("easy", "hr:send")
    assert await _languages(db, "easy") == await _languages(db, "usual") == ("tr",)


async def test_another_language_shows_the_list_with_their_own_ticked(
    story: MemoryTransport, db: Database
):
    await _to_languages(story, "easy", "ar", easy=True)
    listed = button_data(await story.press("easy", "hr:lang-more"))
    assert "hr:lang:de" in listed and "hr:langs-done" in listed
    await story.press("easy", "hr:lang:de")
    await story.press("easy", "hr:langs-done")
    await story.press("easy", "hr:send")
    assert await _languages(db, "easy") == ("de", "ar")


def _categories(data: list[str]) -> list[str]:
    return [d.removeprefix("hr:cat:") for d in data if d.startswith("hr:cat:")]


async def test_an_easy_reader_gets_three_categories_then_more_the_rest(story: MemoryTransport):
    await story.onboard("usual", "de")
    usual = button_data(await story.press("usual", "hr:new"))
    assert _categories(usual) == list(HELP_CATEGORIES)
    assert "hr:cat-more" not in usual

    await story.onboard("easy", "de")
    await story.press("easy", "easy:on")
    first = button_data(await story.press("easy", "hr:new"))
    # A city without requests: the table's first three, the everyday ones.
    assert _categories(first) == ["shopping", "accompaniment", "language"]
    assert "hr:cat-more" in first
    rest = _categories(button_data(await story.press("easy", "hr:cat-more")))
    assert rest == [key for key in HELP_CATEGORIES if key not in _categories(first)]
    # One of the rest is taken as from the whole list.
    assert "hr:cancel" in button_data(await story.press("easy", "hr:cat:moving"))


async def test_the_three_are_the_most_asked_in_the_city(story: MemoryTransport):
    from tests.support.help_story import post_request

    for n, category in enumerate(("moving", "moving", "tech")):
        request_id = await post_request(story, f"asker{n}", "de", "Wer trägt meine Kisten?")
        await story.dispatcher.db.requests.update_fields(request_id, None, category=category)
        await story.dispatcher.db.requests.transition(request_id, "open", None)
    await story.onboard("easy", "de")
    await story.press("easy", "easy:on")
    first = button_data(await story.press("easy", "hr:new"))
    assert _categories(first) == ["moving", "tech", "shopping"]


async def test_only_my_language_names_it_as_the_reader_writes_it_mid_sentence(
    story: MemoryTransport,
):
    """Issue 56, point 6: "✅ Лише українська", not the picker's "Українська"."""
    from tests.support.memory_transport import messages

    expected = {
        "uk": "✅ Лише українська",
        "ru": "✅ Только русский",
        "pl": "✅ Tylko polski",
        "ro": "✅ Doar română",
        "bg": "✅ Само български",
        "de": "✅ Nur Deutsch",
        "tr": "✅ Sadece Türkçe",
    }
    for lang, label in expected.items():
        who = f"easy-{lang}"
        await story.onboard(who, lang)
        await story.press(who, "easy:on")
        await story.press(who, "hr:new")
        await story.press(who, "hr:cat:shopping")
        await story.text(who, "Einkaufen")
        await story.location(who, *NORDMARKT)
        out = await story.press(who, "hr:when:asap")
        labels = [b.label for m in messages(out) for row in m.buttons for b in row]
        assert label in labels, (lang, labels)
