"""The phone's keys: choice numbers, free digits (a postcode), "*" and "#"."""

from __future__ import annotations

from bot.transports.phone.keypad import BACK, MOST_DIGITS, REPEAT, Keypad, Typed, keys_said


def test_a_digit_is_a_choice_at_once_when_no_longer_number_could_be_one():
    keypad = Keypad()
    assert keypad.press("3", choices=9) == Typed("3")
    assert keypad.press("9", choices=9) == Typed("9")
    assert not keypad.waiting


def test_with_ten_choices_every_key_is_one_choice_at_once_the_tenth_on_zero():
    keypad = Keypad()
    for key in "123456789":
        assert keypad.press(key, choices=10) == Typed(key)
        assert not keypad.waiting
    assert keypad.press("0", choices=10) == Typed("10")
    assert not keypad.waiting


def test_with_more_than_ten_a_one_waits_for_a_second_digit_or_the_hash_or_the_pause():
    keypad = Keypad()
    assert keypad.press("1", choices=12) is None and keypad.waiting
    assert keypad.press("2", choices=12) == Typed("12")
    assert keypad.press("1", choices=12) is None
    assert keypad.press("#", choices=12) == Typed("1")
    assert keypad.press("1", choices=12) is None
    assert keypad.pause() == Typed("1")
    assert keypad.pause() is None
    # Any other first digit can begin no longer choice.
    assert keypad.press("2", choices=12) == Typed("2")


def test_a_number_beginning_with_zero_is_sent_at_once():
    assert Keypad().press("0", choices=5) == Typed("0")


def test_free_digits_are_gathered_until_hash_or_five():
    keypad = Keypad()
    for key in "4413":
        assert keypad.press(key, choices=0) is None
    assert keypad.press("7", choices=0) == Typed("44137")
    assert MOST_DIGITS == 5
    for key in "441":
        keypad.press(key, choices=0)
    assert keypad.press("#", choices=0) == Typed("441")


def test_a_hash_right_after_five_digits_ends_them_and_is_no_way_back():
    """ "44137#": the postcode is taken at five digits; the "#" many callers type after it
    (the line asks for one after a number elsewhere) ends it, it does not go back."""
    keypad = Keypad()
    for key in "4413":
        keypad.press(key, choices=0)
    assert keypad.press("7", choices=0) == Typed("44137")
    assert keypad.waiting  # the transport waits the pause for the "#"
    assert keypad.press("#", choices=0) is None
    assert not keypad.waiting
    assert keypad.press("#", choices=3) == BACK  # a second "#": back
    # After the pause, or another key between, "#" goes back as ever.
    for key in "44137":
        keypad.press(key, choices=0)
    assert keypad.pause() is None and not keypad.waiting
    assert keypad.press("#", choices=3) == BACK
    for key in "44137":
        keypad.press(key, choices=0)
    assert keypad.press("*", choices=3) == REPEAT
    assert keypad.press("#", choices=3) == BACK


def test_star_repeats_and_forgets_the_digits_begun():
    keypad = Keypad()
    keypad.press("4", choices=0)
    assert keypad.press("*", choices=0) == REPEAT
    assert not keypad.waiting
    assert keypad.press("5", choices=0) is None
    assert keypad.press("#", choices=0) == Typed("5")


def test_hash_without_digits_goes_back():
    assert Keypad().press("#", choices=3) == BACK
    assert Keypad().press("#", choices=0) == BACK


def test_other_keys_mean_nothing():
    keypad = Keypad()
    assert keypad.press("A", choices=3) is None
    assert not keypad.waiting


def test_where_the_caller_types_digits_no_choice_is_said():
    # A digit there is part of the entry ("#" goes back, as everywhere).
    assert keys_said(["🗺 Karte", "🏠 Menü"], free_digits=True, person=None) == ([], None)


def test_the_main_menus_person_is_its_last_choice_on_zero():
    labels = ["Orte", "Hilfe", "Helfen", "Termine", "Einstellungen"]
    said, keys = keys_said(labels, free_digits=False, person="Ein Mensch")
    assert said == [*labels, "Ein Mensch"]
    assert keys == ["1", "2", "3", "4", "5", "0"]
    assert keys_said(labels, free_digits=False, person=None) == (labels, None)
