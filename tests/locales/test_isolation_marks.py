"""Issue 41, point 13: bidi isolation marks only where they are needed.

A left-to-right reader's line is not reordered by a Latin name, so it gets no marks (a
console prints them as "⁨cora⁩"); a value that holds right-to-left letters or bidi
controls is still isolated there, and in Arabic and Persian every value is, as before."""

from __future__ import annotations

import io

from bot.transports.console import ConsoleTransport
from handlers.dispatcher import Dispatcher
from locales import FSI, PDI, RLM, translator

MARKS = (FSI, PDI)


async def test_the_console_greets_a_left_to_right_reader_without_marks(dispatcher: Dispatcher):
    for lang in ("de", "en", "tr"):
        out = io.StringIO()
        console = ConsoleTransport(
            dispatcher.ports, stdin=io.StringIO(), stdout=out, user="cora", language_hint=lang
        )
        # A line the console cannot read prints who is typing and how to begin.
        assert await console.handle_line(":loc nonsense")
        text = out.getvalue()
        expected = translator(lang)._("You are {name}. Type /start to begin.")
        assert expected.format(name="cora") in text
        assert not any(mark in text for mark in MARKS), text


def test_a_latin_value_in_a_left_to_right_line_has_no_marks():
    de = translator("de")
    assert de.format("Sie sind {name}.", name="cora") == "Sie sind cora."
    assert de.format("{a}\n{b}", a="Zeile eins", b="") == "Zeile eins\n"


def test_a_right_to_left_value_in_a_left_to_right_line_is_still_isolated():
    de = translator("de")
    assert de.format("Sie sind {name}.", name="علی") == f"Sie sind {FSI}علی{PDI}."
    # Arabic-Indic digits, a right-to-left mark or an override: isolated (and balanced).
    assert de.format("#{n}", n="١٢") == f"#{FSI}١٢{PDI}"
    assert de.format("{n}!", n=f"{RLM}x") == f"{FSI}{RLM}x{PDI}!"
    assert de.format("{n}!", n="\u202earoC") == f"{FSI}\u202earoC\u202c{PDI}!"
    # Line by line: only the line that needs it.
    assert de.format("{t}", t="Cora\nعلی") == f"Cora\n{FSI}علی{PDI}"
    # A list the bot formatted, of right-to-left names, in a German line.
    names = de.list_of(["علی", "مریم"])
    assert de.format("mit {names}", names=names) == f"mit {FSI}{names}{PDI}"


def test_right_to_left_readers_keep_every_value_isolated():
    ar = translator("ar")
    assert ar.format("أنت {name}.", name="cora") == f"أنت {FSI}cora{PDI}."
    assert ar.format("الطلب #{n}", n=1) == f"الطلب #{FSI}1{PDI}"
