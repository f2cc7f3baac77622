"""The privacy notice by text message through real Kannel and fakesmsc (issue 64, point 3):
the short form a texter agrees to makes the chat notice's promises in the texts themselves
(who sees a request, that everything can be seen and erased - no web link needed), and
"All details" sends the whole notice as texts, one purpose a part ("Part 1 of 15"), each
with the answer to agree and "Next"; a texter agrees from a part. Every text at most two
segments (a longer part goes on with "More: send 0")."""

from __future__ import annotations

from collections.abc import Callable

from db import Database
from db.personal_data import PURPOSES
from tests.support.sms.city import City, Resident

NUMBER = "+4917633333333"


async def test_the_whole_notice_comes_in_parts_by_text_and_a_part_agrees(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    texter = Resident(city, NUMBER)
    await texter.say("Hallo")
    await texter.choose("Deutsch")
    notice = "\n".join(text.text for text in texter.new)
    for _ in range(3):  # the rest of the notice, on "0"
        if "Mehr: 0 senden" not in notice:
            break
        notice = notice.replace("Mehr: 0 senden", "")
        notice += "\n" + "\n".join(text.text for text in await texter.say("0"))
    # The promises in the texts: who sees a request, and everything seen and erased.
    assert "Eine helfende Person sieht Ihre Anfrage und Ihren Vornamen." in notice
    assert "In den Einstellungen bekommen Sie alles, was wir speichern, oder löschen es." in notice
    assert "/mydata" not in notice
    # "All details" (3): part one, with the answer to agree and "Next".
    assert "3 Alle Details" in notice
    first = "\n".join(text.text for text in await texter.say("3"))
    assert f"Teil 1 von {len(PURPOSES)}." in first, first
    assert "1 Ich stimme zu" in first and "3 Weiter" in first, first
    second = "\n".join(text.text for text in await texter.say("3"))
    assert f"Teil 2 von {len(PURPOSES)}." in second, second
    # Every part's text fits the wire: a longer one goes on with "0".
    assert all(text.parts <= 2 for text in texter.texts[1:])
    assert "1 Ich stimme zu" in second and "3 Weiter" in second, second
    await texter.say("1")
    user = await db.users.find("sms", NUMBER)
    assert user is not None and user.consent_at is not None
