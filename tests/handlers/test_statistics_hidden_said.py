"""The coordinators' weekly digest says what its "–" means, as the desk's statistics do:
hidden, fewer than three or a figure that would give such a one back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db import Database
from handlers.statistics import this_week
from handlers.statistics.city_figures import HIDDEN_NOTE
from handlers.statistics.small_groups import MIN_GROUP
from locales import translator
from tests.handlers.test_statistics import _request
from tests.support.memory_transport import MemoryTransport


async def test_the_digest_says_what_a_dash_means(story: MemoryTransport, db: Database):
    created = datetime.now(UTC) - timedelta(days=3)
    for _ in range(4):
        await _request(db, created=created, state="matched", wait_minutes=60)
    assert await this_week.digest(db, story.dispatcher.settings, datetime.now(UTC)) == 1
    await story.flush()
    digest = story.received("coordinators")
    assert "–" in digest, digest
    assert str(translator("de").t(HIDDEN_NOTE, n=MIN_GROUP)) in digest, digest
