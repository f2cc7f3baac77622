"""QA of the SMS line (QA-VOICE-SMS): a long text in Arabic or Cyrillic letters reaches the
bot and is answered. Kannel joins the parts of a concatenated text and smsbox passes it in
its get-url's request line (``%b``, each letter two or three bytes of UTF-8, each byte
escaped as "%D9"); aiohttp refused a line over 8190 characters with 400 before the bot read
it - about 1,350 Arabic or Cyrillic letters - so the texter got no answer at all, not the
city's "too long, nothing was changed" that a German text of the same length gets. Now the
endpoint takes what Kannel can pass on (255 parts, bot/transports/sms/transport.py
``MAX_REQUEST``) and nothing longer.

The long text is sent to the bot as smsbox's get-url sends it (fakesmsc reads at most 255
bytes a line, so it cannot send a text this long); the answers go out through real
Kannel."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlencode

import aiohttp

from bot.transports.sms.transport import MAX_REQUEST, MOST_CHARS
from handlers.dispatcher import TOO_LONG
from locales import translator
from tests.support.sms.city import SECRET, City, Resident, onboarded, until

NUMBER = "+4915112345644"


async def _get_url(city: City, resident: Resident, text: str) -> int:
    """``text`` from ``resident`` as smsbox's get-url passes it on (docs/sms.md): the
    request's status; the answers, once handled, in ``resident.new``."""
    before, handled = len(resident.texts), city.sms.handled
    query = urlencode(
        {
            "secret": SECRET,
            "from": resident.number,
            "text": text,
            "coding": "2",
            "charset": "UTF-8",
            "id": secrets.token_hex(16),
        }
    )
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{city.sms.port}/sms?{query}") as response,
    ):
        status = response.status
    if status == 200:
        await until(lambda: city.sms.handled > handled)
        await city.arrived()
    resident.new = resident.texts[before:]
    return status


async def test_a_long_text_in_other_letters_is_answered_too_long(
    make_city: Callable[..., object],
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    t = translator("de")
    texter, _ = await onboarded(city, NUMBER)
    await texter.say("/menu")
    for text in ("Помогите " * 222, "مساعدة " * 290, "مساعدة"[:1] * MOST_CHARS):
        assert await _get_url(city, texter, text) == 200
        (answer,) = texter.new
        limit = city.story.dispatcher.settings.max_text_length
        too_long = t.t(TOO_LONG, length=t.number(len(text)), limit=t.number(limit))
        assert answer.text == too_long.removeprefix("✂️ "), answer.text
    # Bounded all the same: a request no gateway makes is refused before it is read.
    handled = city.sms.handled
    assert await _get_url(city, texter, "x" * MAX_REQUEST) == 400
    assert city.sms.handled == handled and texter.new == []
