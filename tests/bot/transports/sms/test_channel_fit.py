"""Issue 55, points 5-8: what an SMS reader reads offers only what texts can do, through
real Kannel with fakesmsc (tests/support/sms/city.py). SQLite only, like the other stories
through Kannel: each step waits about a second for Kannel's fake SMSC."""

from __future__ import annotations

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
