"""The calls that are up, found by whose they are (their chat id): a helper's bridged call is
handed into the one its resident's number finds (dialogue/handed_call.py), a PIN proves the
one its stand-in id finds.

A call is found by its number only once who it is is settled (:meth:`CallsByNumber.settled`):
a call that claims a known number is renamed to a stand-in first (dialogue/who_calls.py
``claim``), so a second call with a resident's caller ID - anyone can send one - never takes
the place of her own call that is up; nor does an unchecked call take a checked one's.
"""

from __future__ import annotations

from bot.transports.phone.calls.answered_call import Call, is_over


class CallsByNumber:
    def __init__(self) -> None:
        self._calls: dict[str, Call] = {}

    def get(self, chat_id: str) -> Call | None:
        return self._calls.get(chat_id)

    def __contains__(self, chat_id: object) -> bool:
        return chat_id in self._calls

    def settled(self, call: Call) -> None:
        """``call``'s person is known (a claim renamed it, a check or PIN proved it, or it
        claims nobody's number): its chat id finds it, unless a checked call holds it."""
        if call.caller.claimed or is_over(call):
            return
        held = self._calls.get(call.chat_id)
        if held is None or not held.caller.checked or call.caller.checked:
            self._calls[call.chat_id] = call

    def renamed(self, call: Call) -> None:
        """``call`` was given its person's chat id by who_calls.py (a stand-in's own, or the
        number its PIN proved): that id finds it - unless it is gone meanwhile (hung up
        while its claim was written), which nothing may find (nor keep)."""
        if is_over(call):
            return
        self._calls[call.chat_id] = call

    def drop(self, call: Call) -> None:
        """``call`` is over or renamed: its chat id no longer finds it (a newer call of the
        same chat id keeps its place)."""
        if self._calls.get(call.chat_id) is call:
            del self._calls[call.chat_id]
