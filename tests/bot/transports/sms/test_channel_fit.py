"""Issue 55, points 5-8: what an SMS reader reads offers only what texts can do, through
real Kannel with fakesmsc (tests/support/sms/city.py). SQLite only, like the other stories
through Kannel: each step waits about a second for Kannel's fake SMSC."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from db import Database
from db.users import ReadAloud
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.sms.city import City, Resident

GRETA = "+4917622222222"
AMIRA = "+4917611111111"


def _all(resident: Resident) -> str:
    return "\n".join(text.text for text in resident.texts)


async def test_a_new_person_by_sms_is_not_offered_read_aloud(
    make_city: Callable[..., object], db: Database
) -> None:
    """Point 6: where a voice speaks her language, a chat offers read aloud after the
    language; a text cannot carry a voice, so the notice to agree comes at once."""
    city: City = await make_city(speech_languages=frozenset(SUPPORTED_LANGUAGES))  # type: ignore[misc]
    greta = Resident(city, GRETA)
    de = translator("de")

    await greta.say("Hallo")
    await greta.choose("Deutsch")
    offered = "\n".join(text.text for text in greta.new)
    assert de._("Read everything aloud") not in offered, offered
    await greta.choose(de._("I agree"))
    user = await db.users.find("sms", GRETA)
    assert user is not None and user.consent_at is not None
    assert user.read_aloud == ReadAloud.OFF
    assert de._("Read everything aloud") not in _all(greta)
    # Nor in the settings, where a chat switches it.
    await greta.choose(de._("Settings"))
    assert de._("Read everything aloud") not in "\n".join(text.text for text in greta.new)


def _choices(text: str) -> dict[int, str]:
    """A text's numbered choices ("3 Kurze Kinderbetreuung"), by number."""
    found = (re.match(r"^([0-9]+) (.+)$", line) for line in text.splitlines())
    return {int(m.group(1)): m.group(2) for m in found if m}


async def test_every_choice_comes_in_the_first_text_and_each_is_reachable(
    make_city: Callable[..., object], db: Database
) -> None:
    """Point 7: the choices come whole in the first text of an answer - the Arabic notice's
    "agree" too -, a list of more than ten loses none ("Kurze Kinderbetreuung" and "Tragen
    und Umzug" can be chosen), and the rest of a long text comes on "0", which is never a
    choice: a key means one thing in every text."""
    city: City = await make_city()  # type: ignore[misc]
    amira = Resident(city, AMIRA)
    ar = translator("ar")
    await amira.say("مرحبا")
    await amira.choose("العربية")
    # The notice's first text (after "Language: Arabic") holds its choices.
    agree = ar._("I agree")
    first = next(text.text for text in amira.new if f"1 {agree}" in text.text.splitlines())
    assert any(label.endswith(agree) for label in _choices(first).values()), first
    await amira.choose(agree)

    greta = Resident(city, GRETA)
    de = translator("de")
    await greta.say("Hallo")
    await greta.choose("Deutsch")
    await greta.choose(de._("I agree"))
    await greta.choose(de._("Ask for help"))
    await greta.choose(de._("Ask for help"))
    kinds = _choices(greta.new[0].text)
    assert len(kinds) > 10, greta.new[0].text
    for wanted in (de._("Short childcare"), de._("Carrying and moving")):
        assert any(label.endswith(wanted) for label in kinds.values()), kinds
    await greta.say(next(str(n) for n, label in kinds.items() if label.endswith("Umzug")))
    user = await db.users.find("sms", GRETA)
    assert user is not None
    state = await db.users.get_state(user.id)
    assert state is not None and "moving" in json.dumps(state.data), state
    # No text asks for "more" with a key that is also a choice.
    for text in (*amira.texts, *greta.texts):
        lines = text.text.splitlines()
        assert not any(re.search("[9٩۹]$", line) and not _CHOICE.match(line) for line in lines), (
            text.text
        )
        assert 0 not in _choices(text.text)


_CHOICE = re.compile(r"^[0-9]+ ")


async def test_texts_offer_what_a_text_can_do_in_plain_and_easy_language(
    make_city: Callable[..., object], db: Database
) -> None:
    """Point 5: no location to share, no "/privacy" command: the places question asks for a
    postcode or district, the thanks for agreeing names the settings - and in easy language
    the easy words for it."""
    city: City = await make_city()  # type: ignore[misc]
    de = translator("de")
    greta = Resident(city, GRETA)
    await greta.say("Hallo")
    await greta.choose("Deutsch")
    await greta.choose(de._("I agree"))
    thanks = greta.new[0].text
    assert "/privacy" not in thanks and "Einstellungen" in thanks, thanks
    await greta.choose(de._("Find a place"))
    asked = "\n".join(text.text for text in greta.new)
    assert "Standort" not in asked and "Senden Sie eine Postleitzahl" in asked, asked

    # An easy reader: the easy words of the texted thanks.
    easy = Resident(city, "+4917633333333")
    await easy.say("Hallo")
    await easy.choose("Deutsch")
    user = await db.users.find("sms", easy.number)
    assert user is not None
    await db.users.set_easy_language(user.id, True)
    await easy.choose(de._("I agree"))  # the notice came before easy language was on
    thanks = easy.new[0].text
    texted = translator("de", easy=True, medium="texted")
    chat_thanks = (
        "✅ Thank you, you agreed to the privacy notice. You can read it again at any time "
        "with /privacy."
    )
    assert thanks == texted._(chat_thanks).removeprefix("✅ "), thanks
    assert "Danke! Sie haben Ja gesagt." in thanks and "/privacy" not in thanks
