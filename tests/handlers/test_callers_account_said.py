"""Key 3 says truly what the account keeps of a caller (issue 101, point 2).

Key 3's first sentence told callers in nine languages that their number and language were
kept "only as a code": only the PIN is (a salted hash); the number is kept as it is, to call
back. Now the sentence is made from the personal-data map: which of a caller's fields it
names (handlers/privacy_purposes.py ``CALLER_ACCOUNT``) are kept as they are and which only
as a code is the map's ``Table.coded``, never the words'. Checked here against the map, on
the words the phone line sends a caller (the in-memory chat as platform "phone", key 3 at
the notice), in all ten languages, usual and easy."""

from __future__ import annotations

from dataclasses import replace

import pytest

import bot.transports.registry  # noqa: F401 - declares the phone's and SMS's tables
from db import Database
from db.personal_data import IDENTITY, MAP, TABLES
from handlers.privacy_purposes import CALLER_ACCOUNT
from handlers.reader import Medium, translator_for
from handlers.settings import HandlerSettings, TranslationRules
from locales import SUPPORTED_LANGUAGES
from tests.handlers.test_notice_parts import CALLER, _caller


def test_the_map_names_every_hash_it_keeps_as_a_code():
    """A column holding a hash is declared coded, and a coded column is one of its table's."""
    for table in MAP:
        hashes = {column for column in table.columns if column.endswith("_hash")}
        assert hashes <= set(table.coded), (table.name, hashes - set(table.coded))
        assert set(table.coded) <= set(table.columns), table.name


async def test_the_account_fields_said_to_a_caller_are_the_maps(db: Database, settings):
    """Each field key 3 names is in the map under the account; every coded column of the
    account's tables and every column of a caller's row holding their number is named."""
    account = {table.name: table for table in MAP if table.purpose == "account"}
    named = {(field.table, column) for field in CALLER_ACCOUNT for column in field.columns}
    for table, column in named:
        assert table in account and column in account[table].columns, (table, column)
    coded = {(table.name, column) for table in account.values() for column in table.coded}
    assert coded <= named, coded - named
    await _caller(db, replace(settings, translation_rules=TranslationRules("deepl")), "de", True)
    row = await db.fetch_one("SELECT * FROM users WHERE platform_user_id = ?", (CALLER,))
    assert row is not None
    holding = {
        ("users", column)
        for column, kind in TABLES["users"].columns.items()
        if kind == IDENTITY and row[column] == CALLER
    }
    assert holding and holding <= named, holding - named


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
async def test_key_3_says_what_is_kept_as_it_is_and_what_only_as_a_code(
    db: Database, settings: HandlerSettings, lang: str, easy: bool
):
    _, first = await _caller(
        db, replace(settings, translation_rules=TranslationRules("deepl")), lang, easy
    )
    said = str(first.text)
    t = translator_for(lang, easy, Medium.SPOKEN)
    plain = [
        str(t.t(f.words))
        for f in CALLER_ACCOUNT
        if not set(f.columns) <= set(TABLES[f.table].coded)
    ]
    coded = [
        str(t.t(f.words)) for f in CALLER_ACCOUNT if set(f.columns) <= set(TABLES[f.table].coded)
    ]
    assert plain and coded  # the number as it is, the PIN only as a code
    kept = str(t.t("📞 We keep {what}, to call you back.", what=t.list_of(plain)))
    as_code = str(
        t.t("We keep {what} only as a code that nobody can turn back.", what=t.list_of(coded))
    )
    assert kept in said, (lang, easy, said)
    assert as_code in said, (lang, easy, said)
    # Nothing kept as it is is said to be kept as a code.
    for words in plain:
        assert words not in as_code, (lang, words)
