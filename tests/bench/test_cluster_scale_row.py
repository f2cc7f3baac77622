"""The cluster bench's judged row (bench/cluster_bench.py ``scale_row``): two processes
against one pooled over every round - all updates over all seconds, never the best round -
printed MISSED below 1.5 ×, with the cores 1.5 × would need and the most the machine's
cores allow beside it - all of them, and those the machine's other work left."""

from __future__ import annotations

from bench.cluster_bench import Pass, scale_row


def _pass(
    count: int,
    seconds: float,
    cores: tuple[float, float, float],
    others: float = 0.0,
    rolled_back: int = 0,
) -> Pass:
    return Pass(count, 1000, seconds, cores, 0.25, "", others, rolled_back)


def test_the_ratio_is_pooled_over_the_rounds_and_a_miss_says_what_the_cores_allow():
    # One process: 250 and 200 updates/s, each using 1.5 cores (6.0 and 7.5 ms an update).
    one = [_pass(1, 4.0, (0.8, 0.4, 0.3)), _pass(1, 5.0, (0.8, 0.4, 0.3))]
    # Two: a lucky round at 2.0 × and a slow one at 0.8 ×, other work on the machine taking
    # half a core meanwhile; one update of the 4,000 handled again under the city's lock.
    two = [_pass(2, 2.0, (1.0, 0.5, 0.3), 0.5, 1), _pass(2, 6.25, (1.0, 0.5, 0.3), 0.5)]
    label, value, reference = scale_row(one, two, cores=2)
    # 2,000 updates in 9 s against 2,000 in 8.25 s: 1.09 ×, not the lucky round's 2.0.
    assert value == "1.09 ×"
    assert "MISSED" in reference and "rounds 0.80-2.00 ×" in reference
    # One: 1.5 cores a second at 222 updates/s, 6.75 ms an update. Two: 1.8 cores over
    # 2,000 updates in 8.25 s, 7.4 ms an update - so 2 cores allow 269/s, 1.21 × one.
    assert "two processes' 7.4 ms CPU an update (one process's 6.8 ms" in reference
    # 1.5 × one (333/s) at 7.4 ms an update: 2.48 cores, more than the machine's 2.
    assert "1.5 × needs 2.48 cores" in reference and "at most 1.21 ×" in reference
    # The 1.5 cores other work left allow 1.5 / 7.4 ms = 202/s: 0.91 × one.
    assert "the 1.50 other work left 0.91 ×" in reference
    assert "rolled back 1 of 4,000 updates" in reference
    assert "2 rounds" in label


def test_a_ratio_at_the_target_is_met():
    one = [_pass(1, 10.0, (0.5, 0.2, 0.1))]
    two = [_pass(2, 6.0, (0.9, 0.3, 0.2))]
    _, value, reference = scale_row(one, two, cores=4)
    assert value == "1.67 ×" and ": met" in reference
