"""The outcomes bench's judging seeds (issue 81, point 3): fresh seeds for every rule that is
tried, derived from the rule's name and written down before the run.

A seed set that has been looked at for several candidate rules becomes a validation set: a
rule chosen because it did well on it is no longer judged on seeds it never saw. So every
rule (a name for what is tried: "weekly cap 14, no floor without German") gets its own
seeds, derived from its name (:func:`seeds_for`: SHA-256 of the name, so anyone can check
them) and written down in ``judging-seeds.txt`` (``--register NAME``) and committed *before*
the run; ``--judge NAME`` refuses a name that is not written down there, or whose line is
not committed yet (the file differs from git's HEAD). The newest line names the rules as
they are on main: a plain run judges it. Seeds that were used to tune or to choose between
rules - ``TUNING_SEEDS``, the old held-out 4-11 among them - are never judging seeds.

``judging-seeds.txt``: one rule a line, ``<date>  <seeds, comma-separated>  <name>``
(``#`` comments); written by :func:`register`, read by :func:`registered`.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REGISTRY = HERE / "judging-seeds.txt"
# Seeds 1-3 tuned the offer rules' numbers; 4-11 were the held-out seeds of issues 57 and 63,
# looked at for at least five candidate rules: retired to tuning (issue 81, point 3).
TUNING_SEEDS = tuple(range(1, 12))
# Judging seeds lie in [LOW, HIGH): far from the small numbers anyone tries by hand.
LOW, HIGH = 100_000, 1_000_000
COUNT = 8


def seeds_for(name: str, count: int = COUNT) -> tuple[int, ...]:
    """``count`` distinct seeds from the SHA-256 of ``name`` (4 bytes each, then of the
    digest again when more are needed): the same name gives the same seeds anywhere."""
    if not name.strip():
        raise ValueError("a rule needs a name")
    seeds: list[int] = []
    digest = hashlib.sha256(name.strip().encode()).digest()
    while len(seeds) < count:
        for at in range(0, len(digest), 4):
            seed = LOW + int.from_bytes(digest[at : at + 4], "big") % (HIGH - LOW)
            if seed not in seeds and seed not in TUNING_SEEDS and len(seeds) < count:
                seeds.append(seed)
        digest = hashlib.sha256(digest).digest()
    return tuple(seeds)


def registered(path: Path = REGISTRY) -> dict[str, tuple[int, ...]]:
    """The rules written down, by name, in the order they were written (newest last)."""
    found: dict[str, tuple[int, ...]] = {}
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        _, seeds, name = line.split(maxsplit=2)
        found[name.strip()] = tuple(int(s) for s in seeds.split(","))
    return found


def register(name: str, count: int = COUNT, path: Path = REGISTRY) -> tuple[int, ...]:
    """Write ``name``'s seeds down (once: a name written down keeps its seeds)."""
    name = " ".join(name.split())
    known = registered(path)
    if name in known:
        return known[name]
    seeds = seeds_for(name, count)
    with path.open("a", encoding="utf-8") as file:
        file.write(f"{datetime.now(UTC):%Y-%m-%d}  {','.join(map(str, seeds))}  {name}\n")
    return seeds


def newest(path: Path = REGISTRY) -> str:
    """The newest rule written down: the rules as they are on main."""
    names = list(registered(path))
    if not names:
        raise SystemExit(f"outcomes: no rule is written down in {path.name} (--register NAME)")
    return names[-1]


def judging(name: str, path: Path = REGISTRY) -> tuple[int, ...]:
    """``name``'s seeds, if they were written down and committed before this run; else the
    bench stops (judging on seeds chosen after the fact is what this prevents)."""
    name = " ".join(name.split())
    known = registered(path)
    if name not in known:
        raise SystemExit(
            f"outcomes: {name!r} is not written down: run --register {name!r}, commit"
            f" {path.name}, then judge"
        )
    if known[name] != seeds_for(name, len(known[name])):
        raise SystemExit(f"outcomes: the seeds written down for {name!r} are not its own")
    if not committed(path):
        raise SystemExit(f"outcomes: commit {path.name} before judging on its seeds")
    return known[name]


def committed(path: Path) -> bool:
    """Whether ``path`` is as git's HEAD has it (True outside a git work tree: a release
    archive has no history to check, and its file came from one)."""
    inside = subprocess.run(
        ["git", "-C", str(path.parent), "rev-parse", "--is-inside-work-tree"],
        capture_output=True,
        check=False,
    )
    if inside.returncode != 0:
        return True
    same = subprocess.run(
        ["git", "-C", str(path.parent), "diff", "--quiet", "HEAD", "--", path.name],
        capture_output=True,
        check=False,
    )
    tracked = subprocess.run(
        ["git", "-C", str(path.parent), "ls-files", "--error-unmatch", path.name],
        capture_output=True,
        check=False,
    )
    return same.returncode == 0 and tracked.returncode == 0
