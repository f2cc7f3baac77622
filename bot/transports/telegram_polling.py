"""Long polling that confirms an update to Telegram only after it has been handled.

Telegram forgets an update once ``getUpdates`` is called with a higher offset.
python-telegram-bot's own updater makes that call as soon as it has queued a batch, while the
updates are still being handled: a crash in that moment loses them - a help request, a
coordinator's decision - although nothing was committed. Here the offset moves past an
update only after its transaction is committed and its answer sent, so after a crash
Telegram delivers it again and the duplicate check (or the kept answers) does the rest.

The batch is fetched raw and each update read on its own: python-telegram-bot's
``get_updates`` reads the whole batch at once, so one update it cannot read (a field of an
unexpected type) failed every fetch and stopped polling for good - and it logged the raw
batch, texts and names included, at CRITICAL. Here such an update is skipped and confirmed
like any other, and only its id is logged.

A batch's updates of different chats are handled at the same time where the database serves
several at once (PostgreSQL: db/postgres.py ``updates_at_once``), each chat's in order; the
offset moves past the batch once every update in it was handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
import warnings
from collections.abc import Callable
from typing import Any

from telegram import Bot, Update
from telegram.error import RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ExtBot
from telegram.warnings import PTBUserWarning

from bot import log_redaction

log = logging.getLogger(__name__)

MAX_DELAY = 30.0
# The updates the bot serves (also for the webhook). Named rather than left to Telegram's
# default, which is whatever the last getUpdates or setWebhook asked for.
# ``my_chat_member``: the bot's own status in a chat changed - a person blocked it in their
# private chat (telegram.py ``TelegramTransport._chat_closed``).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
# Added to the long-poll timeout: how long the answer to getUpdates may take beyond it.
READ_MARGIN = 10.0


async def handle_update(application: Application, update: Update) -> None:
    """Hand ``update`` to the application. Handler errors end in its error handler; anything
    escaping that is logged with the update's id alone, and the update counts as handled:
    one broken update must not stop the bot."""
    try:
        await application.process_update(update)
    except Exception as exc:
        log.error("telegram update %s could not be handled: %s", update.update_id, failure(exc))


def chat_of(update: Update) -> object:
    """Whose turn an update waits for: its chat's, else its sender's (a button under an
    inline message has no chat), else its own."""
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return ("update", update.update_id)


def _no_advice_to_use_get_updates() -> None:
    """getUpdates is called through do_api_request to get the batch unparsed; the library
    then advises its own get_updates, which is what must be avoided here. (Installed when
    polling starts rather than at import: a warnings context around the import, such as a
    test runner's, would drop it again.)"""
    warnings.filterwarnings(
        "ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning
    )


def failure(exc: BaseException) -> str:
    """An exception for the log: its type and where it happened, never its message, which
    may quote what someone wrote (a TypeError naming a value, a KeyError naming a key)."""
    lines = traceback.format_tb(exc.__traceback__)
    return type(exc).__name__ + ("\n" + "".join(lines).rstrip() if lines else "")


def keep_content_out_of_library_logs() -> None:
    """python-telegram-bot logs updates, API parameters (message texts) and API results;
    the redaction of every record keeps them out of the log (idempotent)."""
    log_redaction.install()


def update_id_of(raw: Any) -> int | None:
    value = raw.get("update_id") if isinstance(raw, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# The fields of a new message that say who sent it, where and when; the rest is its content.
ENVELOPE = ("message_id", "date", "chat", "from")


def read_update(raw: Any, bot: Bot) -> Update | None:
    """The update, or None (logged with its id only) if python-telegram-bot cannot read it.
    A new message whose content alone it cannot read (a poll without the fields its Bot API
    version requires, a kind of message newer than it) is read without that content: the
    person is answered as for any kind of message the bot cannot use, not left with
    nothing."""
    try:
        return _read(raw, bot)
    except Exception as exc:
        error = type(exc).__name__
    envelope = _envelope(raw)
    if envelope is not None:
        with contextlib.suppress(Exception):
            update = _read(envelope, bot)
            log.warning(
                "telegram update %s: its content could not be read (%s); read without it",
                update_id_of(raw),
                error,
            )
            return update
    log.warning("telegram update %s could not be read (%s); skipped", update_id_of(raw), error)
    return None


def _read(raw: Any, bot: Bot) -> Update:
    update = Update.de_json(raw, bot)
    if update is None:
        raise ValueError("empty update")
    if isinstance(bot, ExtBot):
        bot.insert_callback_data(update)
    return update


def _envelope(raw: Any) -> dict[str, Any] | None:
    """A new message's update with only its :data:`ENVELOPE`; None for any other update
    (an edit, a button press: nothing to answer as a message)."""
    message = raw.get("message") if isinstance(raw, dict) else None
    if not isinstance(message, dict) or set(message) <= set(ENVELOPE):
        return None
    kept = {key: message[key] for key in ENVELOPE if key in message}
    return {"update_id": raw.get("update_id"), "message": kept}


class CommittedPolling:
    def __init__(
        self,
        application: Application,
        timeout: int,
        on_error: Callable[[TelegramError], None],
        retry_after: Callable[[RetryAfter], float],
        chats_at_once: int = 1,
    ) -> None:
        self.application = application
        # How many chats' updates of one batch are handled at the same time (the
        # database's ``updates_at_once``). One chat's are handled one after the other, so
        # that a person's answers keep their order; different chats' overlap: while one
        # update waits for the database or the Bot API, another's handler runs. Their
        # transactions keep each person's rows to one update at a time (db/postgres.py,
        # the person's lock), as with several processes.
        self.chats_at_once = max(1, chats_at_once)
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
        _no_advice_to_use_get_updates()
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
            except Exception as exc:
                # Whatever went wrong, polling must not end while the bot runs.
                log.error("telegram getUpdates failed unexpectedly: %s", failure(exc))
                await self._pause(delay)
                delay = min(delay * 2, MAX_DELAY)
                continue
            if updates is None:
                return  # stopping
            delay = 1.0
            if updates and all(update_id_of(raw) is None for raw in updates):
                # Nothing in the batch can be confirmed: do not ask again at once.
                log.warning("telegram sent %d updates without an id; skipped", len(updates))
                await self._pause(MAX_DELAY)
                continue
            batch: list[Update] = []
            for raw in updates:
                update_id = update_id_of(raw)
                if update_id is None:
                    # Not an update Telegram would send; the ids after it move the offset.
                    log.warning("telegram sent an update without an id; skipped")
                    continue
                if offset is not None and update_id < offset:
                    continue  # already confirmed
                update = read_update(raw, self.application.bot)
                if update is not None:
                    batch.append(update)
                # Confirmed with the next getUpdates, which waits for the whole batch.
                offset = update_id + 1
            await self._handle(batch)

    async def _handle(self, batch: list[Update]) -> None:
        """A batch's updates: each chat's one after the other, in order, and up to
        ``chats_at_once`` chats at the same time (one: all in the order they came)."""
        lanes: dict[object, list[Update]] = {}
        for update in batch:
            lanes.setdefault(chat_of(update) if self.chats_at_once > 1 else None, []).append(update)
        queue = iter(lanes.values())

        async def take_lanes() -> None:
            for lane in queue:
                for update in lane:
                    await handle_update(self.application, update)

        takers = min(self.chats_at_once, len(lanes))
        if takers <= 1:
            await take_lanes()
        else:
            await asyncio.gather(*(take_lanes() for _ in range(takers)))

    async def _fetch(self, offset: int | None) -> list[Any] | None:
        """The next batch, unparsed, or None once stop() was called while waiting for it."""
        parameters: dict[str, Any] = {"timeout": self.timeout, "allowed_updates": ALLOWED_UPDATES}
        if offset is not None:
            parameters["offset"] = offset
        fetch = asyncio.ensure_future(
            self.application.bot.do_api_request(
                "getUpdates", api_kwargs=parameters, read_timeout=self.timeout + READ_MARGIN
            )
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
        result = fetch.result()
        return result if isinstance(result, list) else []

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
