"""Onboarding, menu, help, settings and data rights through the in-memory transport."""

from __future__ import annotations

import json

import pytest

from db import Database
from handlers.messages import Document, Message, Toast
from locales import translator
from tests.support.memory_transport import (
    MemoryTransport,
    button_data,
    messages,
    readable,
    texts,
)


async def test_first_contact_shows_picker_in_detected_language(chat: MemoryTransport):
    out = await chat.text("ana", "/start", hint="tr-TR")
    tr = translator("tr")
    assert tr._("🌐 Please choose your language:") in texts(out)
    data = button_data(out)
    assert data[0] == "lang:tr"
    assert len(data) == 10
    assert messages(out)[0].buttons[0][0].label.startswith("✅ ")


async def test_unknown_hint_falls_back_to_german(chat: MemoryTransport):
    out = await chat.text("x", "/start", hint="zh-Hans")
    assert button_data(out)[0] == "lang:de"


async def test_full_onboarding_stores_language_and_consent(chat: MemoryTransport, db: Database):
    await chat.text("bo", "/start", hint="de")
    out = await chat.press("bo", "lang:uk")
    assert any(m.edit for m in messages(out))
    assert "consent:yes" in button_data(out)
    user = await db.users.find("memory", "bo")
    assert user is not None and user.language == "uk" and user.consent_at is None
    out = await chat.press("bo", "consent:yes")
    assert "menu:places" in button_data(out)
    user = await db.users.find("memory", "bo")
    assert user.consent_at is not None
    assert user.roles == frozenset({"resident"})
    assert await db.users.get_state(user.id) is None


async def test_nothing_but_onboarding_before_consent(chat: MemoryTransport, db: Database):
    await chat.text("cy", "/start", hint="en")
    await chat.press("cy", "lang:en")
    # A menu button or free text before consenting leads back to the privacy notice.
    for out in (await chat.press("cy", "menu:settings"), await chat.text("cy", "hello")):
        assert "consent:yes" in button_data(out)
    user = await db.users.find("memory", "cy")
    assert user.consent_at is None


async def test_declining_consent_asks_before_erasing(chat: MemoryTransport, db: Database):
    await chat.text("di", "/start", hint="en")
    await chat.press("di", "lang:en")
    out = await chat.press("di", "consent:no")
    # One tap erases nothing: the same confirmation as /delete.
    assert "Delete what we stored?" in texts(out)
    assert await db.users.find("memory", "di") is not None
    # "No, keep it": the notice again, to agree after all.
    out = await chat.press("di", "delete:no")
    assert "Privacy notice" in texts(out)
    assert "consent:yes" in {b.data for m in out for row in m.buttons for b in row}
    await chat.press("di", "consent:no")
    out = await chat.press("di", "delete:yes")
    assert "deleted" in texts(out)
    assert await db.users.find("memory", "di") is None


async def test_deep_link_payload_survives_onboarding(chat: MemoryTransport):
    await chat.text("ed", "/start event_42", hint="en")
    await chat.press("ed", "lang:en")
    out = await chat.press("ed", "consent:yes")
    # No feature handles event links yet, so the user is told the link is not valid.
    assert "link" in texts(out).lower()


async def test_forged_language_button_changes_nothing(chat: MemoryTransport, db: Database):
    await chat.onboard("fa1", "en")
    out = await chat.press("fa1", "lang:xx' OR 1=1 --")
    assert any(isinstance(item, Toast) for item in out)
    assert (await db.users.find("memory", "fa1")).language == "en"


async def test_forged_or_stale_button_is_answered(chat: MemoryTransport):
    await chat.onboard("gi", "en")
    for data in ("nonsense", "menu:../../etc", "delete:maybe", "settings:root", ""):
        out = await chat.press("gi", data)
        assert out, data
        assert any(isinstance(item, Toast) for item in out), data


async def test_language_change_after_onboarding(chat: MemoryTransport, db: Database):
    await chat.onboard("ha", "en")
    out = await chat.text("ha", "/language")
    assert button_data(out)[0] == "lang:en"
    out = await chat.press("ha", "lang:ar")
    assert translator("ar")._("Find a place") in "".join(
        b.label for m in messages(out) for row in m.buttons for b in row
    )
    assert (await db.users.find("memory", "ha")).language == "ar"


async def test_settings_button_opens_the_language_picker(chat: MemoryTransport):
    await chat.onboard("ib", "en")
    out = await chat.press("ib", "menu:settings")
    assert "settings:language" in button_data(out)
    out = await chat.press("ib", "settings:language")
    assert "lang:de" in button_data(out)


