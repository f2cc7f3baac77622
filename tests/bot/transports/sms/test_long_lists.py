"""What a text message must not lose: a list of more than ten choices keeps every choice,
its way on ("Done", "Cancel") too (issue 55, point 7), an arrow icon (↔️) does not make a
German text UCS-2, and a door code's picture, dropped from a GSM-7 text, is there by its
name."""

from __future__ import annotations

from bot.transports.sms.budget import Budget
from bot.transports.sms.segments import folded, is_gsm
from bot.transports.sms.transport import SmsTransport
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.messages import Button, Message
from tests.support.sms.gateways import NUMBER, RecordingKannel

LANGUAGES = ["Deutsch", "English", "Türkçe", "Polski", "Română", "Italiano"] * 2


async def test_a_list_of_more_than_ten_choices_keeps_every_choice(
    dispatcher: Dispatcher, db: Database
) -> None:
    gateway = RecordingKannel()
    sms = SmsTransport(dispatcher.ports, db, gateway, Budget(db, 100, []))
    rows = [[Button(name, f"hr:lang:{n}")] for n, name in enumerate(LANGUAGES)]
    rows += [[Button("✔️ Fertig", "hr:langs-done")], [Button("✖️ Abbrechen", "hr:cancel")]]
    await sms.deliver(NUMBER, Message("Welche Sprachen sprechen Sie?", buttons=rows))
    # One text holds them all, each under its own number.
    assert len(gateway.sent) == 1
    lines = gateway.sent[0][1].splitlines()
    for n, name in enumerate(LANGUAGES, 1):
        assert f"{n} {name}" in lines
    # (Română makes the text UCS-2: the icons go all the same, issue 80 point 1.)
    assert "13 Fertig" in lines and "14 Abbrechen" in lines
    newest = await sms.store.newest(NUMBER)
    assert newest is not None
    assert newest[2][12:] == [("✔️ Fertig", "hr:langs-done"), ("✖️ Abbrechen", "hr:cancel")]


def test_an_arrow_icon_is_dropped_from_a_latin_text() -> None:
    text = "Wann?\n1 ⚡ Bald\n3 ↔️ Flexibel, in einem Zeitfenster"
    assert folded(text) == "Wann?\n1 Bald\n3 Flexibel, in einem Zeitfenster"
    assert is_gsm(folded(text))


async def test_a_door_code_keeps_its_picture_by_name_in_a_german_text(
    dispatcher: Dispatcher, db: Database
) -> None:
    from handlers.helping.render import door_code_text
    from locales import translator

    gateway = RecordingKannel()
    sms = SmsTransport(dispatcher.ports, db, gateway, Budget(db, 100, []))
    text = door_code_text(translator("de"), "🍎 86", requester=True, partner_name="Vera")
    await sms.deliver(NUMBER, Message(text))
    (sent,) = [text for _, text in gateway.sent]
    assert "Apfel 86" in sent and is_gsm(sent)
