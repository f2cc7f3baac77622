"""A tick list by text says what it holds (QA of the texts), through real Kannel with
fakesmsc (tests/support/sms/city.py): a texter asking for help ticks the languages they
speak, one number a text, and the list comes again after each. A chat shows "✅ Deutsch";
a text leaves icons out, so the list came back the same whether "1" had ticked Deutsch or
unticked it. Now a ticked choice says so in words ("1 Deutsch (gewählt)"), in the reader's
language (handlers/ui.py ``ticked``; a caller hears "Deutsch, gewählt: eins")."""

from __future__ import annotations

import re
from collections.abc import Callable

import handlers.media.medium_texts  # noqa: F401 - the texted and spoken forms are declared there
from db import Database
from handlers import ui
from locales import Medium, translator
from tests.support.sms.city import City, Resident, request_until_languages

NUMBER = "+4917677778888"


def _line(texts: list[str], number: int) -> str:
    """The choice ``number`` as the newest list names it."""
    for text in reversed(texts):
        for line in text.splitlines():
            if re.match(rf"^{number} ", line):
                return line.removeprefix(f"{number} ")
    raise AssertionError(f"no choice {number} in {texts!r}")


async def test_a_texter_sees_which_languages_are_ticked(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    texter = Resident(city, NUMBER)
    de = translator("de")
    texted = translator("de", medium=Medium.TEXTED)
    await texter.say("Hallo")
    await texter.choose("Deutsch")
    await texter.choose(de._("I agree"))
    await request_until_languages(texter, "Ich brauche Hilfe beim Einkaufen", from_menu=True)
    listed = [text.text for text in texter.new]
    english = _line(listed, 2)
    assert english == "English", listed

    await texter.say("2")  # English ticked
    listed = [text.text for text in texter.new]
    assert _line(listed, 2) == ui.ticked(texted, "English", True) != "English", listed
    assert _line(listed, 3) == "العربية"  # the others as they were

    await texter.say("2")  # and unticked again
    assert _line([text.text for text in texter.new], 2) == "English"


def test_a_caller_hears_the_tick_in_words_in_every_language() -> None:
    for lang in ("de", "en", "ar", "tr", "uk", "ru", "ro", "bg", "pl", "fa"):
        spoken = ui.ticked(translator(lang, medium=Medium.SPOKEN), "Polski", True)
        texted = ui.ticked(translator(lang, medium=Medium.TEXTED), "Polski", True)
        assert "✅" not in spoken and "✅" not in texted, lang
        assert spoken.startswith("Polski") and len(spoken) > len("Polski") + 3, lang
        assert texted.startswith("Polski") and len(texted) > len("Polski") + 3, lang
    assert ui.ticked(translator("de"), "Polski", True) == "✅ Polski"  # a chat: the tick
