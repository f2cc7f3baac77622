"""Rendering a message as a text message (bot/transports/sms/render.py): a message with a
short form (``Message.brief``) is sent as that form with the STOP line, whatever message it
is; a message without one is sent as it is, whatever its buttons (the transport does not
know which message is the privacy notice)."""

from __future__ import annotations

from markupsafe import Markup

from bot.transports.sms.render import render
from handlers.messages import Button
from locales import translator

LONG = Markup("<b>A long notice</b>\n" + "Many words about many things. " * 20)
BRIEF = Markup("Short: we keep little. All: https://nachbarn.example/x?lang=de")


def test_any_message_with_a_short_form_goes_as_it_with_the_stop_line():
    t = translator("de")
    buttons = [[Button("🍎 Apples", "fruit:apple"), Button("🍐 Pears", "fruit:pear")]]
    text, listed = render(LONG, buttons, t, "", BRIEF)
    assert text.startswith("Short: we keep little. All: https://nachbarn.example/x?lang=de")
    assert "long notice" not in text and "Many words" not in text
    assert str(t.t("Send STOP to end all texts.")) in text
    assert "STOPP" in text
    # Its choices stay, numbered.
    assert listed == [("🍎 Apples", "fruit:apple"), ("🍐 Pears", "fruit:pear")]
    assert "1 🍎 Apples\n2 🍐 Pears" in text


def test_a_message_asking_for_consent_without_a_short_form_goes_as_it_is():
    t = translator("en")
    buttons = [[Button("✅ I agree", "consent:yes"), Button("❌ No, thanks", "consent:no")]]
    text, listed = render(Markup("Please read this."), buttons, t, "")
    assert text.startswith("Please read this.")
    assert "STOP" not in text
    assert [data for _, data in listed] == ["consent:yes", "consent:no"]
