"""Catalog maintenance: create a language with CLDR plural rules, and check all catalogs.

``python -m locales init LANG`` creates ``LANG/LC_MESSAGES/messages.po`` from the template
(``pybabel init`` would use Babel's older gettext table, which differs from CLDR for e.g.
Russian, Ukrainian and Polish). ``python -m locales check`` lists every problem and exits 1
if there is one, in the messages and in the easy-language variants (``easy.po``: each entry
the easy text of a message of the template, under its very id, with the same placeholders,
tags and /commands).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po
from babel.plural import to_gettext

from locales import (
    DOMAIN,
    EASY_DOMAIN,
    LOCALES_DIR,
    SUPPORTED_LANGUAGES,
    digit_system,
    numbering_system,
)

TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"
_CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\([A-Za-z_]\w*\)[sd]")
_TAG = re.compile(r"</?[a-z]+[^>]*>")
_COMMAND = re.compile(r"(?<![\w/])/[a-z][a-z0-9_]*")


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def easy_po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{EASY_DOMAIN}.po"


def read_easy_catalog(lang: str) -> Catalog | None:
    """The easy-language variants of ``lang``, None if it has none yet."""
    path = easy_po_path(lang)
    if not path.exists():
        return None
    with path.open("rb") as fp:
        return read_po(fp, locale=lang, domain=EASY_DOMAIN)


def cldr_plural_forms(lang: str) -> str:
    """The gettext Plural-Forms header for Babel's CLDR plural rule of ``lang``."""
    return to_gettext(Locale.parse(lang).plural_form).strip()


def plural_categories(lang: str) -> list[str]:
    tags = set(Locale.parse(lang).plural_form.tags) | {"other"}
    return [tag for tag in _CLDR_ORDER if tag in tags]


def read_catalog(lang: str) -> Catalog:
    with po_path(lang).open("rb") as fp:
        return read_po(fp, locale=lang, domain=DOMAIN)


def init_catalog(lang: str) -> Path:
    with TEMPLATE.open("rb") as fp:
        template = read_po(fp)
    catalog = Catalog(locale=lang, domain=DOMAIN, project="nachbarbot", fuzzy=False)
    catalog.mime_headers = [*catalog.mime_headers, ("Plural-Forms", cldr_plural_forms(lang))]
    for message in template:
        if message.id:
            catalog.add(
                message.id,
                string=("",) * catalog.num_plurals if message.pluralizable else "",
                flags=message.flags,
            )
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fp:
        write_po(fp, catalog, width=0, omit_header=False)
    return path


def fill_source_language(lang: str = "en") -> int:
    """Message ids are English: the English catalog repeats them. Returns how many were set."""
    catalog = read_catalog(lang)
    filled = 0
    for message in catalog:
        string = message.string
        if message.id and not (all(string or ()) if message.pluralizable else string):
            message.string = tuple(message.id) if message.pluralizable else message.id
            filled += 1
    with po_path(lang).open("wb") as fp:
        write_po(fp, catalog, ignore_obsolete=True)
    return filled


@dataclass(frozen=True)
class Problem:
    lang: str
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"{self.lang}: {self.what}: {self.msgid[:60]!r}"


# The number signs that belong to the Arabic-Indic and Persian numbering systems besides
# their digits: the Arabic percent, decimal and thousands signs.
_ARABIC_NUMBER_SIGNS = re.compile("[\u066a-\u066c]")
# A stretch of text without right-to-left letters (and without placeholders): in a Persian
# translation, the Latin text around a number taken over from the message id.
_LEFT_TO_RIGHT_STRETCH = re.compile(r"[^\u0590-\u08ff\ufb1d-\ufefc]+")
_LATIN_LETTER = re.compile("[A-Za-z]")
_EDGES = " \t\n.,;:()!?\u060c\u061b\u200c\u200e\u200f"


def foreign_digits(lang: str, msgid: str, string: str) -> str | None:
    """What is wrong with the digits of ``string`` (a translation of ``msgid`` into
    ``lang``), or None: a number in a catalog is written in the language's numbering system
    (locales.numbering_system), like the numbers the bot fills in. Latin digits stay Latin
    only inside a code taken over from the message id as it is, Latin letters and all ("UTF-8",
    "/verify 17", "Mo-Fr 10:00-16:00", "Leopoldstraße 50, 44147"): a code is typed as
    it is written."""
    system = numbering_system(lang)
    text = _PLACEHOLDER.sub(" ", string)
    if system == "latn":
        if any(digit_system(ch) != "latn" for ch in text if ch.isdecimal()) or (
            _ARABIC_NUMBER_SIGNS.search(text)
        ):
            return "Arabic-Indic or Persian digits (this language writes Latin digits)"
        return None
    if any(digit_system(ch) not in ("latn", system) for ch in text if ch.isdecimal()):
        return f"digits of another numbering system than {system}"
    for stretch in _LEFT_TO_RIGHT_STRETCH.findall(text):
        code = stretch.strip(_EDGES)
        if re.search("[0-9]", code) and not (_LATIN_LETTER.search(code) and code in msgid):
            return f"Latin digits in {code!r} (this language writes {system} digits)"
    return None


