"""A request's history in the coordinator's words (handlers/helping/history.py)."""

from __future__ import annotations

from handlers.helping import history
from locales import translator


def test_every_entry_reads_as_words_with_the_reported_amounts():
    entries = [
        {"action": "request.review", "actor_id": 1, "details": {}},
        {"action": "request.open", "actor_id": 2, "details": {}},
        {"action": "desk.publish", "actor_id": 2, "details": {}},
        {"action": "request.matched", "actor_id": 3, "details": {"volunteer_id": 3}},
        {"action": "request.done", "actor_id": 1, "details": {}},
        {
            "action": "request.update",
            "actor_id": 3,
            "details": {"fields": ["minutes_spent"], "values": {"minutes_spent": 90}},
        },
        {
            "action": "request.update",
            "actor_id": 3,
            "details": {"fields": ["money_cents"], "values": {"money_cents": 1250}},
        },
        {"action": "request.handed_back", "actor_id": 3, "details": {"reason": "ill"}},
        {"action": "request.rejected", "actor_id": 2, "details": {"reject_reason": "trade"}},
        {"action": "something.new", "actor_id": 2, "details": {}},
    ]
    t = translator("de")
    shown = [str(text) for _, text in history.lines(t, entries)]
    assert len(shown) == len(entries) - 1  # the desk's entry joins the change it made
    assert "🖥" in shown[1]
    assert str(t.duration(90)) in shown[4]
    assert "12,50" in shown[5] and "€" in shown[5]
    assert not any("request." in line or "desk." in line or "something" in line for line in shown)
