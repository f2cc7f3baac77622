"""QA of the SMS line (issue 77 follow-up, QA-VOICE), through real Kannel: a texter who
sends only emoji where the bot asks for a postcode or district. Before, the place search
spelled each emoji out as its name (anyascii: "🙂" as "slight smile"), guessed districts
from those words and answered with them - and, since a text leaves icons out, quoted the
input back as an empty "" ('"" kenne ich nicht. Meinten Sie …'). Now input that names
nothing is answered as a missing place (handlers/places/chat.py ``not_found``): no
guesses, nothing quoted empty, and the search is still where it was - a postcode sent
next finds its places."""

from __future__ import annotations

import re
from collections.abc import Callable

from locales import translator
from tests.support.sms.city import City, onboarded

_CHOICE = re.compile(r"^(\d+) (.+)$")
# An empty quotation in any of the catalogs' quotation marks.
_EMPTY_QUOTE = re.compile(r'""|„“|“”|«»|‹›|‚‘')


def _choices(text: str) -> list[str]:
    return [found.group(2) for line in text.splitlines() if (found := _CHOICE.match(line))]


async def test_emoji_for_a_place_guesses_nothing_and_changes_nothing(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    t = translator("de")
    resident, _ = await onboarded(city, "+4917612340001")
    await resident.say("/menu")
    await resident.choose(t._("Find a place"))
    answer = await resident.say("🙂🙂🙂")
    assert len(answer) == 1, [text.text for text in answer]
    text = answer[0].text
    # No district guessed from the emoji's names: the only choice is the way to the menu.
    assert _choices(text) == [t._("Main menu")], text
    assert not _EMPTY_QUOTE.search(text), text
    # Still the search: a postcode now is taken as the place.
    (found,) = await resident.say("44137")
    assert "44137" in found.text.splitlines()[0], found.text