def _same(pattern: re.Pattern[str], a: str, b: str) -> bool:
    return Counter(pattern.findall(a)) == Counter(pattern.findall(b))


def check_message(lang: str, message: Message, categories: list[str]) -> list[Problem]:
    msgid = message.id if isinstance(message.id, str) else message.id[1]
    problems = []

    def problem(what: str) -> None:
        problems.append(Problem(lang, msgid, what))

    if message.fuzzy:
        problem("fuzzy")
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    if not all(strings):
        problem("untranslated")
        return problems
    if message.pluralizable and len(strings) != len(categories):
        problem(f"{len(strings)} plural forms, CLDR has {len(categories)}")
    for index, string in enumerate(strings):
        string = string or ""
        source = msgid
        expected = _PLACEHOLDER.findall(source)
        found = _PLACEHOLDER.findall(string)
        category = categories[index] if message.pluralizable and index < len(categories) else ""
        # "one" and "two" forms may say the number in words ("a day", "two days").
        if category in ("zero", "one", "two") and "{n}" not in found:
            expected = [p for p in expected if p != "{n}"]
        if Counter(expected) != Counter(found):
            problem(f"placeholders differ ({sorted(expected)} vs {sorted(found)})")
        if not _same(_TAG, source, string):
            problem("HTML tags differ")
        if not _same(_COMMAND, source, string):
            problem("/commands differ (commands are never translated)")
        if wrong := foreign_digits(lang, source, string):
            problem(wrong)
    return problems


def check_easy(lang: str, template_ids: set[str]) -> list[Problem]:
    """The easy variants of ``lang``: each under the id of a message of the template (an
    id no longer there is a stale entry nobody sees), as checked as a translation."""
    catalog = read_easy_catalog(lang)
    if catalog is None:
        return []
    categories = plural_categories(lang)
    problems: list[Problem] = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if msgid not in template_ids:
            problems.append(Problem(lang, msgid, "easy: not in template (stale easy entry)"))
            continue
        problems.extend(
            replace(problem, what="easy: " + problem.what)
            for problem in check_message(lang, message, categories)
        )
    return problems


def _ids(messages: Iterable[Message]) -> set[str]:
    """The msgids of ``messages`` (a plural's by its singular), the header left out."""
    return {m.id if isinstance(m.id, str) else m.id[0] for m in messages if m.id}


def _template_ids(template: Path) -> set[str]:
    with template.open("rb") as fp:
        return _ids(read_po(fp))


def check_catalogs(languages: tuple[str, ...] = SUPPORTED_LANGUAGES) -> list[Problem]:
    template_ids = _template_ids(TEMPLATE)
    problems: list[Problem] = []
    for lang in languages:
        if not po_path(lang).exists():
            problems.append(Problem(lang, "", "catalog missing"))
            continue
        catalog = read_catalog(lang)
        header = catalog.plural_forms.strip()
        if header != cldr_plural_forms(lang):
            problems.append(
                Problem(
                    lang, "", f"Plural-Forms {header!r} is not CLDR's {cldr_plural_forms(lang)!r}"
                )
            )
        categories = plural_categories(lang)
        ids = set()
        for message in catalog:
            if not message.id:
                continue
            ids.add(message.id if isinstance(message.id, str) else message.id[0])
            problems.extend(check_message(lang, message, categories))
        problems.extend(
            Problem(lang, missing, "missing from catalog") for missing in sorted(template_ids - ids)
        )
        problems.extend(
            Problem(lang, extra, "obsolete (not in template)")
            for extra in sorted(ids - template_ids)
        )
        problems.extend(check_easy(lang, template_ids))
    return problems


def check_compiled(
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES, folder: Path = LOCALES_DIR
) -> list[Problem]:
    """What the running bot reads: each language's compiled catalog holds every message of
    the template (a fuzzy or untranslated one is not compiled, so it counts as missing).
    ``bot doctor`` asks this - a fifth of a second, where :func:`check_catalogs` reads and
    checks every .po file (placeholders, plurals, the easy entries: ``python -m locales
    check``, the tests) in seconds."""
    template_ids = _template_ids(folder / f"{DOMAIN}.pot")
    problems: list[Problem] = []
    for lang in languages:
        mo = folder / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if not mo.exists():
            problems.append(Problem(lang, "", "compiled catalog missing"))
            continue
        with mo.open("rb") as fp:
            compiled = read_mo(fp)
        ids = _ids(compiled)
        problems.extend(
            Problem(lang, missing, "not in the compiled catalog")
            for missing in sorted(template_ids - ids)
        )
    return problems
