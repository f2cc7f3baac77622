"""QA of the SMS line (issue 77 follow-up, QA-VOICE), through real Kannel: a help story
between two people who text - Amina asks in Arabic, Vera helps in Turkish - neither of
whom has a first name (a number on SMS or the phone line gives none, and is never shown).
Each reads the other as render.py ``first_name`` names a person without one ("Resident"
in the reader's language), never "?": before, "? will help you", the contact's choice
"Message ?" and every passed-on text "?: …" reached them (lifecycle.py ``_connect`` and
relay/chat.py wrote ``first_name or "?"``). Numbers stay hidden: neither reads the other's."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from db import Database
from handlers.context import Backstage
from handlers.helping import lifecycle
from handlers.helping.matching import offer_sending
from locales import translator
from tests.support.help_story import grant_role_to
from tests.support.helping_people import verified_volunteer
from tests.support.sms.city import City, Resident
from tests.support.sms.codes import code_in

AMINA = "+4917610000077"
VERA = "+905321234588"
# "?" standing as a word or a name before a colon (Arabic writes its own "؟").
_NO_NAME = re.compile(r"(^|\s)\?($|\s|:)", re.MULTILINE)


async def _agreed(city: City, number: str, hello: str) -> Resident:
    """A new texter whose first text picks her language, who chooses it and agrees."""
    person = Resident(city, number)
    await person.say(hello)
    await person.say("1")  # her language, offered first
    await person.say("1")  # I agree
    return person


async def test_people_without_a_name_read_each_other_as_a_word_never_a_question_mark(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    amina = await _agreed(city, AMINA, "مرحبا")
    vera = await _agreed(city, VERA, "Merhaba")
    await city.story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    requester = await db.users.find("sms", AMINA)
    helper = await db.users.find("sms", VERA)
    assert requester is not None and helper is not None
    assert requester.language == "ar" and helper.language == "tr"
    assert not requester.first_name and not helper.first_name
    scene = Backstage(db, city.story.dispatcher.settings)
    async with db.transaction():
        request = await lifecycle.submit(
            scene,
            requester,
            {
                "category": "shopping",
                "description": "مساعدة في التسوق",
                "stadtbezirk": "Innenstadt-Nord",
                "lat": 51.523,
                "lon": 7.456,
                "languages": ("ar", "tr"),
            },
        )
        await lifecycle.publish(scene, await db.users.get(cora), request.id)
    volunteer = await verified_volunteer(db, helper.id, languages=("tr", "ar"), verified_by=cora)
    published = await db.requests.get(request.id)
    assert published is not None
    async with db.transaction():
        assert await offer_sending.send_offer(scene, published, volunteer, datetime.now(UTC))
    await city.flush()
    amina_before, vera_before = len(amina.texts), len(vera.texts)
    vera.new = vera.texts[vera_before - 1 :]
    (asked,) = await vera.choose(translator("tr")._("I can help"))
    await vera.say(code_in(asked.text))  # her code: the request is hers
    await city.flush()
    await vera.say("Merhaba! Cumartesi saat 10'da gelebilirim.")
    await city.flush()
    # Her text for the helper waits for the code texted to her number (docs/sms.md).
    (held,) = await amina.say("شكرا! العاشرة مناسبة")
    await amina.say(code_in(held.text))
    await city.flush()
    told_amina = [text.text for text in amina.texts[amina_before:]]
    told_vera = [text.text for text in vera.texts[vera_before:]]
    # Both were told of the other and got the other's words...
    assert any("Cumartesi" in text for text in told_amina), told_amina
    assert any("العاشرة" in text for text in told_vera), told_vera
    # ... each naming the other by a word of her language, never "?".
    for text in told_amina + told_vera:
        assert not _NO_NAME.search(text), text
    ar_name, tr_name = translator("ar")._("Resident"), translator("tr")._("Resident")
    assert any(ar_name in text for text in told_amina), told_amina
    assert any(tr_name in text for text in told_vera), told_vera
    # Numbers stay hidden.
    everything = "\n".join(told_amina + told_vera)
    for number in (AMINA, VERA, AMINA[3:], VERA[3:]):
        assert number not in everything
