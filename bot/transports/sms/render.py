"""A bot message as a text message: plain text, its links as lines, its choices numbered.

No markup survives (a phone shows ``<b>`` as it is). Choices are the numbered choices of
bot/transports/numbered_choices.py, one a line ("1 Yes"), at most ``MAX_CHOICES``; a longer
list (places near a postcode, say) ends with the web map's address, where all of them are.
"9" asks for the rest of a text cut to fit only while there is a rest: a text's choices are
pressed once it has come whole. Each part is folded to GSM-7 where it can be (icons dropped
from a Latin-script text) when it is cut (bot/transports/sms/segments.py).

The privacy notice (the message that asks for consent, handlers/privacy.py) is long for a
text message; on SMS it comes short: what is kept here (the phone number too, unlike on a
chat app), that STOP ends all texts, and its choices, "All details" among them.
"""

from __future__ import annotations

from markupsafe import Markup

from bot.transports.markup import html_to_plain, with_links
from bot.transports.numbered_choices import Choice, numbered
from handlers.messages import Button, links
from locales import Translator

MAX_CHOICES = 10
CONSENT = "consent:yes"


def _notice(t: Translator, city: str) -> Markup:
    return t.t(
        "🔒 We keep your phone number, your language and what you send. Coordinators in "
        "{city} read requests. Send STOP to end all texts.",
        city=city,
    )


def render(
    text: Markup, buttons: list[list[Button]], t: Translator, web_url: str, city: str
) -> tuple[str, list[Choice]]:
    """The text message for a message with ``text`` and ``buttons`` (in ``t``'s language),
    and the choices its numbers press."""
    listed = numbered(buttons)
    if any(data == CONSENT for _, data in listed):
        text = _notice(t, city)
    shown = listed[:MAX_CHOICES]
    parts = [html_to_plain(with_links(text, buttons)).strip()]
    if shown:
        parts.append("\n".join(f"{n} {label}" for n, (label, _) in enumerate(shown, 1)))
    if len(listed) > len(shown) and web_url and not links(buttons):
        parts.append(html_to_plain(t.t("All on the map: {url}", url=f"{web_url}/?lang={t.lang}")))
    return "\n".join(part for part in parts if part), shown
