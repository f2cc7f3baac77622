"""What a call that has not proven its number may do is declared by each feature where it
registers (issue 103, point 4: ``unchecked=True`` on the command, the action, the menu
entry, as errbot's ``admin_only`` sits on the command); the caller check and the phone name
none of the features' button data - renaming "Ask for help" or the places' buttons would
otherwise silently change what an unchecked caller may press, or take "0 for a person" off
the phone."""

from __future__ import annotations

import ast
from pathlib import Path

from handlers import build_router, features
from handlers.messages import ButtonPress, Command, Text
from handlers.numbers import caller_check
from handlers.router import Callback, Router

ROOT = Path(__file__).resolve().parents[3]


class Renamed(Router):
    """A router whose features' button prefixes are renamed: "pl" is "pl2", "menu:help"
    is "menu:help2" - as a feature renaming its button data would."""

    def button(self, prefix: str, **kwargs):  # type: ignore[no-untyped-def, override]
        return super().button(prefix + "2", **kwargs)

    def action(self, prefix: str, action: str, **kwargs):  # type: ignore[no-untyped-def, override]
        return super().action(prefix + "2", action, **kwargs)

    def unchecked_prefix(self, prefix: str) -> None:
        super().unchecked_prefix(prefix + "2")

    def menu_action(self, key: str, **kwargs):  # type: ignore[no-untyped-def, override]
        return super().menu_action(key + "2", **kwargs)


def _renamed_router() -> Router:
    router = Renamed()
    for feature in features():
        feature.register(router)
    return router


def _renamed(data: str) -> str:
    prefix, _, rest = data.partition(":")
    if prefix == "menu" and rest != "main":
        return f"menu:{rest}2"
    return f"{prefix}2:{rest}" if rest else prefix + "2"


def _presses(router: Router) -> list[str]:
    presses = [key if ":" in key else f"{key}:de" for key in router.buttons]
    return [*presses, *(f"menu:{key}" for key in router.menu_actions)]


def test_renaming_a_features_buttons_keeps_what_an_unchecked_caller_may_press():
    router, renamed = build_router(), _renamed_router()
    presses = _presses(router)
    assert len(presses) > 100
    allowed = {data for data in presses if caller_check.free(ButtonPress(data), router.unchecked)}
    still = {
        data
        for data in presses
        if caller_check.free(ButtonPress(_renamed(data)), renamed.unchecked)
    }
    assert still == allowed
    # Some of everything, and not everything: browsing yes, a person's things no.
    assert {"pl:d", "menu:help", "lang:de", "ev:week", "check:call"} <= allowed
    assert not {"hr:new", "hr:mine", "menu:settings", "ev:mine", "delete:ask"} & allowed
    # What a claimed call's check begins with (her own things, or what she then answers
    # herself: a new request's first question) follows the rename too; an act does not.
    assert caller_check.carried("hr2:mine", renamed.shows_own) == "hr2:mine"
    assert caller_check.carried("hr2:new", renamed.shows_own) == "hr2:new"
    assert caller_check.carried("hr2:wd:3", renamed.shows_own) == caller_check.BACK


def test_a_feature_declares_it_on_its_registration():
    router = Router()

    async def callback(ctx):  # type: ignore[no-untyped-def]
        return None

    seen: Callback = callback
    router.action("toy", "look", unchecked=True)(seen)
    router.action("toy", "buy")(seen)
    router.command("toys", "", unchecked=True)(seen)
    router.button("shelf", unchecked=True)(seen)
    assert caller_check.free(ButtonPress("toy:look:3"), router.unchecked)
    assert not caller_check.free(ButtonPress("toy:buy:3"), router.unchecked)
    assert caller_check.free(ButtonPress("shelf:7"), router.unchecked)
    assert caller_check.free(Command("toys"), router.unchecked)
    assert not caller_check.free(Command("buy"), router.unchecked)
    # Words go to the step the caller is at, which only a free press began.
    assert caller_check.free(Text("44137"), router.unchecked)


# Named on purpose: the way back everywhere (handlers/ui.py's main menu button) and the
# privacy notice's answers, which a checked call never begins with (``then_data``).
NAMED = {"menu:main", "consent:yes", "consent:no"}
WATCHED = [
    ROOT / "handlers/numbers/caller_check.py",
    *sorted((ROOT / "bot/transports").rglob("*.py")),
]


def _strings(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_the_caller_check_and_the_transports_name_no_features_button_data():
    """No string in caller_check.py or any transport is the data of what a feature declared
    for unchecked callers (or as showing only one's own things) - the caller check's own
    ``check:`` buttons aside."""
    router = build_router()
    declared = {
        key
        for key in router.unchecked | router.shows_own
        if not key.startswith(("/", "check")) and key not in NAMED
    }
    found = []
    for path in WATCHED:
        for text in _strings(path):
            # An action's data ("ra:on"), or anything under a whole prefix ("pl:…").
            if any(text.startswith(key + ":") or (":" in key and text == key) for key in declared):
                found.append((path.relative_to(ROOT).as_posix(), text))
    assert not found
    # The phone knows the main menu and the language picker by the answer's flag.
    phone = ROOT / "bot/transports/phone"
    assert not any(
        text.startswith(("lang:", "menu:"))
        for path in phone.rglob("*.py")
        for text in _strings(path)
    )
