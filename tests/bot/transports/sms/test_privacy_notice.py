"""The privacy notice by text message, through the SMS transport and the real dispatcher:
the short form the privacy handler gives (``Message.brief``) with the link to the whole
notice on the web, then the STOP line and the choices; the long notice is not sent."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.transports.sms.budget import Budget
from bot.transports.sms.gateways import Android
from bot.transports.sms.keywords import keyword
from bot.transports.sms.paging import more_line
from bot.transports.sms.segments import count
from bot.transports.sms.transport import SmsTransport
from db import Database
from handlers.dispatcher import Dispatcher
from locales import translator

NUMBER = "+4917612345670"
WEB = "https://nachbarn.example"


class Recording(Android):
    def __init__(self) -> None:
        super().__init__("http://phone.invalid:8080", "sms", "pw", "key")
        self.sent: list[str] = []

    async def send(self, to: str, text: str, key: str | None = None) -> str | None:
        self.sent.append(text)
        return f"m{len(self.sent)}"


def _choice(text: str, word: str) -> str:
    for line in text.splitlines():
        number, _, label = line.partition(" ")
        if number.isdigit() and word in label:
            return number
    raise AssertionError(f"no choice {word!r} in {text!r}")


@pytest.mark.parametrize(("lang", "name"), [("de", "Deutsch"), ("ar", "العربية")])
async def test_the_notice_by_sms_is_the_short_form_with_the_link(
    dispatcher: Dispatcher, db: Database, lang: str, name: str
):
    dispatcher.settings = replace(dispatcher.settings, web_url=WEB)
    gateway = Recording()
    sms = SmsTransport(dispatcher.ports, db, gateway, Budget(db, 1000, [("console", "c")]))
    await sms.take_text(NUMBER, "Hallo")
    for _ in range(3):
        try:
            number = _choice(gateway.sent[-1], name)
            break
        except AssertionError:
            await sms.take_text(NUMBER, "0")  # the rest of the languages
    else:
        raise AssertionError(f"no {name} offered")
    await sms.take_text(NUMBER, number)
    notice = gateway.sent[-1]
    # STOP in the first text, with the choices (issue 80, point 1): in Arabic «توقف».
    assert "stop" in {keyword(word) for word in re.findall(r"\w+", notice)}
    for _ in range(3):
        if more_line(translator(lang)) not in gateway.sent[-1].splitlines():
            break
        await sms.take_text(NUMBER, "0")
        notice += "\n" + gateway.sent[-1]
    assert f"{WEB}/privacy?lang={lang}" in notice
    # The long notice's own lines are not sent.
    assert "/mydata" not in notice
    # Two segments each (a notice's texts three where that ends it within three texts),
    # but for the picker, whose ten languages come whole in one text.
    assert all(count(text) <= 3 for text in gateway.sent[1:])