async def test_help_is_short_with_buttons_and_every_command_behind_one(
    chat: MemoryTransport, db: Database
):
    await chat.onboard("ja", "ru")
    out = await chat.text("ja", "/help")
    ru = translator("ru")
    [help_message] = messages(out)
    # A few short lines, not a list of commands: the features are buttons.
    lines = texts(out).splitlines()
    assert len(lines) <= 4 and all(len(line) <= 80 for line in lines)
    assert "/delete" not in texts(out)
    data = button_data(out)
    for target in ("menu:places", "menu:help", "menu:volunteer", "menu:events"):
        assert target in data
    assert {"guide:language", "guide:privacy", "guide:all"} <= set(data)
    assert "guide:staff" not in data  # residents have no coordinator commands
    # Every button is led by an icon (people who cannot read the script still find it).
    for row in help_message.buttons:
        for button in row:
            assert not button.label[0].isalpha(), button.label
    out = await chat.press("ja", "guide:all")
    text = texts(out)
    for command, description in (
        ("help", "Explain what the bot can do"),
        ("delete", "Delete all your data"),
        ("language", "Change the language"),
    ):
        assert f"/{command}" in text
        assert ru._(description) in text
    assert "/place_new" not in text
    out = await chat.press("ja", "guide:language")
    assert "lang:de" in button_data(out)
    out = await chat.press("ja", "guide:privacy")
    assert "delete:ask" in button_data(out)
    # The coordinators' button is refused to a resident, whatever the client showed.
    out = await chat.press("ja", "guide:staff")
    assert "/place_new" not in texts(out)
    user = await db.users.find("memory", "ja")
    await db.users.grant_role(user.id, "coordinator")
    out = await chat.text("ja", "/help")
    assert "guide:staff" in button_data(out)
    out = await chat.press("ja", "guide:staff")
    assert "/place_new" in texts(out) and "/event_new" in texts(out)
    assert "/coordinator_add" not in texts(out)  # for admins only


async def test_help_before_consent_leads_to_language_and_privacy(chat: MemoryTransport):
    await chat.text("jb", "/start", hint="en")
    out = await chat.text("jb", "/help")
    assert "guide:language" in button_data(out)
    out = await chat.press("jb", "guide:language")
    assert "lang:en" in button_data(out)
    out = await chat.press("jb", "guide:privacy")
    assert "privacy:details" in button_data(out)
    # A feature button first finishes the onboarding (here: the language is not chosen yet).
    out = await chat.press("jb", "menu:places")
    assert "lang:en" in button_data(out) and not messages(out)[0].request_location


async def test_unknown_command_and_unexpected_content(chat: MemoryTransport):
    await chat.onboard("ki", "en")
    out = await chat.text("ki", "/doesnotexist")
    assert "/doesnotexist" in texts(out) and "/help" in texts(out)
    for out in (
        await chat.media("ki", "voice"),
        await chat.media("ki", "sticker"),
        await chat.text("ki", "hello?"),
    ):
        assert messages(out), out
        assert "menu:places" in button_data(out)
    # A location outside any step is a place search.
    out = await chat.location("ki", 51.5, 7.4)
    assert messages(out) and "pl:where" in button_data(out)


async def test_html_in_user_input_is_escaped(chat: MemoryTransport):
    await chat.onboard("lu", "en")
    out = await chat.text("lu", "/<b>x</b>")
    assert "&lt;b&gt;" in texts(out)


async def test_over_long_text_is_refused(chat: MemoryTransport):
    await chat.onboard("ma", "de")
    out = await chat.text("ma", "a" * 600)
    assert "600" in texts(out) and "500" in texts(out)


def test_every_main_menu_entry_leads_to_a_feature():
    from handlers import build_router
    from handlers.ui import MAIN_MENU

    router = build_router()
    assert {key for key, _, _ in MAIN_MENU} <= set(router.menu_actions)


async def test_mydata_exports_everything_stored(chat: MemoryTransport):
    await chat.onboard("ol", "pl")
    out = await chat.text("ol", "/mydata")
    document = next(item for item in out if isinstance(item, Document))
    data = json.loads(document.content)
    assert data["format"] == "nachbarbot-personal-data/1"
    (account,) = data["sections"]["account"]
    assert account["platform_user_id"] == "ol"
    assert account["language"] == "pl"
    assert account["consent_at"]
    assert [row["role"] for row in data["sections"]["roles"]] == ["resident"]
    # A summary in the person's language comes with the file.
    summary = texts([item for item in out if not isinstance(item, Document)])
    assert translator("pl").t("📄 <b>What we store about you</b>") in summary


async def test_delete_asks_then_erases(chat: MemoryTransport, db: Database):
    await chat.onboard("pe", "en")
    out = await chat.text("pe", "/delete")
    assert set(button_data(out)) == {"delete:yes", "delete:no"}
    await chat.press("pe", "delete:no")
    assert await db.users.find("memory", "pe") is not None
    await chat.press("pe", "delete:yes")
    assert await db.users.find("memory", "pe") is None
    # Writing again starts from the beginning.
    out = await chat.text("pe", "hi", hint="en")
    assert "lang:en" in button_data(out)


