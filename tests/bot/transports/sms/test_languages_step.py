"""Issue 80, point 6: by SMS the step "Which languages do you speak?" (a help request's,
handlers/forms/language_choice.py) said how to choose several only behind "0": its first text
held the question, the ten languages and "Done", and "More: send 0" before them. A texter
who answers the first text needs to know there that one number a text ticks one language
and "Done" ends it. Through the SMS transport's own sending (its paging by segments), in
every language, usual and easy."""

from __future__ import annotations

import re

import pytest

from bot.transports.sms.budget import Budget
from bot.transports.sms.paging import more_line
from bot.transports.sms.transport import SmsTransport
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.reader import Medium, translator_for
from locales import SUPPORTED_LANGUAGES, language_name
from tests.support.sms.gateways import NUMBER, RecordingKannel

_CHOICE = re.compile(r"^(\d+) (?:\W+ )?(.+)$")


async def _choose(sms: SmsTransport, gateway: RecordingKannel, label: str) -> None:
    """Send the number of the newest choice ``label``, asking for the rest of a text cut
    to fit while it is not shown."""
    label = re.sub(r"^\W+", "", label)
    for _ in range(4):
        for line in gateway.sent[-1][1].splitlines():
            found = _CHOICE.match(line)
            if found and found.group(2).endswith(label):
                await sms.take_text(NUMBER, found.group(1))
                return
        await sms.take_text(NUMBER, "0")
    raise AssertionError(f"no choice {label!r} in {[s for _, s in gateway.sent[-6:]]!r}")


@pytest.mark.parametrize("easy", [False, True], ids=["usual", "easy"])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_the_first_text_of_the_languages_step_says_how_to_choose_several(
    dispatcher: Dispatcher, db: Database, lang: str, easy: bool
) -> None:
    gateway = RecordingKannel()
    sms = SmsTransport(
        dispatcher.ports, db, gateway, Budget(db, 1000, [("console", "coordinators")])
    )
    await sms.take_text(NUMBER, "Hallo")
    user = await db.users.find("sms", NUMBER)
    assert user is not None
    await db.users.set_language(user.id, lang)
    await db.users.set_easy_language(user.id, easy)
    await db.users.record_consent(user.id)
    t = translator_for(lang, easy, Medium.TEXTED)
    await sms.take_text(NUMBER, "/menu")
    await _choose(sms, gateway, t._("Ask for help"))
    await _choose(sms, gateway, t._("Ask for help"))
    await _choose(sms, gateway, t._("Shopping and errands"))
    await sms.take_text(NUMBER, "Einkauf für Frau Meier")
    await sms.take_text(NUMBER, "44147")
    await _choose(sms, gateway, t._("⚡ As soon as possible"))
    if easy:
        await _choose(sms, gateway, t._("Another language"))
    step = gateway.sent[-1][1]
    assert all(language_name(code) in step for code in SUPPORTED_LANGUAGES), step
    # The first text is the whole step: the question and how to choose several, before
    # the choices; nothing of it waits behind "0".
    assert more_line(t) not in step, step
    question = t._("🗣 Which languages do you speak? Tap all that apply, then Done.")
    # Its last word (a text folds quotation marks): the sentence ends in the first text.
    last = re.sub(r"\W", "", question.split()[-1])
    assert re.search(rf"{last}\W*\n", step), (question, step)
