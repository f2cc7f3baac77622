"""Each transport owns what makes it different (issues 54, 65): the features (handlers/), the
stores (db/) and the web (bot/web/) import no transport's module - only the contract the
transports share and their descriptors (bot/transports/registry.py) - and no platform name
of a transport appears in them (their templates too). They ask the descriptors for
capabilities - can this person be reached by text, be called, receive a file, are they
their number - and the transports register their own tables into the one personal-data
declaration. Under it all, the layers import downwards only: bot/ above handlers/, above
db/, above locales/ (issue 82, point 6; docs/architecture.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.transports.registry import PLATFORMS

ROOT = Path(__file__).resolve().parent.parent
WATCHED = ("handlers", "db", "bot/web")
# Strings that are a platform name but mean something else, each with why (the whole
# string: the same name quoted in SQL or a template there is still found).
ELSEWHERE = {
    # A place's own phone number: a column of the places CSV and of the places table.
    ("handlers/places/importer.py", "phone"),
    ("db/personal_data.py", "phone"),
    # The name a number's keyed hash is made under since before hashes stopped following the
    # transports' order: kept, so that bans made then still hold. No transport is asked by it.
    ("db/people_by_number.py", "phone"),
    # Migrations mend data one transport once stored (Matrix ids kept in first names): a
    # migration is written once and runs once; it decides nothing for a transport after it.
    (
        "db/migrations/0063_matrix_names_without_ids.sql",
        "UPDATE users SET first_name = '' WHERE platform = 'matrix' "
        "AND first_name = platform_user_id;",
    ),
    ("db/migrations/0064_matrix_names_without_bracketed_ids.sql", "WHERE platform = 'matrix'"),
}


def _quoted(text: str) -> set[str]:
    """The platform names ``text`` holds as a string of their own (``phone``) or quoted
    inside one (SQL's ``'sms'``, a template's ``"phone"``)."""
    found = {name for name in PLATFORMS if text.strip() == name}
    for name in PLATFORMS:
        if re.search(rf"[\"']{name}[\"']", text):
            found.add(name)
    return found


def _strings(source: str) -> list[tuple[int, str]]:
    """The string constants of a module that are not docstrings (f-strings' parts too)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def leaks() -> list[str]:
    """Where a platform name stands in the watched folders, as ``path:line: name``."""
    found: list[str] = []
    for folder in WATCHED:
        for path in sorted((ROOT / folder).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if path.suffix == ".py":
                lines = _strings(path.read_text(encoding="utf-8"))
            elif path.suffix in (".html", ".js", ".sql"):
                text = path.read_text(encoding="utf-8")
                lines = list(enumerate(text.splitlines(), start=1))
            else:
                continue
            for line, text in lines:
                if (relative, text) not in ELSEWHERE:
                    found.extend(f"{relative}:{line}: {name}" for name in sorted(_quoted(text)))
    return found


# What of bot/transports/ every layer may import: the contract the transports share and the
# descriptors; everything else there is a transport's own.
SHARED = {
    "bot.transports",
    "bot.transports.contract",
    "bot.transports.sending",
    "bot.transports.registry",
    "bot.transports.markup",
    "bot.transports.numbered_choices",
}


def _imported(source: str) -> list[tuple[int, str]]:
    """The modules ``source`` imports (``from a import b`` as ``a.b`` and ``a``: b may be a
    module), with their lines; conditional and type-checking imports too."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def _a_transports(module: str) -> bool:
    """Whether ``module`` (or a name in it) is a transport's: under bot/transports/, in no
    shared module."""
    parts = module.split(".")
    return parts[:2] == ["bot", "transports"] and ".".join(parts[:3]) not in SHARED


def transport_imports() -> list[str]:
    """Where a watched module imports a transport's module, as ``path:line: module``."""
    found: list[str] = []
    for folder in WATCHED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for line, module in _imported(path.read_text(encoding="utf-8")):
                if _a_transports(module):
                    found.append(f"{relative}:{line}: {module}")
    return found


# The three layers (docs/architecture.md): what each may import of the others; bot/ stands
# above them all and may import each.
LAYERS = {"handlers": {"db", "locales"}, "db": {"locales"}, "locales": set()}


def upward_imports(root: Path = ROOT) -> list[str]:
    """Where a layer imports one above it or beside it, as ``path:line: module`` (a line
    once)."""
    found: list[str] = []
    for layer, below in LAYERS.items():
        for path in sorted((root / layer).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            lines: set[int] = set()
            for line, module in _imported(path.read_text(encoding="utf-8")):
                top = module.split(".")[0]
                if top in {"bot", *LAYERS} - {layer, *below} and line not in lines:
                    lines.add(line)
                    found.append(f"{relative}:{line}: {module}")
    return found


def test_each_layer_imports_only_the_layers_below_it():
    assert upward_imports() == []


def test_the_layer_rule_sees_an_import_from_above(tmp_path: Path):
    for layer, source in {
        "handlers": "from db import users\nfrom locales import t\nfrom bot.transports import x\n",
        "db": "import locales.hours\nif TYPE_CHECKING:\n    from handlers.context import Context\n",
        "locales": "importlib.import_module('bot.config')\n",
    }.items():
        (tmp_path / layer).mkdir()
        (tmp_path / layer / "module.py").write_text(source, encoding="utf-8")
    assert upward_imports(tmp_path) == [
        "handlers/module.py:3: bot.transports",
        "db/module.py:3: handlers.context",
        "locales/module.py:1: bot.config",
    ]


def test_no_feature_store_or_web_module_imports_a_transport():
    assert transport_imports() == []


def test_the_import_rule_sees_every_way_of_importing_a_transport():
    source = (
        "import bot.transports.sms.budget\n"
        "from bot.transports.phone import call_budget\n"
        "from bot.transports import telegram\n"
        "if TYPE_CHECKING:\n    from bot.transports.matrix.config import MatrixSection\n"
        "importlib.import_module('bot.transports.console')\n"
        "from bot.transports.registry import TRANSPORTS\n"
        "from bot.transports.sending import DeliveryError\n"
    )
    seen = sorted({module for _, module in _imported(source) if _a_transports(module)})
    assert seen == [
        "bot.transports.console",
        "bot.transports.matrix.config",
        "bot.transports.matrix.config.MatrixSection",
        "bot.transports.phone",
        "bot.transports.phone.call_budget",
        "bot.transports.sms.budget",
        "bot.transports.telegram",
    ]


def test_no_platform_name_outside_the_transports():
    assert leaks() == []


def test_the_check_sees_a_platform_name_in_code_and_in_sql():
    # The check itself: a name as a string of its own and quoted in SQL are both seen, a
    # docstring or a comment is not.
    assert _quoted("sms") == {"sms"}
    assert _quoted("WHERE platform = 'phone'") == {"phone"}
    assert _quoted("a phone line") == set()
    source = '"""The phone line."""\nX = "matrix"\n# "telegram"\n'
    assert [value for _, value in _strings(source)] == ["matrix"]


def _section_reads(source: str, sections: set[str]) -> list[tuple[int, str]]:
    """Where ``source`` reads a transport's section of a configuration (``config.sms``,
    ``site.config.telegram``): a place's own ``phone`` field is not one."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in sections:
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if name == "config":
                found.append((node.lineno, ast.unparse(node)))
    return found


def test_no_feature_store_or_web_module_reads_a_transports_section():
    """What the web and the features need of a transport (its links, its bot's name, its
    Mini App's key, its budget) comes from its descriptor (bot/transports/registry.py)."""
    from bot.transports.registry import TRANSPORTS

    sections = {transport.section for transport in TRANSPORTS if transport.section}
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{line}: {read}"
        for folder in WATCHED
        for path in sorted((ROOT / folder).rglob("*.py"))
        for line, read in _section_reads(path.read_text(encoding="utf-8"), sections)
    ]
    assert found == []


def test_the_section_rule_sees_a_section_read():
    source = "token = site.config.telegram.token\nuser = config.matrix.user_id\nplace.phone\n"
    assert _section_reads(source, {"telegram", "matrix", "phone"}) == [
        (1, "site.config.telegram"),
        (2, "config.matrix"),
    ]
