"""What a phone may send that a keyboard's ordinary text is not, through Kannel and
fakesmsc: a concatenated text (parts with a UDH, joined by Kannel's bearerbox), a UCS-2 text
with emoji, an empty text and one of 2,000 characters. Each is one text for the bot,
answered once in the texter's language in whole sentences without invisible marks; what is
bad input changes nothing (the step and what was chosen stay)."""

from __future__ import annotations

import re
from collections.abc import Callable

from handlers.helping.requests_flow import IN_WORDS
from locales import language_name, translator
from tests.support.sms.city import City, Resident, until_description

DIRECTION_MARKS = frozenset(
    "\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e\u200e\u200f\u061c"
)
# A sentence's end in the ten languages' texts (Arabic and Persian write their own ؟).
_ENDS = re.compile(r"[.!?؟…:]$")


def _body(text: str) -> str:
    """The lines of a text before its numbered choices."""
    lines = text.splitlines()
    while lines and re.match(r"\d+ ", lines[-1]):
        lines.pop()
    return "\n".join(lines).strip()


def _bare(text: str) -> str:
    """The words without Arabic's vowel marks: a text carries them only where they cost no
    segment (bot/transports/sms/segments.py folded)."""
    return re.sub("[\u064b-\u0652]", "", text)


async def _state(city: City, number: str) -> tuple[str, object]:
    user = await city.db.users.find("sms", number)
    assert user is not None
    state = await city.db.users.get_state(user.id)
    assert state is not None
    return state.state, state.data


async def _texter(city: City, number: str, lang: str) -> Resident:
    texter = Resident(city, number)
    await texter.say("Hallo")
    await texter.choose(language_name(lang))
    await texter.choose(translator(lang)._("I agree"))
    await until_description(texter, lang)
    return texter


def _answered_once(texter: Resident) -> str:
    (answer,) = texter.new
    assert not DIRECTION_MARKS & set(answer.text), answer.text
    body = _body(answer.text)
    assert body and _ENDS.search(body), answer.text
    return answer.text


async def test_a_concatenated_text_is_one_text(make_city: Callable[..., object]) -> None:
    city: City = await make_city()  # type: ignore[misc]
    texter = await _texter(city, "+4915112345601", "de")
    handled = city.sms.handled
    description = "Ich brauche Hilfe beim Einkaufen am Samstag, bitte am Vormittag."
    await texter.say_in_parts(description, ref=7)  # three parts
    assert city.sms.handled == handled + 1
    _answered_once(texter)
    state, data = await _state(city, texter.number)
    assert state != "request.description"
    assert isinstance(data, dict) and data["draft"]["description"] == description


async def test_odd_texts_are_answered_and_change_nothing(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    for n, lang in enumerate(("ar", "de")):
        t = translator(lang)
        texter = await _texter(city, f"+491511234561{n}", lang)
        before = await _state(city, texter.number)
        assert before[0] == "request.description"

        await texter.say("")  # an empty text
        _answered_once(texter)
        assert await _state(city, texter.number) == before

        await texter.say("😀🙏")  # UCS-2, emoji alone
        said = _bare(t.t(IN_WORDS).removeprefix("✍️ "))
        assert _bare(_answered_once(texter)).startswith(said[:12])
        assert await _state(city, texter.number) == before

        handled = city.sms.handled
        long = ("مساعدة في التسوق " if lang == "ar" else "Hilfe beim Einkaufen ") * 125
        await texter.say_in_parts(long[:2000], ref=20 + n)
        assert city.sms.handled == handled + 1
        answer = _answered_once(texter)
        assert t.number(2000) in answer, answer
        assert await _state(city, texter.number) == before
