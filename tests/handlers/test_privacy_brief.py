"""The privacy notice's short form (``Message.brief``, handlers/privacy.py) through the
in-memory transport: the notice to agree to and /privacy carry it, with the address of the
whole notice on the web in the reader's language; and the notice's words are true on every
platform (by SMS and on the phone line the phone number is the person's id, so it is not
"never kept": volunteers never see it)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handlers.messages import Message
from locales import translator
from tests.support.memory_transport import MemoryTransport, messages, readable

WEB = "https://nachbarn.example"


def _notice(out: list) -> Message:
    return next(m for m in messages(out) if "privacy:details" in str(m.buttons))


@pytest.mark.parametrize("lang", ["de", "ar"])
async def test_the_notice_to_agree_to_has_a_short_form_with_the_link(
    chat: MemoryTransport, settings, lang: str
):
    chat.dispatcher.settings = replace(settings, web_url=WEB)
    await chat.text("sf", "/start", hint=lang)
    notice = _notice(await chat.press("sf", f"lang:{lang}"))
    assert "consent:yes" in str(notice.buttons)
    assert notice.brief is not None
    brief = readable(str(notice.brief))
    assert f"{WEB}/privacy?lang={lang}" in brief
    t = translator(lang)
    assert readable(str(t.t("📋 All details: {url}", url="X"))).split("X")[0] in brief
    # /privacy after agreeing has it too.
    await chat.press("sf", "consent:yes")
    again = _notice(await chat.text("sf", "/privacy"))
    assert again.brief is not None and f"{WEB}/privacy?lang={lang}" in str(again.brief)


async def test_without_the_web_the_short_form_has_no_link(chat: MemoryTransport):
    await chat.text("nw", "/start", hint="de")
    notice = _notice(await chat.press("nw", "lang:de"))
    assert notice.brief is not None
    assert "http" not in str(notice.brief) and "Koordinationsteam" in str(notice.brief)


@pytest.mark.parametrize("lang", ["en", "de"])
async def test_the_notice_does_not_say_the_phone_number_is_never_kept(
    chat: MemoryTransport, lang: str
):
    """By SMS and on the phone line the number is the person's id: what is true everywhere
    is that volunteers never see it."""
    await chat.text("pn", "/start", hint=lang)
    notice = _notice(await chat.press("pn", f"lang:{lang}"))
    text = readable(str(notice.text))
    never_kept = {"en": "Never your phone number", "de": "Nie Ihre Telefonnummer"}[lang]
    never_seen = {
        "en": "Volunteers never see your phone number",
        "de": "Ehrenamtliche sehen nie Ihre Telefonnummer",
    }[lang]
    assert never_kept not in text
    assert never_seen in text
    assert never_seen in readable(str(notice.brief))
