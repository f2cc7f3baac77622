"""An answered call's state stays small and has one writer per field (issue 82, point 2;
issue 103, point 1): ``Call`` had 33 mutable fields written from six modules; what its
newest answer asks is one turn (turn.py), made in turn.py only and replaced whole, and
``Call`` keeps at most ten fields - no attribute can be added beside them (slots). The
records of one call (``Call``, ``Caller``; the ``Keypad`` and ``CallAudio`` are gone: the
runner's gather holds the digits, the loop the wait for the caller, the turn what follows
all said and what "*" says again, the runner whether the call is over) hold at most
:data:`MOST_IN_ALL` fields, and each is written (assigned) by one module only - the others
ask it by a method (a field written from two modules is two owners of one fact).

And a turn asks for verbs (the runner's ``Gather``, jambonz's fields): one key a choice,
or the caller's own digits ended by "#", their most or the pause; a key asks the turn for
a meaning at once or for the gather of the rest of the digits it begins."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from markupsafe import Markup

from bot.transports.phone.calls.answered_call import Call, Caller
from bot.transports.phone.calls.turn import (
    ALL_KEYS,
    TYPING,
    Turn,
    ended_by_most,
    entered,
    turn_of,
)
from bot.transports.phone.calls.verbs import Gather, Gathered, Pressed, TimedOut
from bot.transports.phone.words.what_keys_mean import (
    BACK,
    KEY_PAUSE,
    MOST_DIGITS,
    REPEAT,
    Typed,
)
from handlers.messages import Button, Message, SpokenForm

MOST_FIELDS = 10
# All the mutable fields of one call's records; may only fall (30, then 28 on 2026-11-29,
# 23 with the keys gathered by the runner and no Keypad; 20 when the audio's clock says it
# is on, the updates' task is the transport's and the ends of play are counted nowhere; 17
# when the loop keeps the wait for the caller and the call's clock, and tests count the
# answers themselves; 14 when its runner says it is over, and what follows all said and
# the rest said after a pause are its turn's; 12 when what "*" says again is the turn's and
# the call's media side - what is being said, the recording - two fields of its own).
MOST_IN_ALL = 12
PHONE = Path(__file__).resolve().parents[5] / "bot" / "transports" / "phone"
# The records, by the name a call's code reaches each through (``call.caller.claimed``), and
# the class itself (its ``self.…`` inside).
RECORDS: dict[str, type] = {"call": Call, "caller": Caller}


def _fields(record: type) -> set[str]:
    if dataclasses.is_dataclass(record):
        return {field.name for field in dataclasses.fields(record)}
    return set(vars(record())) - {"__dict__"}


async def test_a_call_keeps_at_most_ten_fields():
    assert len(dataclasses.fields(Call)) <= MOST_FIELDS
    call = Call(1, "+492311234567")
    with pytest.raises(AttributeError):
        call.pause = None  # type: ignore[attr-defined]


def test_one_calls_records_hold_at_most_their_fields_in_all():
    assert sum(len(_fields(record)) for record in RECORDS.values()) <= MOST_IN_ALL


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        found = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        found = [node.target]
    else:
        return []
    flat: list[ast.expr] = []
    while found:
        target = found.pop()
        if isinstance(target, ast.Tuple | ast.List):
            found.extend(target.elts)
        else:
            flat.append(target)
    return flat


def _record_of(base: ast.expr, inside: str | None) -> type | None:
    """The record ``base.<field> = …`` writes: ``call.…``/``self.call.…``, ``….audio.…``,
    ``….caller.…``, or ``self.…`` inside the record's own class."""
    name = (
        base.id
        if isinstance(base, ast.Name)
        else base.attr
        if isinstance(base, ast.Attribute)
        else ""
    )
    if name == "self" and inside is not None:
        return next((record for record in RECORDS.values() if record.__name__ == inside), None)
    return RECORDS.get(name)


def writers() -> dict[tuple[str, str], set[str]]:
    """Each field of the records (record, field) and the modules that assign it. The SIP
    stack (sip/) keeps pjsua2's calls, records of its own, and is left out."""
    found: dict[tuple[str, str], set[str]] = {}
    for path in sorted(PHONE.rglob("*.py")):
        if "sip" in path.relative_to(PHONE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = {
            id(node): cls.name
            for cls in ast.walk(tree)
            if isinstance(cls, ast.ClassDef)
            for node in ast.walk(cls)
        }
        for node in ast.walk(tree):
            for target in _targets(node):
                if not isinstance(target, ast.Attribute):
                    continue
                record = _record_of(target.value, classes.get(id(node)))
                if record is not None and target.attr in _fields(record):
                    key = (record.__name__, target.attr)
                    found.setdefault(key, set()).add(path.relative_to(PHONE).as_posix())
    return found


def test_each_field_of_a_call_is_written_by_one_module():
    written = writers()
    assert len(written) >= 8  # the walk sees the writes at all
    assert {field: modules for field, modules in written.items() if len(modules) > 1} == {}


def test_a_turn_is_replaced_never_changed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Turn().page = 1  # type: ignore[misc]


def test_a_turn_is_made_in_turn_py_only():
    """No module but turn.py makes a turn from another (``replace``): each change of a
    call's turn is a named step of turn.py's (a key pressed, the next page, a tick…)."""
    made = []
    for path in sorted(PHONE.rglob("*.py")):
        if path.name == "turn.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "replace"
                and node.args
                and "turn" in ast.unparse(node.args[0])
            ):
                made.append(f"{path.name}:{node.lineno}")
    assert made == []


