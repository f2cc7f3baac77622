"""Which figures the statistics hide so that none tells about one or two people.

A figure counted from fewer than ``MIN_GROUP`` requests (or volunteers) is hidden
(primary), and so is anything computed from it (hours, times, shares). That is zero too:
were a zero shown, a hidden figure beside it would say "one or two here", so "–" stands for
0, 1 or 2 alike (and every district and language has its row, whether it has anything or
not: handlers/statistics/city_figures.py). Hiding one cell is not enough where a total is shown: the
total minus the shown cells gives it back. So in every line that adds up to a total (a row,
a column, a table's margin), the hidden members together must come to nothing (which tells
about nobody) or to at least ``MIN_GROUP``, and never one member alone; otherwise the
smallest shown member is hidden too (secondary), until that holds.

A zero of volunteers is said, though (issue 100, point 7): it names nobody, and a
coordinator must read "0" / "no volunteer speaks it" where a language has requests and
nobody to take them, not "–" or "fewer than three". Beside it a hidden count of
volunteers reads as one or two: how many speak a language, never who, and never the exact
one or two (:func:`few`, :func:`protect_volunteers`). Counts of requests - residents - stay
hidden from zero up.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

MIN_GROUP = 3

K = TypeVar("K", bound=Hashable)


def too_small(count: int) -> bool:
    """Whether a figure counted from ``count`` people is hidden."""
    return count < MIN_GROUP


def few(count: int) -> bool:
    """Whether a count of volunteers is hidden: one or two (a zero names nobody, and is
    said)."""
    return 0 < count < MIN_GROUP


def _about_few(amount: int) -> bool:
    # What hidden members add up to: nothing tells about nobody, one or two about them.
    return 0 < amount < MIN_GROUP


def protect(counts: Mapping[K, int], lines: Iterable[tuple[Sequence[K], K | None]]) -> set[K]:
    """The members of ``counts`` to hide. ``lines``: each a set of members that add up to a
    total (the total's key, or None where the total is known without being a member, as a
    table's grand total that other tables show)."""
    hidden = {key for key, count in counts.items() if too_small(count)}
    lines = [(tuple(members), total) for members, total in lines]
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            everyone = (*members, total) if total is not None else members
            hidden_here = [key for key in everyone if key in hidden]
            if not hidden_here:
                continue
            shown_total = total is None or total not in hidden
            amount = sum(counts[key] for key in members if key in hidden)
            if len(hidden_here) > 1 and not (shown_total and _about_few(amount)):
                continue
            candidates = sorted(
                (counts[key], str(key), key)
                for key in everyone
                if key not in hidden and counts[key] > 0
            )
            if candidates:
                hidden.add(candidates[0][2])
                changed = True
    return hidden


def protect_partition(counts: Mapping[K, int]) -> set[K]:
    """The members of one partition of a known total (months of a year, districts)."""
    return protect(counts, [(list(counts), None)])


def protect_volunteers(counts: Mapping[K, int]) -> set[K]:
    """The counts of volunteers of one partition (per language) to hide: as
    :func:`protect_partition`, but a zero is said (it adds nothing to what hidden counts
    come to, so it gives none of them back)."""
    return {key for key in protect_partition(counts) if counts[key]}
