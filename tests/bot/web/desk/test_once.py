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


async def test_a_post_looks_at_the_oldest_forms_only(monkeypatch: pytest.MonkeyPatch):
    """Forgetting the old forms costs a POST the same however many are kept: it looks at
    the oldest, not at every one of up to MOST (a scan of 10,000 on every desk POST)."""
    looked: list[int] = []

    class Counted(once._Sent):
        def __getattribute__(self, name: str):
            if name == "at":
                looked.append(1)
            return super().__getattribute__(name)

    monkeypatch.setattr(once, "_Sent", Counted)
    forms = SentForms(clock=lambda: 1000.0)  # none is old yet
    for number in range(2000):
        await _send(forms, "session", f"form-{number}")
    looked.clear()
    await _send(forms, "session", "one more")
    assert len(looked) <= 2
    assert len(forms.sent) == 2001


async def test_the_old_forms_go_from_the_front_and_the_young_stay():
    now = [1000.0]
    forms = SentForms(clock=lambda: now[0])
    for number in range(5):
        await _send(forms, "session", f"old-{number}")
        now[0] += 1
    now[0] += once.KEPT - 3  # old-0 and old-1 are past KEPT, the rest within it
    await _send(forms, "session", "new")
    assert [token for _, token in forms.sent] == ["old-2", "old-3", "old-4", "new"]
