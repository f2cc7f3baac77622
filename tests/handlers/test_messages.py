"""A button's role (handlers/messages.py): what a message's way back is, kept through the
outbox."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from handlers.messages import Button, Message, decode, encode, way_back
from handlers.ui import back_to_menu_for
from locales import translator


def test_the_way_back_is_the_back_button_else_the_menu_button():
    find = Button("🔎 Suchen", "pl:find")
    back = Button("↩️ Zurück", "pl:back", role="back")
    menu = Button("🏠 Menü", "menu:main", role="menu")
    assert way_back([[find], [back], [menu]]) == "pl:back"
    assert way_back([[menu], [find, back]]) == "pl:back"
    assert way_back([[find], [menu]]) == "menu:main"
    # A label that reads like a way back is an answer like any other.
    assert way_back([[find], [Button("↩️ Zurück", "pl:prev")]]) is None


def test_an_easy_readers_menu_button_is_the_menu():
    (easy,), (plain,) = (
        back_to_menu_for(translator("de", easy=True))[0],
        back_to_menu_for(translator("de"))[0],
    )
    assert easy.label != plain.label  # "🏠 Menü", "🏠 Hauptmenü"
    assert way_back([[easy]]) == way_back([[plain]]) == "menu:main"


def test_a_role_is_kept_through_the_outbox():
    item = Message(
        Markup("?"),
        buttons=[
            [Button("1", "a"), Button("2", "b", role="back")],
            [Button("3", "menu:main", role="menu"), Button("map", url="https://example.org")],
        ],
    )
    again = decode(encode(item))
    assert again == item
    assert [b.role for row in again.buttons for b in row] == ["reply", "back", "menu", "reply"]


def test_a_link_has_no_role():
    with pytest.raises(ValueError):
        Button("map", url="https://example.org", role="menu")


def test_a_command_typed_as_text_is_read_without_the_direction_marks_copied_with_it():
    """The bot's Arabic and Farsi texts write "\u200e!help\u200e" (left to right): whoever
    copies it copies the marks, and it is still the command (Matrix's ``command_in``)."""
    from handlers.messages import Command, typed_command

    assert typed_command("\u200e!help\u200e", "!/") == Command("help")
    assert typed_command("/Start  abc ", "!/") == Command("start", "abc")
    assert typed_command("!help", "/") is None  # "!" begins none here
    assert typed_command("!1", "!/") is None and typed_command("!", "!/") is None
    assert typed_command("hello !help", "!/") is None


def test_a_number_typed_as_a_whole_text_is_read_in_ascii_digits():
    from handlers.messages import typed_number

    assert typed_number(" 0 ") == "0"  # a texter's "more"
    assert typed_number("\u200f٤٤١٣٧\u200f") == "44137"  # Arabic digits between marks
    assert typed_number("۱۲3") == "123"  # Persian and ASCII mixed
    assert typed_number("①") is None and typed_number("²") is None
    assert typed_number("0 please") is None and typed_number("") is None
    assert typed_number("1.5") is None
