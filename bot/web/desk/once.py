"""A desk form acts once: each form that tells someone something carries a token of its own
(``once``, made when the page is shown: ``pages.context``), and a second POST of it under
the same session - a second press while the first is on its way, which a phone's slow
network invites and Chromium sends as a new POST - gets the first one's answer (the same
303 to the same page) instead of acting again: a question is not sent twice, a decision
is not answered "already decided" by the coordinator's own first press. A POST of the
token while the first is still being handled waits for it. Only a form that succeeded is
remembered: a refused one (422, 409) is handled again and refused again, changing nothing.

Kept in this process's memory for ``KEPT`` (at most ``MOST`` tokens): a second press comes
within seconds to the same web process; a form without the token acts as before. The tokens
are kept in the order they came (their times rise with it), so a POST forgets the old ones
from the front and looks at no other: a constant cost per POST, not a scan of ``MOST``."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

FIELD = "once"
KEPT = 600.0  # seconds
MOST = 10_000


@dataclass
class _Sent:
    at: float
    done: asyncio.Future[str | None]


@dataclass
class SentForms:
    """The forms sent under each session, by (session's token, form's token)."""

    # Oldest first: a form is added at the end and never moved (OrderedDict: taking the
    # first is O(1), where a dict's first key after many deletions is found by a scan).
    sent: OrderedDict[tuple[str, str], _Sent] = field(default_factory=OrderedDict)
    clock: Callable[[], float] = time.monotonic

    def _forget_old(self, now: float) -> None:
        while self.sent:
            oldest = next(iter(self.sent.values()))
            # A form still being handled stays (its second press waits for it); those after
            # it are younger, so the look stops there.
            if now - oldest.at <= KEPT or not oldest.done.done():
                break
            self.sent.popitem(last=False)
        while len(self.sent) > MOST:
            self.sent.popitem(last=False)

    async def once(
        self, session: str, token: str, act: Callable[[], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """``act``'s answer, or the answer an earlier POST of this form got (a 303)."""
        if not token or len(token) > 64:
            return await act()
        key = (session, token)
        earlier = self.sent.get(key)
        if earlier is not None:
            answered = await asyncio.shield(earlier.done)
            if answered is not None:
                raise web.HTTPSeeOther(answered)
        now = self.clock()
        self._forget_old(now)
        done: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self.sent.pop(key, None)  # added at the end, in the order of time
        self.sent[key] = _Sent(now, done)
        location: str | None = None
        try:
            response = await act()
            if response.status == 303:
                location = response.headers.get("Location")
            return response
        except web.HTTPException as answer:
            if answer.status == 303:
                location = answer.headers.get("Location")
            raise
        finally:
            done.set_result(location)
            if location is None and self.sent.get(key) is not None and self.sent[key].done is done:
                del self.sent[key]
