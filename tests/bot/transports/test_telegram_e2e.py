"""The real python-telegram-bot Application against the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

from bot.transports.telegram import TelegramTransport
from locales import FSI, PDI, SUPPORTED_LANGUAGES, language_name, translator
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_wiring import TELEGRAM_GROUP


async def _onboard(fake: FakeTelegram, user: int, hint: str | None, choose: str) -> dict:
    """Walk a Telegram user through onboarding; return the interesting calls."""
    start = len(fake.calls)
    fake.send_text(user, "/start", language_code=hint)
    picker = await fake.wait_for("sendMessage", after=start, chat_id=user)
    mark = len(fake.calls)
    fake.press(user, f"lang:{choose}", picker, language_code=hint)
    edited = await fake.wait_for("editMessageText", after=mark, chat_id=user)
    notice = await fake.wait_for("sendMessage", after=mark, chat_id=user)
    mark = len(fake.calls)
    fake.press(user, notice.button_data("✅"), notice, language_code=hint)
    menu = await fake.wait_for("sendMessage", after=mark, chat_id=user)
    return {"picker": picker, "edited": edited, "notice": notice, "menu": menu}


async def test_onboarding_in_german(fake_telegram: FakeTelegram, telegram_bot: TelegramTransport):
    de = translator("de")
    calls = await _onboard(fake_telegram, 1001, "de-DE", "de")

    picker = calls["picker"]
    assert de._("🌐 Please choose your language:") in picker.text
    # The detected language comes first, ticked; every language shows in its own name.
    assert picker.button_labels[0] == "✅ Deutsch"
    assert {language_name(code) for code in SUPPORTED_LANGUAGES} <= {
        label.removeprefix("✅ ") for label in picker.button_labels
    }
    assert picker.params["parse_mode"] == "HTML"

    assert de._("🔒 <b>Privacy notice</b>") in calls["notice"].text
    assert "/delete" in calls["notice"].text
    menu = calls["menu"]
    for label in ("Find a place", "Ask for help", "Volunteer", "Events", "Settings"):
        assert any(de._(label) in b for b in menu.button_labels), label
    assert de._("Find a place") != "Find a place"  # really German, not the English fallback
    # Every button press was answered, so no spinner is left on the user's screen.
    assert len(fake_telegram.calls_to("answerCallbackQuery")) == 2


async def test_onboarding_in_arabic_is_translated_and_isolated(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport
):
    ar = translator("ar")
    calls = await _onboard(fake_telegram, 2002, "ar", "ar")
    assert calls["picker"].button_labels[0] == "✅ العربية"
    assert ar._("🌐 Please choose your language:") in calls["picker"].text
    # The city's Latin name inside Arabic text is wrapped in bidi isolates.
    assert f"{FSI}Dortmund{PDI}" in calls["picker"].text
    assert ar._("Find a place") in " ".join(calls["menu"].button_labels)
    assert ar._("Find a place") != "Find a place"


async def test_language_switch(fake_telegram: FakeTelegram, telegram_bot: TelegramTransport):
    await _onboard(fake_telegram, 3003, "de", "de")
    mark = len(fake_telegram.calls)
    fake_telegram.send_text(3003, "/language")
    picker = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=3003)
    assert picker.button_labels[0] == "✅ Deutsch"
    mark = len(fake_telegram.calls)
    fake_telegram.press(3003, picker.button_data("Українська"), picker)
    menu = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=3003)
    uk = translator("uk")
    assert uk._("Find a place") in " ".join(menu.button_labels)
    # From now on the bot answers in Ukrainian.
    mark = len(fake_telegram.calls)
    fake_telegram.send_text(3003, "/help")
    help_text = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=3003)
    assert uk._("ℹ️ <b>What I can do</b>") in help_text.text
    assert uk._("Find a place") in " ".join(help_text.button_labels)


async def test_unknown_command_gets_a_hint(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport
):
    await _onboard(fake_telegram, 4004, "tr", "tr")
    mark = len(fake_telegram.calls)
    fake_telegram.send_text(4004, "/frobnicate <b>now</b>")
    hint = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=4004)
    assert "/frobnicate" in hint.text
    assert "/help" in hint.text
    assert hint.text.startswith("🤔")


async def test_command_menus_in_every_language(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport
):
    menus = fake_telegram.calls_to("setMyCommands")
    by_language = {call.params.get("language_code"): call.params["commands"] for call in menus}
    assert set(by_language) == {None, *SUPPORTED_LANGUAGES}
    fa = {c["command"]: c["description"] for c in by_language["fa"]}
    assert fa["help"] == translator("fa")._("Explain what the bot can do")
    assert {c["command"] for c in by_language["de"]} >= {"start", "help", "language", "delete"}


async def test_the_coordinators_group_has_a_menu_of_its_own(
    fake_telegram: FakeTelegram, telegram_group_bot: TelegramTransport, telegram_group
):
    """In the group "/" offers what works there, not /start or /help ("does not work in
    this group"); everyone else's menu stays as it was."""
    router = telegram_group.dispatcher.router
    works_there = {name for name, spec in router.commands.items() if spec.backchannel}
    menus = fake_telegram.calls_to("setMyCommands")
    group = [c for c in menus if (c.params.get("scope") or {}).get("chat_id") == TELEGRAM_GROUP]
    everyone = [c for c in menus if "scope" not in c.params]
    assert {c.params.get("language_code") for c in group} == {None, *SUPPORTED_LANGUAGES}
    for call in group:
        assert call.params["scope"]["type"] == "chat"
        assert {c["command"] for c in call.params["commands"]} == works_there
    uk = next(c for c in group if c.params.get("language_code") == "uk")
    pending = next(c for c in uk.params["commands"] if c["command"] == "pending")
    assert pending["description"] == translator("uk")._(router.commands["pending"].description)
    assert all("start" in {c["command"] for c in call.params["commands"]} for call in everyone)


async def test_html_in_user_text_is_escaped(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport
):
    await _onboard(fake_telegram, 5005, "en", "en")
    mark = len(fake_telegram.calls)
    fake_telegram.send_text(5005, "/<script>")
    hint = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=5005)
    # The fake server rejects broken HTML with 400, so arriving at all proves escaping.
    assert "&lt;script&gt;" in hint.text


