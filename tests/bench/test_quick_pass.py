"""A quick pass of every benchmark (issue 65, point 6): each script's ``--quick`` run, a few
seconds of work, through the same runner as ``make bench`` (bench/run_all.py
``script_rows``), so that a change that breaks a benchmark is caught at that change and not
at the next ``make bench``. The figures are not judged here - targets live in bench/ and
bench/RESULTS.md - only that the benchmark ran through and printed its rows.

Each needs what ``make test`` sets up anyway: PostgreSQL (postgres, cluster), Chromium
(web), Kamailio and SIPp (phone), Kannel (sms). The two on PostgreSQL make their databases
in the test process's own cluster (bench/shared_postgres.py) instead of starting one each."""

from __future__ import annotations

import pytest

from bench.run_all import TIERS, script_rows
from bench.shared_postgres import VARIABLE, described
from bench.table import unjudged

# Every benchmark make bench runs (bench/run_all.py's quick tier: each script of the full
# tier, which runs every script of the standard one); telegram_bench.py runs in make bench's
# own process there, and as a script here.
BENCHMARKS = tuple(dict.fromkeys(bench.script for bench in TIERS["quick"]))
# Their quick pass takes the cluster named in bench/shared_postgres.py's VARIABLE.
ON_POSTGRESQL = {"postgres_bench.py", "cluster_bench.py"}


@pytest.mark.parametrize("script", BENCHMARKS)
def test_the_benchmark_runs_through_quickly(
    script: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
):
    if script in ON_POSTGRESQL:
        monkeypatch.setenv(VARIABLE, described(request.getfixturevalue("postgres_server")))
    rows = script_rows(script, minutes=10, args=("--quick",))
    failed = [reference for _, value, reference in rows if value == "FAILED"]
    assert not failed, f"{script} --quick failed: {failed[0]}"
    assert rows, f"{script} --quick printed no rows"
    # Every target printed with its verdict (bench/table.py's judged; issue 104, point 2).
    assert not [label for label, _, reference in rows if unjudged(reference)]
