"""A desk form acts once: each form that tells someone something carries a token of its own
(``once``, made when the page is shown: ``pages.context``), and a second POST of it under
the same session - a second press while the first is on its way, which a phone's slow
network invites and Chromium sends as a new POST - gets the first one's answer (the same
303 to the same page) instead of acting again: a question is not sent twice, a decision
is not answered "already decided" by the coordinator's own first press. A POST of the
token while the first is still being handled waits for it. Only a form that succeeded is
remembered: a refused one (422, 409) is handled again and refused again, changing nothing.

Kept in the city's database (db/conversation_marks.py: platform ``desk``, a digest of the
session's token, the mark ``form:<token>``, its value the answer's address), so that the
second press finds the first whichever web process of the city it reaches (several behind
one load balancer, docs/postgresql.md). A form being handled is marked with no answer for
at most ``HANDLING`` (a process that died while handling it leaves a mark that lapses); one
that succeeded for ``KEPT``; retention removes the lapsed marks. A form without the token
acts as before."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web

from db.conversation_marks import ConversationMarks

FIELD = "once"
KEPT = timedelta(minutes=10)
HANDLING = timedelta(seconds=30)
# How often a second press asks whether the first one's answer is there yet.
PAUSE = 0.1
PLATFORM = "desk"


class SentForms:
    """The forms sent under each session, by (session's token, form's token), in the city's
    database (``marks``)."""

    def __init__(
        self,
        marks: ConversationMarks,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.marks = marks
        self.clock = clock

    async def once(
        self, session: str, token: str, act: Callable[[], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """``act``'s answer, or the answer an earlier POST of this form got (a 303)."""
        if not token or len(token) > 64:
            return await act()
        # The session's token itself is a secret: its digest names the session here.
        chat = hashlib.sha256(session.encode()).hexdigest()[:32]
        mark = f"form:{token}"
        while True:
            now = self.clock()
            if await self.marks.claim(PLATFORM, chat, mark, now, now + HANDLING):
                break
            answered = await self.marks.value(PLATFORM, chat, mark, now)
            if answered:
                raise web.HTTPSeeOther(answered)
            # The first press is still being handled, here or at another process.
            await asyncio.sleep(PAUSE)
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
            if location:
                until = self.clock() + KEPT
                await self.marks.put(PLATFORM, chat, mark, until, value=location)
            else:
                await self.marks.drop(PLATFORM, chat, mark)
