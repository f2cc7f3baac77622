"""``bot doctor``'s check of the translations reads what the bot reads: every message of the
template is in each language's compiled catalog (locales/catalogs.py ``check_compiled``);
a message left out, fuzzy or untranslated, and a catalog not compiled are each reported."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from locales.catalogs import check_compiled


def _catalogs(folder: Path, translated: dict[str, str]) -> None:
    """A template of three messages (one plural, one with a context), and a German catalog
    compiled with ``translated`` of them."""
    template = Catalog(locale=None, domain="messages")
    template.add("Hello")
    template.add(("{n} day", "{n} days"))
    template.add("Back", context="button")
    with (folder / "messages.pot").open("wb") as fp:
        write_po(fp, template)
    german = Catalog(locale="de", domain="messages")
    for msgid, text in translated.items():
        if msgid == "{n} day":
            german.add(("{n} day", "{n} days"), (text, text + "e"))
        elif msgid == "Back":
            german.add("Back", text, context="button")
        else:
            german.add(msgid, text)
    german.add("Later", "Später", flags=("fuzzy",))
    (folder / "de" / "LC_MESSAGES").mkdir(parents=True)
    with (folder / "de" / "LC_MESSAGES" / "messages.mo").open("wb") as fp:
        write_mo(fp, german)


def test_the_bots_own_catalogs_are_complete():
    assert check_compiled() == []


def test_a_message_left_out_of_the_compiled_catalog_is_reported(tmp_path: Path):
    _catalogs(tmp_path, {"Hello": "Hallo", "{n} day": "{n} Tag", "Back": "Zurück"})
    assert check_compiled(("de",), tmp_path) == []
    (tmp_path / "de").rename(tmp_path / "old")
    _catalogs(tmp_path, {"Hello": "Hallo", "{n} day": "{n} Tag"})
    [problem] = check_compiled(("de",), tmp_path)
    assert (problem.lang, problem.msgid) == ("de", "Back")


def test_a_catalog_not_compiled_is_reported(tmp_path: Path):
    _catalogs(tmp_path, {"Hello": "Hallo"})
    [problem] = check_compiled(("de", "en"), tmp_path)[-1:]
    assert problem.lang == "en" and "missing" in problem.what