async def test_group_chats_are_ignored(chat: MemoryTransport, db: Database):
    from handlers.messages import Text

    assert await chat.send("qu", Text("hi"), private=False) == []
    assert await db.users.find("memory", "qu") is None


async def test_configured_admin_gets_the_role(db: Database):
    from handlers import build_router
    from handlers.dispatcher import Dispatcher
    from handlers.settings import HandlerSettings

    settings = HandlerSettings(admins=frozenset({("memory", "boss")}))
    chat = MemoryTransport(Dispatcher(db, build_router(), settings))
    await chat.text("boss", "/start")
    assert (await db.users.find("memory", "boss")).has_role("admin")
    await chat.text("other", "/start")
    assert not (await db.users.find("memory", "other")).has_role("admin")


async def test_handler_crash_gives_a_translated_apology(chat: MemoryTransport, monkeypatch):
    await chat.onboard("ra", "en")

    async def broken(ctx):
        raise RuntimeError("boom")

    monkeypatch.setitem(
        chat.dispatcher.router.commands,
        "help",
        chat.dispatcher.router.commands["help"].__class__("help", broken, "x", True),
    )
    out = await chat.text("ra", "/help")
    assert len(out) == 1 and isinstance(out[0], Message)
    assert "went wrong" in str(out[0].text)


async def test_the_picker_offers_only_the_citys_languages(
    chat: MemoryTransport, db: Database, settings
):
    """A city offering German, Ukrainian and Arabic (bot.languages) lists those three, and a
    forged or old button for another language changes nothing."""
    from dataclasses import replace

    chat.dispatcher.settings = replace(settings, languages=("de", "uk", "ar"))
    out = await chat.text("lc", "/start")
    assert sorted(d for d in button_data(out) if d.startswith("lang:")) == [
        "lang:ar",
        "lang:de",
        "lang:uk",
    ]
    await chat.press("lc", "lang:uk")
    before = (await db.users.find("memory", "lc")).language
    out = await chat.press("lc", "lang:fa")
    assert any(isinstance(item, Toast) for item in out)
    assert (await db.users.find("memory", "lc")).language == before == "uk"
    assert "lang:fa" not in button_data(out)


async def test_a_newcomer_is_greeted_in_a_language_the_city_offers(chat: MemoryTransport, settings):
    """A phone set to Polish in a city offering German, Ukrainian and Arabic: the greeting
    is in the city's first language (German), not in one its picker does not list; a phone
    set to Ukrainian is greeted in Ukrainian."""
    from dataclasses import replace

    chat.dispatcher.settings = replace(settings, languages=("de", "uk", "ar"))
    polish = await chat.text("pl-phone", "/start", hint="pl")
    assert "Bitte wählen Sie Ihre Sprache" in texts(polish), texts(polish)
    assert "lang:pl" not in button_data(polish)
    ukrainian = await chat.text("uk-phone", "/start", hint="uk")
    assert button_data(ukrainian)[0] == "lang:uk"


@pytest.mark.parametrize("lang", ["en", "ar", "uk"])
async def test_the_privacy_notice_is_short_lines_with_icons(chat: MemoryTransport, lang: str):
    """For people who read little: a title and three short lines, each led by an icon;
    the details are one tap away."""
    out = await chat.text("pn", "/start", hint=lang)
    out = await chat.press("pn", f"lang:{lang}")
    notice = next(m for m in out if "privacy:details" in str(m.buttons))
    lines = readable(str(notice.text)).split("\n")
    assert len(lines) == 4
    for line in lines:
        assert len(line.split()) <= 20 and not line[0].isalnum()


@pytest.mark.parametrize(
    ("lang", "name"),
    [("ar", "دورتموند"), ("uk", "Дортмунд"), ("bg", "Дортмунд"), ("de", "Dortmund")],
)
async def test_the_city_is_named_in_the_readers_script(db: Database, lang: str, name: str):
    """Dortmund's data folder names the city in every language (data/dortmund/city.toml)."""
    from bot.config import Config
    from handlers import build_router
    from handlers.dispatcher import Dispatcher

    chat = MemoryTransport(Dispatcher(db, build_router(), Config().handler_settings()))
    greeting = texts(await chat.text("nour", "hi", hint=lang))
    assert name in greeting
    if name != "Dortmund":
        assert "Dortmund" not in greeting


# -- read aloud in the onboarding: one message with buttons at a time --------------------


