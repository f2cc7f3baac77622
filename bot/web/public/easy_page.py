"""The map explained in Leichte Sprache (BITV 2.0 § 4: a public body's site explains
itself in easy German): what the map is, how to use it, how to reach the bot, what helps
with reading. Linked from the map's first screen in every language.

Route: ``GET /leichte-sprache``. The page is German by definition, whatever the visitor's
language: its body text is German content written in the template
(``public/leichte_sprache.html``), not a translation, and its frame (the skip link, the
language control) comes from the German catalog so that the whole page is ``lang="de"``.
The language control leads to the map in the language chosen (the page has no other
language); the visitor's choice is remembered as on every page.

How to reach the bot names every way in the city runs: Telegram, Matrix, the phone line
(``[phone] number``) and text messages (``[sms] sender``), each only when configured; and
for a reader with none of the chats, a call, a text or a place to ask at.
"""

from __future__ import annotations

from urllib.parse import urlencode

import phonenumbers
from aiohttp import web

from bot.web.pages import context, render
from bot.web.public import links
from bot.web.site import SITE
from locales import translator

PATH = "/leichte-sprache"


def _switch_url(code: str) -> str:
    return (
        f"{PATH}?{urlencode({'lang': code})}" if code == "de" else f"/?{urlencode({'lang': code})}"
    )


def _number(number: str, country: str) -> tuple[str, str]:
    """A number as a German reader writes it ("0231 1234567") and for a ``tel:`` or ``sms:``
    link (E.164); ("", "") for none, the number as configured where it is no number."""
    if not number.strip():
        return "", ""
    try:
        parsed = phonenumbers.parse(number, country or "DE")
    except phonenumbers.NumberParseException:
        return number, number
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return national, phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


async def easy_page(request: web.Request) -> web.Response:
    site = request.app[SITE]
    config = site.config
    country = config.sms.country
    phone, phone_link = _number(config.phone.number if config.phone.enabled else "", country)
    sms, sms_link = _number(config.sms.sender if config.sms.enabled else "", country)
    return render(
        request,
        "public/leichte_sprache.html",
        **{**context(request, translator("de")), "switch_url": _switch_url},
        # The chat itself, without a deep link: the person starts with the greeting.
        telegram=f"https://t.me/{site.bot_username}" if site.bot_username else "",
        telegram_name=site.bot_username,
        matrix_account=links.matrix_account(site),
        matrix=links.matrix_link(site),
        city=site.settings.city,
        phone=phone,
        phone_link=phone_link,
        sms=sms,
        sms_link=sms_link,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, easy_page)
