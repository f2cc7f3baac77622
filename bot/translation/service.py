"""Translating the slots of a queued message (handlers/language_bridge.py) just before it is
sent: cache, daily budget, masking, timeout, and what the reader gets when it fails.

For each slot, in this order:

1. a translation of the same text into the same language from the cache (the database)
   is used as it is: an offer to fifty Turkish-speaking volunteers costs one call;
2. after a failure the engine is left alone for ``pause_seconds``: the messages meanwhile go
   out as written at once, instead of each waiting for the timeout (no retry loops);
3. phone numbers, e-mail addresses, links and numbers are masked (``masking``); the
   masked text's length is counted against ``daily_character_budget`` (per day in
   Europe/Berlin) before anything is sent, and past it the text goes out as written. The
   budget is the installation's, as ``[translation]`` is: counted in the main city's
   database (``budget``) for every city and process, each city's own figures beside it;
4. the engine gets at most ``timeout`` seconds. An error, a timeout or an answer that is no
   translation (empty, absurdly long, masks lost) leaves the slot untranslated, counted as a
   failure; a translation is unmasked, cached with whose words it was, and counted.

Logs name what happened, never the text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.config import TranslationSection
from bot.translation.engine import Engine, EngineError
from bot.translation.engines import engine_from_config
from bot.translation.masking import mask
from db import Database
from db.clock import local_day
from db.translations import TranslationStore
from handlers.language_bridge import BUDGET, FAILED, OFF, Outcome, Slot, fill, slots_in
from handlers.messages import Outgoing

log = logging.getLogger(__name__)

# A translation this many times longer than its text (plus a margin) is no translation.
MAX_GROWTH = 4
# Failures after which the engine is not asked for a while; a refused text (too long, a
# language pair it lacks) says nothing about the next one.
PAUSING_FAILURES = frozenset({"down", "key", "quota", "garbage", "timeout"})

Observer = Callable[[str, str, int], None]


class TranslationService:
    def __init__(
        self,
        db: Database,
        engine: Engine | None,
        *,
        daily_character_budget: int = 200_000,
        timeout: float = 5.0,
        pause_seconds: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        observe: Observer | None = None,
        budget: TranslationStore | None = None,
    ) -> None:
        self.db = db
        self.engine = engine
        self.budget = daily_character_budget
        # Where the installation's budget is counted: the main city's store.
        self.budget_store = budget or db.translations
        self.timeout = timeout
        self.pause = timedelta(seconds=pause_seconds)
        self.clock = clock
        # Metrics: (event, detail, characters) with event "translated", "cached",
        # "failed" (detail: the kind) or "over_budget".
        self.observe = observe or (lambda event, detail, characters: None)
        self._paused_until: datetime | None = None
        # Translations under way, by text and language pair: the messages of one delivery
        # round are filled at once, so the cache alone would let an offer to fifty
        # volunteers ask the engine fifty times.
        self._under_way: dict[tuple[str, str, str], asyncio.Future[Outcome]] = {}

    async def fill(self, item: Outgoing) -> Outgoing:
        """``item`` with its slots filled (unchanged if it has none)."""
        slots = slots_in(item)
        if not slots:
            return item
        outcomes = await asyncio.gather(*(self.translate(slot) for slot in slots))
        return fill(item, list(outcomes))

    async def translate(self, slot: Slot) -> Outcome:
        if self.engine is None:
            return Outcome(None, OFF)
        key = (slot.text, slot.source, slot.target)
        under_way = self._under_way.get(key)
        if under_way is not None:
            return await self._shared(await asyncio.shield(under_way))
        task = asyncio.ensure_future(self._translate(slot))
        self._under_way[key] = task
        try:
            return await task
        finally:
            del self._under_way[key]

    async def _shared(self, outcome: Outcome) -> Outcome:
        """The outcome of the same text's translation under way, counted as a text of its
        own (from memory, over budget or failed) without asking the engine again."""
        day = local_day(self.clock())
        if outcome.translation is not None:
            await self.db.translations.count(day, cached=1)
            self.observe("cached", "", 0)
        elif outcome.reason == BUDGET:
            await self.db.translations.count(day, over_budget=1)
            self.observe("over_budget", "", 0)
        elif outcome.reason == FAILED:
            await self.db.translations.count(day, failures=1)
            self.observe("failed", "shared", 0)
        return outcome

    async def _translate(self, slot: Slot) -> Outcome:
        assert self.engine is not None
        translations = self.db.translations
        cached = await translations.cached(slot.text, slot.source, slot.target)
        now = self.clock()
        day = local_day(now)
        if cached is not None:
            await translations.count(day, cached=1)
            self.observe("cached", "", 0)
            return Outcome(cached)
        if self._paused_until is not None and now < self._paused_until:
            return await self._failed(day, "paused")
        masked = mask(slot.text)
        characters = len(masked.text)
        if not await self.budget_store.reserve(day, characters, self.budget):
            await translations.count(day, over_budget=1)
            self.observe("over_budget", "", characters)
            return Outcome(None, BUDGET)
        await translations.count(day, characters=characters)
        try:
            answer = await asyncio.wait_for(
                self.engine.translate(masked.text, slot.source, slot.target), self.timeout
            )
        except EngineError as exc:
            return await self._failed(day, exc.kind)
        except TimeoutError:
            return await self._failed(day, "timeout")
        except Exception as exc:  # an engine's bug must not hold a message back
            log.error("translation engine raised %s", type(exc).__name__)
            return await self._failed(day, "garbage")
        restored = (
            masked.restore(answer)
            if isinstance(answer, str)
            and answer.strip()
            and len(answer) <= MAX_GROWTH * characters + 200
            else None
        )
        if restored is None:
            return await self._failed(day, "garbage")
        await translations.remember(
            slot.text,
            slot.source,
            slot.target,
            restored,
            owner_id=slot.owner_id,
            request_id=slot.request_id,
        )
        await translations.count(day, translated=1)
        self.observe("translated", slot.target, characters)
        return Outcome(restored)

    async def _failed(self, day: str, kind: str) -> Outcome:
        await self.db.translations.count(day, failures=1)
        self.observe("failed", kind, 0)
        if kind in PAUSING_FAILURES:
            self._paused_until = self.clock() + self.pause
            log.warning(
                "translation failed (%s): messages go out untranslated for %d s",
                kind,
                self.pause.total_seconds(),
            )
        return Outcome(None, FAILED)

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.close()


def service_from_config(
    db: Database,
    section: TranslationSection,
    observe: Observer | None = None,
    main: Database | None = None,
) -> TranslationService:
    """The service for the configured engine (none: every slot goes out as written);
    ``main``: the main city's database, where the installation's budget is counted (``db``
    itself for the main city or a lone one)."""
    return TranslationService(
        db,
        engine_from_config(section),
        daily_character_budget=section.daily_character_budget,
        timeout=section.timeout_seconds,
        observe=observe,
        budget=(main or db).translations,
    )
