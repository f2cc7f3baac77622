"""Which texts an easy reader's translator is asked for: the ``asked`` fixture (a test
module imports it to use it), shared by the chat's and the web's easy-coverage tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from locales import Translator


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """Every message id an easy reader's translator is asked for (a plural by its
    singular, the id of its easy.po entry). ``t`` is recorded too: a translator keeps what
    it showed without values, and a page shown by an earlier test of the same worker is
    then not translated again (the texts were missed in that order, never alone)."""
    seen: set[str] = set()
    gettext, ngettext, shown = Translator.gettext, Translator.ngettext, Translator.t

    def recorded_gettext(self: Translator, message: str) -> str:
        if self.easy:
            seen.add(message)
        return gettext(self, message)

    def recorded_ngettext(self: Translator, singular: str, plural: str, n: int) -> str:
        if self.easy:
            seen.add(singular)
        return ngettext(self, singular, plural, n)

    def recorded_t(self: Translator, message: str, **values: object) -> object:
        if self.easy:
            seen.add(message)
        return shown(self, message, **values)

    monkeypatch.setattr(Translator, "gettext", recorded_gettext)
    monkeypatch.setattr(Translator, "t", recorded_t)
    monkeypatch.setattr(Translator, "_", recorded_gettext)
    monkeypatch.setattr(Translator, "ngettext", recorded_ngettext)
    yield seen