async def test_failed_api_calls_do_not_stop_the_bot(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport
):
    fake_telegram.failures["sendMessage"] = [502]
    mark = len(fake_telegram.calls)
    fake_telegram.send_text(6006, "/start", language_code="en")
    await fake_telegram.wait_for("sendMessage", after=mark, chat_id=6006)  # answered 502
    fake_telegram.send_text(6006, "/start", language_code="en")
    second = await fake_telegram.wait_for(
        "sendMessage", lambda c: c.result is not None, after=mark, chat_id=6006
    )
    assert "🌐" in second.text


async def test_unsupported_method_is_logged_not_fatal(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport, caplog
):
    # A self-hosted Bot API server may not know every method; the bot must carry on.
    await telegram_bot._call(
        "someFutureMethod", lambda: telegram_bot.bot.do_api_request("someFutureMethod")
    )
    assert "someFutureMethod failed" in caplog.text
    mark = len(fake_telegram.calls)
    fake_telegram.send_text(7007, "/help", language_code="pl")
    answer = await fake_telegram.wait_for("sendMessage", after=mark, chat_id=7007)
    assert translator("pl")._("ℹ️ <b>What I can do</b>") in answer.text


async def test_long_message_is_split(fake_telegram: FakeTelegram, telegram_bot: TelegramTransport):
    from markupsafe import Markup

    from handlers.messages import Button, Message

    paragraph = Markup("<b>Absatz</b> ") + "x" * 990 + "\n\n"
    message = Message(Markup("").join([paragraph] * 9), [[Button("OK", "menu:main")]])
    mark = len(fake_telegram.calls)
    await telegram_bot.deliver("8008", message)
    sent = fake_telegram.calls_to("sendMessage", chat_id=8008)
    assert len(sent) == 3 and len(fake_telegram.calls) - mark == 3
    assert all(call.result is not None for call in sent)  # accepted: valid HTML, ≤ 4096
    assert [bool(call.buttons) for call in sent] == [False, False, True]
    assert sum(call.text.count("<b>Absatz</b>") for call in sent) == 9


async def test_group_messages_are_not_answered(
    fake_telegram: FakeTelegram, telegram_bot: TelegramTransport
):
    mark = len(fake_telegram.calls)
    fake_telegram.send_text(9009, "hello", chat_type="group", chat_id=-100)
    fake_telegram.send_text(9010, "/start", language_code="en")
    await fake_telegram.wait_for("sendMessage", after=mark, chat_id=9010)
    assert not fake_telegram.calls_to("sendMessage", chat_id=-100)
