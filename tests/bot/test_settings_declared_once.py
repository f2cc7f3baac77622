"""Each setting is declared once (issue 103, point 5): the offer rules of ``[help]`` are
declared with their bounds and docs on the handlers' own type (handlers/settings.py
``OfferRules``), which ``HelpSection`` is made of - not a second list of 39 fields copied by
name. Read from the source (AST), so a field written again anywhere fails here; the
mirrors left between a section and the type the handlers or a transport's calls get
(``HandlerSettings``, ``CallSettings``) are counted and may only become fewer."""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import fields
from pathlib import Path

from bot.config import HelpSection, load_config
from handlers.settings import OfferRules

ROOT = Path(__file__).resolve().parents[2]
# The configuration's sections, and the types the handlers and a transport's calls get.
SECTIONS = [
    ROOT / "bot" / "config.py",
    ROOT / "bot" / "speech" / "config.py",
    *sorted((ROOT / "bot" / "transports").rglob("config.py")),
]
GIVEN = [
    ROOT / "handlers" / "settings.py",
    ROOT / "bot" / "transports" / "phone" / "calls" / "answering_settings.py",
]
# Field names a section declares and a type made from it declares again, today (after the
# offer rules: 30, before 69); lower it when one more is declared once.
MIRRORED_MOST = 30


def declared(paths: list[Path]) -> dict[str, list[str]]:
    """Each field name declared in a class of ``paths`` -> "file: class" for each."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        where = f"{path.relative_to(ROOT)}: {node.name}"
                        found[item.target.id].append(where)
    return found


def test_no_offer_rule_is_declared_twice():
    rules = {each.name for each in fields(OfferRules)}
    everywhere = declared(SECTIONS + GIVEN)
    twice = {
        name: places for name, places in everywhere.items() if name in rules and len(places) > 1
    }
    assert twice == {}


def test_the_help_section_is_made_of_the_offer_rules_with_their_bounds():
    assert issubclass(HelpSection, OfferRules)
    bounds = {each.name: each.metadata for each in fields(HelpSection)}
    assert bounds["wave_min"]["min"] == 1 and bounds["wave_min"]["max"] == 50
    assert bounds["offer_rule"]["choices"] == ("waves", "broadcast")
    assert all(bounds[each.name]["doc"] for each in fields(OfferRules))


def test_a_city_file_still_sets_and_bounds_the_rules(tmp_path: Path):
    written = tmp_path / "city.toml"
    written.write_text('[help]\nwave_min = 4\ncommon_languages = ["de", "tr"]\n')
    help_section = load_config(written, {}).help
    assert help_section.wave_min == 4 and help_section.common_languages == ("de", "tr")
    rules = help_section.offer_rules()
    assert (
        type(rules) is OfferRules and rules.wave_max == 5 and rules.common_languages == ("de", "tr")
    )
    env = {"NACHBARBOT_HELP__COMMON_LANGUAGES": "de, ar"}
    assert load_config(written, env).help.common_languages == ("de", "ar")


def test_the_mirrors_between_sections_and_the_types_made_of_them_do_not_grow():
    sections, given = declared(SECTIONS), declared(GIVEN)
    mirrored = sorted(set(sections) & set(given))
    shown = "\n".join(f"  {name}: {sections[name] + given[name]}" for name in mirrored)
    assert len(mirrored) <= MIRRORED_MOST, f"{len(mirrored)} fields declared twice:\n{shown}"


def _config_type() -> ast.ClassDef:
    """The class mypy reads as ``Config`` (bot/config.py, under ``TYPE_CHECKING``)."""
    tree = ast.parse((ROOT / "bot" / "config.py").read_text(encoding="utf-8"))
    return next(
        node for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and node.name == "Config"
    )


def test_mypy_sees_each_transports_section_by_the_class_its_declaration_names():
    from bot.transports.registry import TRANSPORTS

    config = _config_type()
    assert "__getattr__" not in {
        item.name for item in config.body if isinstance(item, ast.FunctionDef)
    }, "Config's type answers any attribute with Any: mypy sees no setting of a transport"
    typed = {
        item.target.id: ast.unparse(item.annotation)
        for item in config.body
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
    }
    for transport in TRANSPORTS:
        if transport.section:
            assert typed.get(transport.section) == transport.section_class().__name__, (
                f"config.{transport.section} is not typed as {transport.platform}'s declaration"
                f" names its section ({transport.section_class().__name__})"
            )
