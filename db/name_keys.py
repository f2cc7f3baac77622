"""How the desk's searches compare a typed name with a stored one (places, volunteers):
in Python, so that SQLite and PostgreSQL find the same."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any


def name_key(text: str) -> str:
    """A name as a search compares it: Unicode's case folding, the same on either backend
    (SQLite's LIKE and lower() fold ASCII only, PostgreSQL's ILIKE none beyond it under the
    C locale the installation's database is made with: "ärzte" did not find "Ärztehaus"
    on either, nor "şehir" "ŞEHİR", nor "олена" "Олена"). Compatibility forms are read as
    their letters (NFKC), and Turkish i's alike: "İ" folds to "i" with a dot above, which
    is dropped, and the dotless "ı" of a Turkish keyboard is read as "i": "şehir", "ŞEHİR"
    and "ŞEHIR" find each other."""
    if text.isascii():  # most names: the same key in under half the time
        return text.lower()
    return unicodedata.normalize("NFKC", text).casefold().replace("\u0307", "").replace("ı", "i")


def holding(rows: Iterable[Sequence[Any]], names: Iterable[str]) -> list[int]:
    """The ids of ``rows`` (id, name) whose name holds any of ``names`` by :func:`name_key`,
    in the rows' order: the one comparison of every such search."""
    keys = [name_key(name) for name in names]
    return [row[0] for row in rows if any(key in name_key(row[1] or "") for key in keys)]
