"""The rule that hides small groups, on its own (handlers/statistics/small_groups.py)."""

from __future__ import annotations

from handlers.statistics.small_groups import few, protect, protect_partition, protect_volunteers


def test_small_counts_and_what_would_give_them_back_are_hidden():
    # Zero is hidden like one or two ("–" is 0, 1 or 2), and not given back either.
    assert protect_partition({"a": 10, "b": 5, "c": 0}) == {"c", "b"}
    assert protect_partition({"a": 10, "b": 5, "c": 4}) == set()
    # One hidden member of a known total is the total less the others: hide another.
    assert protect_partition({"a": 10, "b": 5, "c": 1}) == {"c", "b"}
    # Two hidden adding up to less than three still tell about one or two people.
    assert protect_partition({"a": 10, "b": 1, "c": 1, "d": 4}) == {"b", "c", "d"}
    assert protect_partition({"a": 2}) == {"a"}
    # Hidden members adding up to nothing tell about nobody.
    assert protect_partition({"a": 0, "b": 0, "c": 7}) == {"a", "b"}


def test_rows_and_columns_of_a_table_protect_each_other():
    counts = {
        ("x", 1): 5, ("x", 2): 1, ("x", "total"): 6,
        ("y", 1): 4, ("y", 2): 4, ("y", "total"): 8,
        ("total", 1): 9, ("total", 2): 5, ("total", "total"): 14,
    }  # fmt: skip
    lines = [([(r, 1), (r, 2)], (r, "total")) for r in ("x", "y", "total")]
    lines += [([("x", c), ("y", c)], ("total", c)) for c in (1, 2, "total")]
    hidden = protect(counts, lines)
    assert ("x", 2) in hidden
    # Every line holding a hidden cell has a second one, and the shown totals less the
    # shown cells never give fewer than three.
    for members, total in lines:
        here = [key for key in (*members, total) if key in hidden]
        assert len(here) != 1
        if here and total not in hidden:
            assert sum(counts[key] for key in members if key in hidden) >= 3


def test_a_zero_of_volunteers_is_said_one_or_two_are_not():
    # A zero names nobody (issue 100, point 7): said even beside a hidden one or two.
    assert [few(n) for n in (0, 1, 2, 3)] == [False, True, True, False]
    assert protect_volunteers({"fa": 0, "ar": 1, "de": 7, "tr": 0}) == {"ar", "de"}
    assert protect_volunteers({"fa": 0, "ar": 5, "de": 3, "tr": 0}) == set()
