"""A request's history as coordinators read it: what happened, in their language, with the
time and money a volunteer reported - never the audit log's internal codes.

Each entry of ``db.requests.history`` becomes one line. A decision taken on the web desk
is logged twice (the state change, then ``desk.<action>``): it reads as one line, marked
"🖥". An action this module does not know is shown as "Changed", not as its code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from db.clock import from_text
from handlers.helping.lifecycle import (
    FORCED_HAND_BACK,
    HAND_BACK_REASONS,
    UNREACHABLE_ACTION,
    UNREVIEWED_ACTION,
)
from handlers.helping.matching.offer_sending import OFFER_HELD_ACTION
from handlers.helping.vocabulary import REJECT_REASONS
from locales import N_, Translator

Entry = dict[str, Any]

_STATES = {
    # Held back by a posting limit (handlers/helping/posting_limits.py): kept, not sent yet.
    "request.draft": N_("⏸ Held back by a posting limit"),
    "request.review": N_("📝 Sent for checking"),
    "request.open": N_("✅ Published"),
    "request.matched": N_("🤝 A helper took it"),
    "request.done": N_("🏁 Help done"),
    "request.withdrawn": N_("🗑 Withdrawn"),
    "request.expired": N_("⌛ Ended without a helper"),
}
PUBLISHED_UNREVIEWED = N_("⚡ Published without review, {after} after asking")
_OTHERS = {
    "request.question": N_("❓ A question to the requester"),
    "request.reoffer": N_("📣 Offered again"),
    "request.kept": N_("📌 The requester kept it open"),
    "request.phone": N_("📞 Reached by phone from now on"),
    "report": N_("⚠️ A report"),
    UNREACHABLE_ACTION: N_("📵 The requester can no longer be reached in the chat"),
}


def _rejected(t: Translator, details: dict[str, Any]) -> Markup:
    reason = REJECT_REASONS.get(str(details.get("reject_reason", "")))
    if reason is None:
        return t.t("❌ Not published")
    return t.t("❌ Not published: {reason}", reason=t._(reason))


def _handed_back(t: Translator, details: dict[str, Any]) -> Markup:
    key = str(details.get("reason", ""))
    reason = HAND_BACK_REASONS.get(key) or FORCED_HAND_BACK.get(key)
    if reason is None:
        return t.t("↩️ Handed back")
    return t.t("↩️ Handed back: {reason}", reason=t._(reason))


def _updated(t: Translator, details: dict[str, Any]) -> Markup:
    values = details.get("values") or {}
    parts = []
    if isinstance(values.get("minutes_spent"), int):
        parts.append(
            t.t("⏱ Time reported: {duration}", duration=t.duration(values["minutes_spent"]))
        )
    if isinstance(values.get("money_cents"), int):
        parts.append(t.t("💶 Money laid out: {amount}", amount=t.money(values["money_cents"])))
    if values.get("money_confirmed") is True:
        parts.append(t.t("💶 Money confirmed"))
    fields = set(details.get("fields") or ()) - {"minutes_spent", "money_cents", "money_confirmed"}
    if "summary" in fields:
        parts.append(t.t("📝 Summary for volunteers written"))
    if fields - {"summary"}:
        parts.append(t.t("✏️ Request changed"))
    return Markup(" · ").join(parts) if parts else t.t("✏️ Request changed")


def _offer_held(t: Translator, details: dict[str, Any]) -> Markup:
    until = details.get("until")
    if not isinstance(until, str):
        return t.t("✏️ Changed")
    return t.t("🌙 An offer waits for quiet hours until {time}", time=t.time(from_text(until)))


_WITH_DETAILS: dict[str, Callable[[Translator, dict[str, Any]], Markup]] = {
    OFFER_HELD_ACTION: _offer_held,
    "request.rejected": _rejected,
    "request.handed_back": _handed_back,
    "request.update": _updated,
}


def describe(t: Translator, entry: Entry) -> Markup:
    """One entry of the history in ``t``'s language."""
    action = str(entry.get("action", ""))
    details = entry.get("details") or {}
    if action in _WITH_DETAILS:
        return _WITH_DETAILS[action](t, details)
    label = _STATES.get(action) or _OTHERS.get(action)
    return t.t(label) if label else t.t("✏️ Changed")


def lines(t: Translator, entries: list[Entry]) -> list[tuple[Entry, Markup]]:
    """The history's lines, a desk decision folded into the change it made, and a
    publication without review (lifecycle ``publish_unreviewed``) read as one."""
    shown: list[tuple[Entry, Markup]] = []
    for entry in entries:
        action = str(entry.get("action", ""))
        if action == UNREVIEWED_ACTION and shown and shown[-1][0].get("action") == "request.open":
            minutes = (entry.get("details") or {}).get("minutes")
            if isinstance(minutes, int):
                after = t.duration(minutes)
                shown[-1] = (shown[-1][0], t.t(PUBLISHED_UNREVIEWED, after=after))
            continue
        if action.startswith("desk."):
            if shown and shown[-1][0].get("actor_id") == entry.get("actor_id"):
                previous, text = shown[-1]
                shown[-1] = (previous, text + " · " + t.t("🖥 on the desk"))
                continue
            shown.append((entry, t.t("🖥 On the desk")))
            continue
        shown.append((entry, describe(t, entry)))
    return shown
