"""How the web names a way to reach the bot (the easy page, bot/web/public/easy_page.py),
and how a page opens the bot at a place or a district (:class:`Opening`: the map, the place
pages, the posters, bot/web/public/links.py): each transport's declaration says its own
(bot/transports/hooks.py ``Transport.contact``, ``Transport.opening``), so that no web
page names a transport. The easy page is German by definition (Leichte
Sprache, BITV 2.0 § 4): a contact's lines are German, written by the transport, not
translations.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers


@dataclass(frozen=True)
class Contact:
    """One way in: ``link`` (https:, tel:, sms:) on a button that says ``shown``, the lines
    ``before`` and ``after`` it, ``ltr`` whether the button is a number or an address (left
    to right in any page); ``chat`` whether it is a chat app; a way for a person with none
    says what to do instead (``instead``: "rufen Sie an")."""

    link: str
    shown: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    ltr: bool = False
    chat: bool = False
    instead: str = ""


@dataclass(frozen=True)
class Opening:
    """How a page opens the bot at a start payload (a place, a district) in the chat app
    ``app``: ``link`` opens it there; where the app takes no payload in a link, ``link``
    opens the chat with ``account`` and the person writes ``command`` to it."""

    app: str
    link: str
    account: str = ""
    command: str = ""


def dialled(number: str, country: str) -> tuple[str, str]:
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
