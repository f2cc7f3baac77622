"""What a coordinator should look at before publishing a request: phone numbers, e-mail
addresses, street addresses, links, and text very like a recent request.

The checks run on the visible text (zero-width and other invisible characters removed,
compatibility forms folded), so "0171\u200b234…" or "a\u200b@b.de" cannot slip past them.
"""

from __future__ import annotations

import re

import phonenumbers
from markupsafe import Markup
from rapidfuzz import fuzz, process

from handlers.text_safety import visible
from locales import Translator

_EMAIL = re.compile(r"[\w.+-]+\s*@\s*[\w-]+\.[\w.-]+")
_LINK = re.compile(r"(https?://|www\.)\S+|\b\w[\w-]*\.(de|com|org|net|info|eu)\b", re.I)
_ADDRESS = re.compile(
    r"\b[\wäöüß.-]+(straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|hof|markt)"
    r"\s*\d{1,4}\s?[a-z]?\b",
    re.I,
)
SIMILARITY = 85


def has_phone_number(text: str) -> bool:
    """Whether a reader would see a phone number in ``text`` (German numbers or any with a
    country code)."""
    return any(True for _ in phonenumbers.PhoneNumberMatcher(visible(text), "DE"))


def warnings_for(t: Translator, text: str, recent: list[tuple[int, str]]) -> list[Markup]:
    """The warnings for a request's text, in the coordinators' language; ``recent``: other
    requests' texts as shown (``text_safety.visible``), see render.recent_texts."""
    seen = visible(text)
    found = []
    if has_phone_number(text):
        found.append(t.t("⚠️ contains a phone number"))
    if _EMAIL.search(seen):
        found.append(t.t("⚠️ contains an e-mail address"))
    if _ADDRESS.search(seen):
        found.append(t.t("⚠️ contains a street address"))
    if _LINK.search(seen):
        found.append(t.t("⚠️ contains a link"))
    similar = process.extractOne(
        seen,
        dict(recent),
        scorer=fuzz.token_set_ratio,
        score_cutoff=SIMILARITY,
    )
    if similar is not None:
        found.append(t.t("⚠️ very similar to request #{id}", id=similar[2]))
    return found
