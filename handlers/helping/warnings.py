"""What a coordinator should look at before publishing a request: phone numbers, e-mail
addresses, street addresses, links, and text very like a recent request.

:func:`flagged` is the one place the checks of the text itself run: the review post shows
what it finds (:func:`warnings_for`), and a request it flags is never published at once
(handlers/helping/returning.py).

The checks run on the visible text (zero-width and other invisible characters removed,
compatibility forms folded), so "0171\u200b234…" or "a\u200b@b.de" cannot slip past them,
and normalised first (:func:`normalised`, issue 98 point 8b): a number spelt in words ("null
eins fünf eins …", in the ten languages' words for the digits) is read as its digits, a link
spaced out ("paypal . me / oma") as the link, "(at)" and "(dot)" ("[ät]", "(punkt)") as "@"
and ".", and an IBAN in hyphenated or dotted groups as one. Beside contact details they find
a chat name ("@oma_hilfe") and words of payment a scam asks for (Gutschein, Bargeld,
überweisen, gift card, havale …): a request that names them waits for the coordinators.
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
# A chat or social media name: "@" and a name, not within an e-mail address.
_HANDLE = re.compile(r"(?<![\w.+-])@\s?[A-Za-z0-9_][A-Za-z0-9_.]{2,}")
# Words of payment a request for help has no need of, and scams ask for: vouchers and gift
# cards, cash, transfers - in the ten languages (stems: any ending).
_MONEY = re.compile(
    r"\b(gutschein|bargeld|überweis|ueberweis|vorkasse|paysafe|guthabenkarte|"
    r"western\s*union|moneygram|geschenkkarte|gift\s*cards?|vouchers?|"
    r"(?:bank|wire|money)\s*transfer|havale|nakit|hediye\s*kart|"
    r"przelew|gotówk|ваучер|подарочн\w*\s*карт|переве\w*\s*деньг|наличн|готівк|"
    r"переказ\w*\s*грош|numerar|transfer\s*bancar|ваучер|в\s*брой|"
    r"حوالة|حواله|نقدا|نقدًا|قسيمة|کارت\s*هدیه|واریز)",
    re.I,
)
# The words for the digits in the ten languages (a number spelt out is read as one).
_DIGIT_WORDS = {
    **dict.fromkeys(
        ("null", "zero", "sıfır", "sifir", "zero", "ноль", "нуль", "нула", "zero", "صفر"), "0"
    ),
    **dict.fromkeys(
        (
            "eins",
            "ein",
            "one",
            "bir",
            "jeden",
            "один",
            "одна",
            "один",
            "едно",
            "едно",
            "unu",
            "unu",
            "واحد",
            "یک",
        ),
        "1",
    ),
    **dict.fromkeys(
        ("zwei", "zwo", "two", "iki", "dwa", "два", "дві", "две", "doi", "اثنان", "اثنين", "دو"),
        "2",
    ),
    **dict.fromkeys(("drei", "three", "üç", "uc", "trzy", "три", "trei", "ثلاثة", "سه"), "3"),
    **dict.fromkeys(
        (
            "vier",
            "four",
            "dört",
            "dort",
            "cztery",
            "четыре",
            "чотири",
            "четири",
            "patru",
            "أربعة",
            "اربعة",
            "چهار",
        ),
        "4",
    ),
    **dict.fromkeys(
        (
            "fünf",
            "fuenf",
            "funf",
            "five",
            "beş",
            "bes",
            "pięć",
            "piec",
            "пять",
            "п'ять",
            "пет",
            "cinci",
            "خمسة",
            "پنج",
        ),
        "5",
    ),
    **dict.fromkeys(
        (
            "sechs",
            "six",
            "altı",
            "alti",
            "sześć",
            "szesc",
            "шесть",
            "шість",
            "шест",
            "șase",
            "sase",
            "ستة",
            "شش",
        ),
        "6",
    ),
    **dict.fromkeys(
        (
            "sieben",
            "seven",
            "yedi",
            "siedem",
            "семь",
            "сім",
            "седем",
            "șapte",
            "sapte",
            "سبعة",
            "هفت",
        ),
        "7",
    ),
    **dict.fromkeys(
        ("acht", "eight", "sekiz", "osiem", "восемь", "вісім", "осем", "opt", "ثمانية", "هشت"), "8"
    ),
    **dict.fromkeys(
        (
            "neun",
            "nine",
            "dokuz",
            "dziewięć",
            "dziewiec",
            "девять",
            "дев'ять",
            "девет",
            "nouă",
            "noua",
            "تسعة",
            "نه",
        ),
        "9",
    ),
}
# A run of at least this many digits spelt out (or digits among them) is read as a number:
# fewer is a quantity ("zwei oder drei Flaschen"), never a phone number.
_SPELT_RUN = 5
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+")
# The endings of links people send money and chats through (as _LINK's bare hosts).
_TLDS = r"(?:de|com|org|net|info|eu|me|ly|io|to|app|gl|link|page)\b"
_SPACED_DOT = re.compile(rf"(?<=\w)\s*\.\s*(?={_TLDS})", re.I)
_SPACED_SLASH = re.compile(r"(?<=\.[a-z]{2})\s*/\s*", re.I)
_AT = re.compile(r"\s*[(\[{<]\s*(?:at|ät|ат)\s*[)\]}>]\s*", re.I)
_DOT = re.compile(r"\s*[(\[{<]\s*(?:dot|punkt|точка|nokta|kropka|punct)\s*[)\]}>]\s*", re.I)
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
_IBAN_CHARS = re.compile(r"(?:[ ./-]?[A-Z0-9])+")
_IBAN_SEPARATORS = re.compile(r"[ ./-]")
_ADDRESS = re.compile(
    r"\b[\wäöüß.-]+(straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|hof|markt)"
    r"\s*\d{1,4}\s?[a-z]?\b",
    re.I,
)
SIMILARITY = 85

# What the checks of a text find, each kind with its warning on the review post and its
# name in the line saying why a request was held for review.
NUMBER, EMAIL, ADDRESS, LINK, ACCOUNT = "number", "email", "address", "link", "account"
HANDLE, MONEY = "handle", "money"
WARNINGS = {
    NUMBER: N_("⚠️ contains a phone number"),
    EMAIL: N_("⚠️ contains an e-mail address"),
    ADDRESS: N_("⚠️ contains a street address"),
    LINK: N_("⚠️ contains a link"),
    ACCOUNT: N_("⚠️ contains a bank account number (IBAN)"),
    HANDLE: N_("⚠️ contains a chat name (@…)"),
    MONEY: N_("⚠️ mentions vouchers, cash or a money transfer"),
}
NAMES = {
    NUMBER: N_("a phone number"),
    EMAIL: N_("an e-mail address"),
    ADDRESS: N_("a street address"),
    LINK: N_("a link"),
    ACCOUNT: N_("a bank account number"),
    HANDLE: N_("a chat name"),
    MONEY: N_("vouchers, cash or a money transfer"),
}
_PATTERNS = (
    (EMAIL, _EMAIL),
    (ADDRESS, _ADDRESS),
    (LINK, _LINK),
    (HANDLE, _HANDLE),
    (MONEY, _MONEY),
)


def normalised(text: str) -> str:
    """``text`` as the checks read it: visible (text_safety.visible), a number spelt in
    words read as its digits, "(at)" and "(dot)" as "@" and ".", a link spaced out around
    its dots and slashes closed up. Not for display: it changes the text."""
    seen = _DOT.sub(".", _AT.sub("@", visible(text)))
    seen = _SPACED_SLASH.sub("/", _SPACED_DOT.sub(".", seen))
    return _digits_spelt(seen)


def _digits_spelt(text: str) -> str:
    """Runs of at least :data:`_SPELT_RUN` digits in words (or digits among them, "0151
    eins zwei …"), separated by spaces, commas, dots or hyphens, as one number of digits."""
    runs: list[tuple[int, int, str, bool]] = []  # start, end, digits, spelt
    start = end = 0
    digits, spelt, count = "", False, 0
    for word in _WORD.finditer(text):
        token = word.group(0)
        digit = token if token.isdigit() else _DIGIT_WORDS.get(token.lower())
        joined = count and not text[end : word.start()].strip(" ,.-/")
        if digit is not None and joined:
            digits, spelt, count, end = (
                digits + digit,
                spelt or not token.isdigit(),
                count + 1,
                word.end(),
            )
            continue
        if count >= _SPELT_RUN and spelt:
            runs.append((start, end, digits, spelt))
        if digit is None:
            digits, spelt, count = "", False, 0
        else:
            start, end = word.start(), word.end()
            digits, spelt, count = digit, not token.isdigit(), 1
    if count >= _SPELT_RUN and spelt:
        runs.append((start, end, digits, spelt))
    for start, end, digits, _spelt in reversed(runs):
        text = text[:start] + digits + text[end:]
    return text


def has_phone_number(text: str) -> bool:
    """Whether a reader would see a phone number in ``text`` (German numbers or any with a
    country code), spelt in words too."""
    return any(True for _ in phonenumbers.PhoneNumberMatcher(normalised(text), "DE"))


def has_bank_account(text: str) -> bool:
    """Whether ``text`` holds a valid IBAN, written at once or in groups ("DE89 3704 …",
    "DE89-3704-…"),
    whatever follows it: each length an IBAN can have is tried where one may begin."""
    seen = normalised(text).upper()
    for start in _IBAN_START.finditer(seen):
        run = _IBAN_CHARS.match(seen, start.start())
        compact = _IBAN_SEPARATORS.sub("", run.group(0)) if run else ""
        if any(iban.is_valid(compact[:length]) for length in range(15, min(len(compact), 34) + 1)):
            return True
    return False


def flagged(text: str) -> tuple[str, ...]:
    """What a reader of ``text`` would find that a coordinator must see first: the kinds of
    :data:`WARNINGS` (a phone number, an e-mail address, a street address, a link, a bank
    account, a chat name, words of payment), in ``text`` normalised (:func:`normalised`)."""
    seen = normalised(text)
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
