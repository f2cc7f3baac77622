"""The searches for helpers a test's steps make, counted (handlers/helping/matching/ranking.py):
whether a page's hints were found again or taken from what was kept."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.helping.matching import ranking


def counted_searches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, each search of a page of requests (``candidates_of_page``, PostgreSQL)
    is noted as "searched", each ranking of a kept search again (``best``, SQLite) as
    "ranked", in order, in the list returned; both still do their work."""
    searches: list[str] = []
    page_of, best = ranking.candidates_of_page, ranking.best

    async def counted(*args: Any, **kwargs: Any) -> Any:
        searches.append("searched")
        return await page_of(*args, **kwargs)

    def ranked(*args: Any, **kwargs: Any) -> Any:
        searches.append("ranked")
        return best(*args, **kwargs)

    monkeypatch.setattr(ranking, "candidates_of_page", counted)
    monkeypatch.setattr(ranking, "best", ranked)
    return searches