def test_what_follows_all_said_and_a_rest_are_the_turns():
    """The step after all is said (the recording, the transfer, the hang-up), the rest of
    a message said in two parts and what "*" says again are what the turn asks: a new
    answer's turn keeps what was to follow until all is said, and what "*" says until it
    is said itself (its own rest it brings itself)."""
    rest = Path("/prompts/rest.wav")
    turn = _turn(_menu(4)).resting(rest).followed_by("hang up").repeating((rest,))
    assert (turn.rest, turn.then, turn.said) == (rest, "hang up", (rest,))
    labels = ("choice 1",)
    after = turn_of(_menu(1), SpokenForm(Markup("Choose"), labels), True, "More", turn)
    assert (after.rest, after.then, after.said) == (None, "hang up", (rest,))
    assert turn.resting(None).followed_by("").rest is None


# -- the verbs a turn asks for


def _turn(message: Message, *, typed: bool = True) -> Turn:
    labels = tuple(button.label for row in message.buttons for button in row)
    return turn_of(message, SpokenForm(message.text, labels), typed, "More", Turn())


def _menu(count: int, **flags: bool) -> Message:
    buttons = [[Button(f"choice {n}", f"x:{n}")] for n in range(1, count + 1)]
    return Message(Markup("Choose"), buttons, **flags)  # type: ignore[arg-type]


def test_a_turn_of_choices_gathers_one_key():
    turn = _turn(_menu(4))
    assert turn.gather == Gather(ALL_KEYS)
    assert (turn.keyed, turn.choices, turn.person, turn.free_digits) == (4, 4, False, False)


def test_the_main_menu_offers_a_person_by_its_flag():
    assert _turn(_menu(5, main_menu=True)).person
    assert not _turn(_menu(5)).person
    # Said with its keys named, not pressed by number: nobody on "0".
    assert not _turn(_menu(5, main_menu=True), typed=False).person


def test_more_than_ten_choices_gather_a_pages_key():
    turn = _turn(_menu(12))
    assert turn.gather == Gather(ALL_KEYS) and turn.keyed == 9 and turn.pages is not None


def test_a_postcode_gathers_digits_ended_by_hash_their_most_or_the_pause():
    turn = _turn(Message(Markup("Where?"), request_location="Send location"))
    assert turn.gather == Gather(
        ALL_KEYS, max_digits=MOST_DIGITS, finish_on_key="#", inter_digit_timeout=KEY_PAUSE
    )
    assert turn.free_digits and not turn.until_hash and turn.keyed == 0


def test_a_number_asked_for_gathers_its_digits_until_hash_however_slow():
    turn = _turn(Message(Markup("Your number?"), typed_digits=15))
    assert turn.gather == Gather(ALL_KEYS, max_digits=15, finish_on_key="#")
    assert turn.until_hash


def test_a_dialogues_message_said_alone_gathers_digits_or_the_way_back():
    turn = _turn(_menu(3)).said_alone()
    assert turn.gather == TYPING and (turn.choices, turn.keyed, turn.pages) == (0, 0, None)
    asked = _turn(Message(Markup("Your number?"), typed_digits=15)).said_alone()
    assert asked.gather.max_digits == 15  # the digits so far keep their gather


# -- what a key asks of the turn (what_keys_mean.py): a meaning at once, or the gather of
# the rest of the caller's own digits, and what that gather took means


def test_a_choices_key_is_that_choice_at_once_the_tenth_on_zero():
    assert _turn(_menu(9)).key("3") == Typed("3")
    ten = _turn(_menu(10))
    assert ten.key("0") == Typed("10") and ten.key("9") == Typed("9")
    assert _turn(_menu(5)).key("0") == Typed("0")  # elsewhere "0" stays "0" (a person)


def test_star_repeats_hash_goes_back_and_other_keys_ask_nothing():
    for turn in (_turn(_menu(4)), Turn()):
        assert turn.key("*") == REPEAT and turn.key("#") == BACK and turn.key("A") is None


def test_a_digit_of_a_postcode_asks_for_the_rest_ended_by_hash_the_most_or_the_pause():
    rest = Turn().key("4")  # before any answer: digits of their own
    assert rest == Gather(
        "0123456789*",
        KEY_PAUSE,
        max_digits=MOST_DIGITS - 1,
        finish_on_key="#",
        inter_digit_timeout=KEY_PAUSE,
    )
    assert isinstance(rest, Gather)
    assert entered("4", rest, Gathered("4137")) == Typed("44137")
    assert ended_by_most(rest, Gathered("4137")) and not ended_by_most(rest, Gathered("41"))
    assert entered("4", rest, Gathered("41")) == Typed("441")  # "#" after them
    assert entered("4", rest, Pressed("#")) == Typed("4")  # "4#"
    assert entered("4", rest, TimedOut()) == Typed("4")  # the pause
    assert entered("4", rest, Pressed("*")) == REPEAT  # the digits begun forgotten


def test_a_number_asked_for_waits_for_its_hash_however_slowly_its_digits_come():
    turn = _turn(Message(Markup("Your PIN?"), typed_digits=4))
    rest = turn.key("1")
    assert isinstance(rest, Gather) and rest.inter_digit_timeout is None
    assert rest.max_digits == 3 and rest.finish_on_key == "#"
    # The caller waited for no more (the goodbye): the digits begun are given up.
    assert entered("1", rest, TimedOut()) is None
    assert entered("1", rest, Gathered("357")) == Typed("1357")
