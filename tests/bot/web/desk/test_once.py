"""The desk's forms sent once (bot/web/desk/once.py) are remembered in memory, keyed by
what browsers send (a session's and a form's token): bounded by count and by age."""

from __future__ import annotations

import pytest
from aiohttp import web

from bot.web.desk import once
from bot.web.desk.once import SentForms


async def _saved() -> web.StreamResponse:
    raise web.HTTPSeeOther("/desk/queue?done=saved")


async def _send(forms: SentForms, session: str, token: str) -> None:
    with pytest.raises(web.HTTPSeeOther):
        await forms.once(session, token, _saved)


async def test_the_forms_remembered_are_bounded(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(once, "MOST", 50)
    forms = SentForms(clock=lambda: 1000.0)  # all within the time they are kept
    for number in range(200):
        await _send(forms, "session", f"form-{number}")
    # The one past the bound makes room as it comes: never more than MOST and the new one.
    assert len(forms.sent) <= 51
    assert ("session", "form-199") in forms.sent
    assert ("session", "form-0") not in forms.sent


async def test_a_form_kept_longer_than_kept_is_forgotten():
    now = [1000.0]
    forms = SentForms(clock=lambda: now[0])
    await _send(forms, "session", "old")
    now[0] += once.KEPT + 1
    await _send(forms, "session", "new")
    assert list(forms.sent) == [("session", "new")]
