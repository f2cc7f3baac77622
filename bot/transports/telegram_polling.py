"""Long polling that confirms an update to Telegram only after it has been handled.

Telegram forgets an update once ``getUpdates`` is called with a higher offset.
python-telegram-bot's own updater makes that call as soon as it has queued a batch, while the
updates are still being handled: a crash in that moment loses them - a help request, a
coordinator's decision - although nothing was committed. Here the offset moves past an
update only after its transaction is committed and its answer sent, so after a crash
Telegram delivers it again and the duplicate check (or the kept answers) does the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from telegram.error import RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

log = logging.getLogger(__name__)

MAX_DELAY = 30.0


class CommittedPolling:
    def __init__(
        self,
        application: Application,
        timeout: int,
        on_error: Callable[[TelegramError], None],
        retry_after: Callable[[RetryAfter], float],
    ) -> None:
        self.application = application
        self.timeout = timeout
        self.on_error = on_error
        self.retry_after = retry_after
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        # Polling and a webhook exclude each other; an old webhook would make every
        # getUpdates fail.
        await self.application.bot.delete_webhook()
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="telegram-polling")

    async def stop(self) -> None:
        """Stop fetching; an update being handled is finished first."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        offset: int | None = None
        delay = 1.0
        while not self._stopping.is_set():
            try:
                updates = await self._fetch(offset)
            except TimedOut:
                continue
            except RetryAfter as exc:
                await self._pause(self.retry_after(exc))
                continue
            except TelegramError as exc:
                self.on_error(exc)
                await self._pause(delay)
                delay = min(delay * 2, MAX_DELAY)
                continue
            except Exception:
                # Whatever went wrong, polling must not end while the bot runs.
                log.exception("telegram getUpdates failed unexpectedly")
                await self._pause(delay)
                delay = min(delay * 2, MAX_DELAY)
                continue
            if updates is None:
                return  # stopping
            delay = 1.0
            for update in updates:
                # Handled one after the other, in order. Handler errors end in the
                # application's error handler; anything escaping that is logged, and the
                # update is not fetched again: one broken update must not stop the bot.
                try:
                    await self.application.process_update(update)
                except Exception:
                    log.exception("telegram update %s could not be handled", update.update_id)
                offset = update.update_id + 1

    async def _fetch(self, offset: int | None) -> tuple | None:
        """The next batch, or None once stop() was called while waiting for it."""
        fetch = asyncio.ensure_future(
            self.application.bot.get_updates(offset=offset, timeout=self.timeout)
        )
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await fetch
            return None
        return fetch.result()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
