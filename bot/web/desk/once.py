"""A desk form acts once: each form that tells someone something carries a token of its own
(``once``, made when the page is shown: ``pages.context``), and a second POST of it under
the same session - a second press while the first is on its way, which a phone's slow
network invites and Chromium sends as a new POST - gets the first one's answer (the same
303 to the same page) instead of acting again: a question is not sent twice, a decision
is not answered "already decided" by the coordinator's own first press. A POST of the
token while the first is still being handled waits for it. Only a form that succeeded is
remembered: a refused one (422, 409) is handled again and refused again, changing nothing.

Kept in this process's memory for ``KEPT`` (at most ``MOST`` tokens): a second press comes
within seconds to the same web process; a form without the token acts as before."""

from __future__ import annotations

import asyncio
import time
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

    sent: dict[tuple[str, str], _Sent] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic

    def _forget_old(self, now: float) -> None:
        for key in [k for k, v in self.sent.items() if now - v.at > KEPT and v.done.done()]:
            del self.sent[key]
        while len(self.sent) > MOST:
            del self.sent[next(iter(self.sent))]

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