@pytest.fixture
def listening(db: Database, settings) -> MemoryTransport:
    """A chat where a voice speaks English and Arabic (a recording speaker)."""
    from dataclasses import replace

    from handlers import build_router
    from handlers.dispatcher import Dispatcher
    from tests.support.fake_speaker import FakeSpeaker

    speaker = FakeSpeaker(frozenset({"en", "ar"}))
    spoken = replace(settings, speech_languages=speaker.languages)
    return MemoryTransport(Dispatcher(db, build_router(), spoken), speaker=speaker)


def _with_buttons(out) -> list[Message]:
    return [m for m in messages(out) if m.buttons]


def _said(out) -> list:
    from handlers.messages import Speech

    return [item for item in out if isinstance(item, Speech)]


async def test_the_read_aloud_offer_comes_alone_and_the_notice_after_its_answer(
    listening: MemoryTransport, db: Database
):
    """Language → the read-aloud offer, said aloud, as the only message with buttons (the
    privacy notice is not sent beside it: a listener who heard "second button" and types 2
    must press the offer's second button) → after the answer, the notice."""
    await listening.text("nura", "/start", hint="ar")
    out = await listening.press("nura", "lang:ar")
    [offer] = _with_buttons(out)
    assert "ra:on" in button_data([offer]) and "consent:yes" not in button_data(out)
    [sample] = _said(out)
    # What is said names the buttons of the one message a number chooses from, in order.
    assert sample.labels == [b.label for row in offer.buttons for b in row]
    state = await db.users.get_state((await db.users.find("memory", "nura")).id)
    assert state is not None and state.state == "onboarding.read_aloud"
    # Anything else meanwhile (a word, a menu button) asks the offer again, said again.
    for again in (
        await listening.text("nura", "مرحبا"),
        await listening.press("nura", "menu:places"),
    ):
        [asked] = _with_buttons(again)
        assert "ra:tap" in button_data([asked]) and "consent:yes" not in button_data(again)
        assert [s.labels for s in _said(again)] == [sample.labels]
    # "Only when I tap 🔊": easy language is offered, said at once; then the notice comes,
    # said at once with its own buttons named.
    out = await listening.press("nura", "ra:tap")
    [offer] = _with_buttons(out)
    assert button_data([offer]) == ["easy:on", "easy:no"]
    assert [s.text for s in _said(out)] == [offer.text]
    out = await listening.press("nura", "easy:no")
    [notice] = _with_buttons(out)
    assert button_data([notice]) == ["consent:yes", "consent:no", "privacy:details"]
    [said] = _said(out)
    assert said.text == notice.text
    assert said.labels == [b.label for row in notice.buttons for b in row]
    out = await listening.press("nura", "consent:yes")
    assert "menu:places" in button_data(out)


async def test_the_notice_follows_the_offer_said_aloud_only_when_chosen(
    listening: MemoryTransport,
):
    for who, answer, heard in (("sami", "ra:on", True), ("selin", "ra:no", False)):
        await listening.text(who, "/start", hint="en")
        await listening.press(who, "lang:en")
        out = await listening.press(who, answer)
        if heard:  # easy language is offered to someone who turned read aloud on
            out = await listening.press(who, "easy:no")
        [notice] = _with_buttons(out)
        assert "consent:yes" in button_data([notice]), answer
        notices = [s for s in _said(out) if s.text == notice.text]
        assert bool(notices) == heard, answer
        if heard:
            assert notices[0].labels == [b.label for row in notice.buttons for b in row]
        # A /start meanwhile shows the notice again, not the offer: it was answered.
        again = await listening.text(who, "/start")
        assert "consent:yes" in button_data(again) and "ra:on" not in button_data(again)


async def test_a_language_changed_later_ends_with_the_offer(listening: MemoryTransport):
    """Someone who agreed long ago and picks a language a voice speaks: the offer is the
    last message with buttons (its numbers said aloud), not the main menu after it; the
    menu is one button further."""
    await listening.onboard("tarik", "de")  # no voice speaks German here: no offer yet
    out = await listening.press("tarik", "lang:en")
    [offer] = _with_buttons(out)
    assert "ra:on" in button_data([offer]) and "menu:places" not in button_data(out)
    out = await listening.press("tarik", "ra:no")
    assert button_data(out) == ["menu:main"]


async def test_declining_the_notice_names_what_was_kept_before_consent(
    listening: MemoryTransport, db: Database
):
    """Before consent the bot keeps the language and, once answered, the read-aloud choice:
    the delete question says both."""
    await listening.text("ines", "/start", hint="en")
    await listening.press("ines", "lang:en")
    await listening.press("ines", "ra:on")
    await listening.press("ines", "easy:no")
    out = await listening.press("ines", "consent:no")
    assert "delete:yes" in button_data(out)
    assert "Delete what we stored?" in texts(out) and "reads aloud" in texts(out)
    user = await db.users.find("memory", "ines")
    assert user is not None and user.consent_at is None
