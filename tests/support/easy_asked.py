"""Which texts an easy reader's translator is asked for: the ``asked`` fixture (a test
module imports it to use it), shared by the chat's and the web's easy-coverage tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from locales import Translator


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """Every message id an easy reader's translator is asked for (a plural by its
    singular, the id of its easy.po entry)."""
    seen: set[str] = set()
    gettext, ngettext = Translator.gettext, Translator.ngettext

    def recorded_gettext(self: Translator, message: str) -> str:
        if self.easy:
            seen.add(message)
        return gettext(self, message)

    def recorded_ngettext(self: Translator, singular: str, plural: str, n: int) -> str:
        if self.easy:
            seen.add(singular)
        return ngettext(self, singular, plural, n)

    monkeypatch.setattr(Translator, "gettext", recorded_gettext)
    monkeypatch.setattr(Translator, "_", recorded_gettext)
    monkeypatch.setattr(Translator, "ngettext", recorded_ngettext)
    yield seen
