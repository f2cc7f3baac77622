"""The phone's keys: what a caller hears of the choices, pages of more than ten. What a
key asks of a turn: tests/bot/transports/phone/calls/test_answered_call_state.py."""

from __future__ import annotations

from bot.transports.phone.words.what_keys_mean import (
    NEXT_PAGE,
    keys_said,
    on_page,
    page_count,
    page_holding,
    page_of,
)


def test_where_the_caller_types_digits_no_choice_is_said():
    # A digit there is part of the entry ("#" goes back, as everywhere).
    both = (["🗺 Karte", "🏠 Menü"], ["map", "menu:main"])
    assert keys_said(*both, free_digits=True, person=None) == ([], None)


def test_the_main_menus_person_is_its_last_choice_on_zero():
    labels = ["Orte", "Hilfe", "Helfen", "Termine", "Einstellungen"]
    data = ["menu:places", "menu:help", "menu:volunteer", "menu:events", "menu:settings"]
    said, keys = keys_said(labels, data, free_digits=False, person="Ein Mensch")
    assert said == [*labels, "Ein Mensch"]
    assert keys == ["1", "2", "3", "4", "5", "0"]
    assert keys_said(labels, data, free_digits=False, person=None) == (labels, None)


# A volunteer's languages: ten and "✔️ Done" (the eleventh, the list's finish).
LANGUAGES = ["de", "en", "ar", "tr", "uk", "ru", "ro", "bg", "pl", "fa"]
TICKS = [*(f"vo:lang:{code}" for code in LANGUAGES), "vo:langs-done"]
NAMES = [*LANGUAGES, "Done"]


def test_a_list_of_more_than_ten_is_said_in_pages_of_eight_with_more_on_nine():
    said, keys = keys_said(
        NAMES, TICKS, free_digits=False, person=None, done="vo:langs-done", more="More"
    )
    # Seven languages and Done on 1-8, "More" on 9: no key waits for a second digit.
    assert said == [*LANGUAGES[:7], "Done", "More"]
    assert keys == ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    said, keys = keys_said(
        NAMES,
        TICKS,
        free_digits=False,
        person=None,
        page=1,
        done="vo:langs-done",
        more="More",
    )
    assert said == [*LANGUAGES[7:], "Done", "More"]
    assert keys == ["1", "2", "3", "4", "9"]


def test_every_page_has_the_finish_and_every_choice_is_on_one_page():
    for count in (11, 12, 13, 14, 30):
        for done in (None, count, 1):
            pages = [page_of(count, page, done) for page in range(page_count(count, done))]
            assert all(1 <= len(page) <= 8 for page in pages)
            if done is not None:
                assert all(page[-1] == done for page in pages)
            others = [n for page in pages for n in page if n != done]
            assert sorted(others) == [n for n in range(1, count + 1) if n != done]
            for index, page in enumerate(pages):
                assert all(page_holding(count, n, done) == index for n in page if n != done)


def test_a_key_on_a_page_presses_the_lists_own_choice_and_more_goes_round():
    done = 11
    assert on_page("1", 11, 0, done) == 1
    assert on_page("8", 11, 0, done) == done
    assert on_page("9", 11, 0, done) == NEXT_PAGE
    assert on_page("1", 11, 1, done) == 8  # the eighth language, its own number
    assert on_page("4", 11, 1, done) == done
    assert on_page("5", 11, 1, done) is None  # no choice of page 2 has it
    assert on_page("0", 11, 1, done) is None
    # After the last page the first again.
    assert page_count(11, done) == 2 and page_of(11, 2, done) == page_of(11, 0, done)
    # Without a finish: eight a page.
    assert page_of(12, 0) == [1, 2, 3, 4, 5, 6, 7, 8] and page_of(12, 1) == [9, 10, 11, 12]


def test_a_list_of_ten_is_not_paged():
    labels, data = LANGUAGES, [f"lang:{code}" for code in LANGUAGES]
    assert keys_said(labels, data, free_digits=False, person=None, more="More") == (
        labels,
        None,
    )


def test_the_next_part_is_on_9_as_a_pages_more():
    """A text said in parts (the privacy notice's "All details"): its "Next" on 9, the
    consent keys on their places (issue 64)."""
    labels, data = ["I agree", "No, thanks", "Next"], ["consent:yes", "consent:no", "p:2"]
    assert keys_said(labels, data, free_digits=False, person=None, next_at=3) == (
        labels,
        ["1", "2", "9"],
    )
    # With the main menu's person on 0, and none where the caller types digits.
    assert keys_said(labels, data, free_digits=False, person="Person", next_at=3)[1] == [
        "1",
        "2",
        "9",
        "0",
    ]
    assert keys_said(labels, data, free_digits=True, person=None, next_at=3) == ([], None)
