"""The phone tests' SIP components (tests/support/sip/fixtures.py): ``kamailio``, ``phones``,
``tone_wav``; the edge's patience with a line outside sip/; and the answers of every call
counted (tests/support/sip/answers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.sip.answers import counting
from tests.support.sip.fixtures import kamailio, phones, tone_wav

__all__ = ["kamailio", "phones", "tone_wav"]


@pytest.fixture(autouse=True)
def patient_edge(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A line that says nothing for 5 s is taken for hung by the edge (edge.py
    ``LINE_SILENT_SECONDS``): its caller hears the busy notice. On a machine busy with other
    work a live line was seen slower than that (a second call of test_bridged_call, the
    burst's calls: 408 from the edge). Only the edge's own tests (sip/) are about that rule;
    the others wait for the lines however slow."""
    if request.path.parent.name == "sip":
        return
    from bot.transports.phone.sip import edge

    monkeypatch.setattr(edge, "LINE_SILENT_SECONDS", 300.0)


@pytest.fixture(autouse=True)
def answers_counted() -> Iterator[None]:
    """Every call's answers counted (``tests.support.sip.answers.answers_to``)."""
    with counting():
        yield
