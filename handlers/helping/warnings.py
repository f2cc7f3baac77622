"""What a coordinator should look at before publishing a request: phone numbers, e-mail
addresses, street addresses, links, and text very like a recent request.

:func:`flagged` is the one place the checks of the text itself run: the review post shows
what it finds (:func:`warnings_for`), and a request it flags is never published at once
(handlers/helping/returning.py).

The checks run on the visible text (zero-width and other invisible characters removed,
compatibility forms folded), so "0171\u200b234…" or "a\u200b@b.de" cannot slip past them.
"""

from __future__ import annotations

import re

import phonenumbers
from markupsafe import Markup
from rapidfuzz import fuzz, process
from stdnum import iban

from handlers.text_safety import visible
from locales import N_, Translator

_EMAIL = re.compile(r"[\w.+-]+\s*@\s*[\w-]+\.[\w.-]+")
# A link: a scheme or www., a host with a path ("paypal.me/…", "wa.me/…", "bit.ly/…"), or
# a bare host on a top-level domain people send money and chats through.
_LINK = re.compile(
    r"(https?://|www\.)\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*"
    r"|\b\w[\w-]*\.(de|com|org|net|info|eu|me|ly|io|to|app|gl|link|page)\b",
    re.I,
)
# Where a bank account (IBAN) may begin: a country's two letters and two check digits;
# python-stdnum decides from there (the country's length and format, the check digits).
_IBAN_START = re.compile(r"\b[A-Z]{2}\d{2}")
_IBAN_CHARS = re.compile(r"(?: ?[A-Z0-9])+")
_ADDRESS = re.compile(
    r"\b[\wäöüß.-]+(straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|hof|markt)"
    r"\s*\d{1,4}\s?[a-z]?\b",
    re.I,
)
SIMILARITY = 85

# What the checks of a text find, each kind with its warning on the review post and its
# name in the line saying why a request was held for review.
NUMBER, EMAIL, ADDRESS, LINK, ACCOUNT = "number", "email", "address", "link", "account"
WARNINGS = {
    NUMBER: N_("⚠️ contains a phone number"),
    EMAIL: N_("⚠️ contains an e-mail address"),
    ADDRESS: N_("⚠️ contains a street address"),
    LINK: N_("⚠️ contains a link"),
    ACCOUNT: N_("⚠️ contains a bank account number (IBAN)"),
}
NAMES = {
    NUMBER: N_("a phone number"),
    EMAIL: N_("an e-mail address"),
    ADDRESS: N_("a street address"),
    LINK: N_("a link"),
    ACCOUNT: N_("a bank account number"),
}
_PATTERNS = ((EMAIL, _EMAIL), (ADDRESS, _ADDRESS), (LINK, _LINK))


def has_phone_number(text: str) -> bool:
    """Whether a reader would see a phone number in ``text`` (German numbers or any with a
    country code)."""
    return any(True for _ in phonenumbers.PhoneNumberMatcher(visible(text), "DE"))


def has_bank_account(text: str) -> bool:
    """Whether ``text`` holds a valid IBAN, written at once or in groups ("DE89 3704 …"),
    whatever follows it: each length an IBAN can have is tried where one may begin."""
    seen = visible(text).upper()
    for start in _IBAN_START.finditer(seen):
        run = _IBAN_CHARS.match(seen, start.start())
        compact = run.group(0).replace(" ", "") if run else ""
        if any(iban.is_valid(compact[:length]) for length in range(15, min(len(compact), 34) + 1)):
            return True
    return False


def flagged(text: str) -> tuple[str, ...]:
    """What a reader of ``text`` would find that a coordinator must see first: the kinds of
    :data:`WARNINGS` (a phone number, an e-mail address, a street address, a link, a bank
    account)."""
    seen = visible(text)
    found = [NUMBER] if has_phone_number(text) else []
    found += [kind for kind, pattern in _PATTERNS if pattern.search(seen)]
    found += [ACCOUNT] if has_bank_account(text) else []
    return tuple(found)


def warnings_for(t: Translator, text: str, recent: list[tuple[int, str]]) -> list[Markup]:
    """The warnings for a request's text, in the coordinators' language; ``recent``: other
    requests' texts as shown (``text_safety.visible``), see render.recent_texts."""
    seen = visible(text)
    found = [t.t(WARNINGS[kind]) for kind in flagged(text)]
    similar = process.extractOne(
        seen,
        dict(recent),
        scorer=fuzz.token_set_ratio,
        score_cutoff=SIMILARITY,
    )
    if similar is not None:
        found.append(t.t("⚠️ very similar to request #{id}", id=similar[2]))
    return found
