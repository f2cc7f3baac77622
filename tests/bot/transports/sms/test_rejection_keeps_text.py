"""A texter whose request is not published gets their own description back by SMS, under the
reason and what they can do next (handlers/helping/lifecycle.py ``reject``, the same text as
in a chat: tests/bot/transports/test_rejection_keeps_text.py), and it fits a text's rules:
whole sentences in every text, the reason and the next step in the first one, the rest
of a long text on "0", no invisible marks and no quote bar (a German text stays GSM-7),
through real Kannel with fakesmsc (tests/support/sms/city.py)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from bot.transports.sms.paging import more_line
from db import Database
from handlers.helping.lifecycle import ASK_AGAIN
from handlers.helping.vocabulary import REJECT_REASONS
from locales import translator
from tests.support.help_story import grant_role_to, press
from tests.support.sms.city import City, onboarded, write_request
from tests.support.sms.codes import code_in

NUMBER = "+4917677778888"
# As one text from a simple phone holds it (fakesmsc takes a line of 255 bytes).
SENTENCES = (
    "Ich brauche Hilfe beim Tragen von zwei schweren Kisten in den dritten Stock.",
    "Der Aufzug ist kaputt.",
    "Am besten am Dienstag, gern am Vormittag.",
)
DESCRIPTION = " ".join(SENTENCES)


async def test_a_rejected_texter_gets_their_description_in_whole_sentences(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    resident, user_id = await onboarded(city, NUMBER)
    await resident.say(code_in(await write_request(resident, DESCRIPTION)))
    (request,) = await db.requests.for_requester(user_id)
    assert request.state == "review"
    before = len(resident.texts)

    await city.story.onboard("cora", "de")
    await grant_role_to(db, "cora", "coordinator")
    await city.story.in_group("cora", press(f"mod:no:{request.id}"))
    await city.story.in_group("cora", press(f"mod:rr:{request.id}:unclear"))
    await city.flush()
    assert (await db.requests.get(request.id)).state == "rejected"

    t = translator("de")
    more = more_line(t)
    reason = t._(REJECT_REASONS["unclear"])
    since = resident.texts[before:]
    told = [i for i, text in enumerate(since) if reason in text.text]
    assert told, [text.text for text in since]
    texts = since[told[0] :]
    while more in texts[-1].text:
        texts += await resident.say("0")
    bodies = [text.text.replace(more, "").strip() for text in texts]

    # First the reason and what she can do, then her text, each of its sentences whole
    # in one text.
    assert t._(ASK_AGAIN) in bodies[0], bodies
    for sentence in SENTENCES:
        assert any(sentence in body for body in bodies), (sentence, bodies)
    assert DESCRIPTION in " ".join(" ".join(bodies).split()), bodies
    for text in texts:
        assert not [ch for ch in text.text if unicodedata.category(ch) == "Cf"], text.text
        assert "│" not in text.text, text.text
        assert text.coding == "7bit", text.text
        assert text.parts <= 2, text.text
