"""Each setting is declared once (issue 103, point 5): the offer rules and the limits and
review of requests of ``[help]`` are declared with their bounds and docs on the handlers' own
types (handlers/settings.py ``OfferRules``, ``RequestRules``), which ``HelpSection`` is made
of and ``HandlerSettings`` too; what calls do beyond the menu on the phone line's
(bot/transports/phone/calls/answering_settings.py ``InCall``), which ``PhoneSection`` and
``CallSettings`` are made of; the city, a message's length and silent accounts on the
handlers' ``CityRules`` and ``AccountRules``, which ``BotSection``, ``PrivacySection`` and
``HandlerSettings`` are made of; the countries the phone line calls on the handlers'
``DiallingRules``, which ``PhoneSection`` and ``HandlerSettings`` are made of (written
"DE, AT", read into the codes at the configuration's edge); the first admins on the
handlers' ``FirstAdmins``, which ``BotSection`` and ``HandlerSettings`` are made of (written
"telegram:123", read into (platform, id) pairs at the configuration's edge);
``[organisation]`` on the handlers' ``Issuer``, which the configuration's ``Sections`` and
``HandlerSettings`` are made of; the translation engine on the handlers'
``TranslationRules``, which the ``[translation]`` section is made of and ``HandlerSettings``
holds (``translation_rules``) - not second lists of fields copied by name. Read from the
source (AST), so a field written again anywhere fails here, named; a name a section and a
type made from it would still share is listed and may only become fewer (none is left).
And the configuration is typed all through: ``Config`` answers no name it does not
declare, the transports' hooks take a city's configuration as
``bot.sections.Sections``, never ``Any``, and their own section as the class their
declaration is subclassed with (``Transport[SmsSection]``)."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections import defaultdict
from dataclasses import dataclass, field, fields
from itertools import combinations
from pathlib import Path
from typing import get_args, get_type_hints

import pytest

from bot.config import (
    BotSection,
    Config,
    ConfigError,
    HelpSection,
    TranslationSection,
    load_config,
)
from bot.transports.phone.calls.answering_settings import CallSettings, InCall
from bot.transports.phone.config import PhoneSection
from bot.transports.registry import TRANSPORTS
from handlers.settings import (
    AccountRules,
    CityRules,
    DiallingRules,
    FirstAdmins,
    HandlerSettings,
    OfferRules,
    Organisation,
    RequestRules,
    TranslationRules,
    read_account,
)

ROOT = Path(__file__).resolve().parents[2]
# The configuration's sections, and the types the handlers and a transport's calls get.
SECTIONS = [
    ROOT / "bot" / "config.py",
    ROOT / "bot" / "sections.py",
    ROOT / "bot" / "speech" / "config.py",
    *sorted((ROOT / "bot" / "transports").rglob("config.py")),
]
GIVEN = [
    ROOT / "handlers" / "settings.py",
    ROOT / "bot" / "transports" / "phone" / "calls" / "answering_settings.py",
]
# Field names a section declares and a type made from it declares again, today (69 before
# the offer rules, 30 before the request rules and the calls' settings, 2 before the
# translation engine, 1 before the first admins): each a setting read into another shape or
# another thing of the same name. Take one out when it is declared once; a name not here fails.
STILL_MIRRORED: set[str] = set()


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


def _sections_of(where: str) -> set[str]:
    """The configuration's sections the class ``where`` ("file: class") declares settings
    of: those of a city's configuration that are of it or made of it (``[speech]`` for
    ``SpeechSection``, ``[translation]`` for ``TranslationRules``); every section ("*") for
    the rest (the configuration itself, the types the handlers and calls are given)."""
    path, name = where.split(": ")
    kind = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)
    hints = get_type_hints(Config)
    held = {each.name: hints[each.name] for each in fields(Config)}
    held |= {t.section: t.section_class() for t in TRANSPORTS if t.section}
    found = {section for section, of in held.items() if issubclass(of, kind)}
    return found or {"*"}


def one_setting(first: str, second: str) -> bool:
    """Whether a name declared in the classes ``first`` and ``second`` is one setting
    declared twice: unless each is of another section (``[speech]`` and ``[translation]``
    both choose an ``engine``: two settings)."""
    one, other = _sections_of(first), _sections_of(second)
    return "*" in one | other or bool(one & other)


def test_a_name_is_one_setting_within_a_section_and_in_what_the_handlers_are_given():
    speech, engine = "bot/speech/config.py: SpeechSection", "handlers/settings.py: TranslationRules"
    assert _sections_of(speech) == {"speech"} and _sections_of(engine) == {"translation"}
    assert not one_setting(speech, engine)
    assert one_setting(engine, "handlers/settings.py: HandlerSettings")
    assert one_setting("bot/sections.py: HelpSection", "handlers/settings.py: OfferRules")


def test_no_offer_rule_request_rule_or_call_setting_is_declared_twice():
    kinds = (
        OfferRules,
        RequestRules,
        InCall,
        CityRules,
        AccountRules,
        DiallingRules,
        TranslationRules,
        FirstAdmins,
    )
    rules = {each.name for kind in kinds for each in fields(kind)}
    everywhere = declared(SECTIONS + GIVEN)
    twice = {
        name: places
        for name, places in everywhere.items()
        if name in rules and any(one_setting(*pair) for pair in combinations(places, 2))
    }
    assert twice == {}


def test_the_sections_and_the_types_the_handlers_and_calls_get_share_one_declaration():
    assert issubclass(HelpSection, RequestRules) and issubclass(HandlerSettings, RequestRules)
    assert issubclass(PhoneSection, InCall) and issubclass(CallSettings, InCall)
    bounds = {each.name: each.metadata for each in fields(HandlerSettings)}
    assert bounds["max_open_requests"]["max"] == 20
    assert {each.name: each.metadata for each in fields(CallSettings)}["idle_seconds"]["min"] == 30


def test_a_city_file_sets_and_bounds_the_request_rules_and_the_calls(tmp_path: Path):
    written = tmp_path / "city.toml"
    written.write_text(
        '[help]\nmax_open_requests = 2\npublish_at_once = ["returning"]\n'
        "[phone]\nidle_seconds = 60\n"
        '[organisation]\nname = "FreiwilligenAgentur"\naddress = [" Markt 1 ", "", "Dortmund"]\n'
    )
    config = load_config(written, {})
    settings = config.handler_settings()
    assert settings.max_open_requests == 2 and settings.publish_at_once == {"returning"}
    assert settings.new_user_cooldown_minutes == 10  # the section's default
    assert config.phone.idle_seconds == 60
    assert isinstance(config.organisation, Organisation)  # [organisation] is made of it
    assert settings.organisation == Organisation("FreiwilligenAgentur", ("Markt 1", "Dortmund"))
    written.write_text("[help]\nmax_open_requests = 21\n")
    with pytest.raises(ConfigError, match=r"help\.max_open_requests: must be at most 20"):
        load_config(written, {})


def test_the_countries_called_are_read_once_at_the_configurations_edge(tmp_path: Path):
    assert issubclass(PhoneSection, DiallingRules) and issubclass(HandlerSettings, DiallingRules)
    written = tmp_path / "city.toml"
    written.write_text('[phone]\ncall_countries = "de, AT"\n')
    config = load_config(written, {})
    assert config.phone.call_countries == ("DE", "AT")
    assert config.handler_settings().call_countries == ("DE", "AT")
    env = {"NACHBARBOT_PHONE__CALL_COUNTRIES": "at"}
    assert load_config(written, env).handler_settings().call_countries == ("AT",)
    assert load_config(None, {}).handler_settings().call_countries == ("DE",)
    written.write_text('[phone]\ncall_countries = "DE, XX"\n')
    with pytest.raises(ConfigError, match=r"phone\.call_countries: 'XX' is no ISO country"):
        load_config(written, {})
    written.write_text('[phone]\ncall_countries = ["DE"]\n')
    with pytest.raises(ConfigError, match=r"phone\.call_countries: must be text"):
        load_config(written, {})


def test_the_translation_section_is_made_of_the_engines_rules_the_handlers_hold(tmp_path: Path):
    """``[translation]`` keeps its keys (an operator's file reads as before); its engine is
    declared once, bounded, on the handlers' rules, which the handlers get without the
    section's key and URL."""
    assert issubclass(TranslationSection, TranslationRules)
    bounds = {each.name: each.metadata for each in fields(TranslationSection)}
    assert bounds["engine"]["choices"] == ("", "libretranslate", "deepl")
    assert load_config(None, {}).handler_settings().translation_rules == TranslationRules()
    written = tmp_path / "bot.toml"
    written.write_text('[translation]\nengine = "libretranslate"\nurl = "http://127.0.0.1:5000"\n')
    config = load_config(written, {"NACHBARBOT_TRANSLATION__API_KEY": "secret"})
    assert config.translation.engine == "libretranslate" and config.translation.api_key == "secret"
    given = config.handler_settings().translation_rules
    assert type(given) is TranslationRules and given.engine == "libretranslate"
    written.write_text('[translation]\nengine = "babelfish"\n')
    with pytest.raises(ConfigError, match=r"translation\.engine: must be one of"):
        load_config(written, {})


def test_the_first_admins_are_read_once_at_the_configurations_edge(tmp_path: Path):
    """Declared once on the handlers' ``FirstAdmins`` (no "admins" in STILL_MIRRORED), written
    as an operator names accounts and read into (platform, user id) pairs in written order:
    the handlers' reader refuses an entry without its colon, the transports' registry the
    rest, the first wrong entry named as before."""
    assert issubclass(BotSection, FirstAdmins) and issubclass(HandlerSettings, FirstAdmins)
    written = tmp_path / "city.toml"
    written.write_text('[bot]\nadmins = ["telegram:123", "matrix:@anna:example.org:8448"]\n')
    config = load_config(written, {})
    pairs = (("telegram", "123"), ("matrix", "@anna:example.org:8448"))
    assert config.bot.admins == pairs and config.handler_settings().admins == pairs
    env = {"NACHBARBOT_BOT__ADMINS": "console:cora, telegram:9"}
    assert load_config(written, env).bot.admins == (("console", "cora"), ("telegram", "9"))
    assert load_config(None, {}).handler_settings().admins == ()
    with pytest.raises(ValueError, match=r"^'bob' is not of the form platform:user_id: there"):
        read_account("bob")  # the handlers' own reading, without the transports
    for entries, refused in [
        ('["telegram:1", "signal:2", "bob"]', "'signal:2' is not of the form"),
        ('["telegram:1", "bob", "signal:2"]', "'bob' is not of the form platform:user_id: there"),
        ('"telegram:1"', "must be a list of strings"),
    ]:
        written.write_text(f"[bot]\nadmins = {entries}\n")
        with pytest.raises(ConfigError, match=rf"^bot\.admins: {refused}"):
            load_config(written, {})


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


def test_no_other_setting_is_declared_in_a_section_and_again_in_a_type_made_of_it():
    sections, given = declared(SECTIONS), declared(GIVEN)
    mirrored = {
        name
        for name in set(sections) & set(given)
        if any(one_setting(one, other) for one in sections[name] for other in given[name])
    }
    shown = "\n".join(
        f"  {name}: {sections[name] + given[name]}" for name in sorted(mirrored - STILL_MIRRORED)
    )
    assert mirrored <= STILL_MIRRORED, f"declared twice (declare it once, inherit it):\n{shown}"
    assert mirrored == STILL_MIRRORED, f"declared once now: {sorted(STILL_MIRRORED - mirrored)}"


def _config_type() -> ast.ClassDef:
    """The class ``Config`` (bot/config.py), as mypy reads it."""
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


def test_no_configuration_answers_any_attribute_with_any():
    """Config and bot.config are what they declare: a name neither declares is an error, not
    an untyped answer (a transport registered since a configuration was made is reached
    through its section's class: ``config.section(PagerSection)``)."""
    import bot.config

    assert "__getattr__" not in vars(Config) and "__getattr__" not in vars(bot.config)
    with pytest.raises(AttributeError):
        Config().pager  # type: ignore[attr-defined]  # noqa: B018


def test_a_transport_reaches_its_own_section_typed_through_its_class():
    config = Config(phone=PhoneSection(idle_seconds=60))
    assert config.section(PhoneSection) is config.phone
    assert config.section(CallSettings) == CallSettings()  # held by none: its defaults


def _config_parameters(path: Path) -> list[str]:
    return _config_parameters_at(path, ROOT)


def _config_parameters_at(path: Path, root: Path) -> list[str]:
    """Where a function of ``path`` takes a city's configuration (a parameter ``config``)
    typed ``Any`` or not at all, as ``path:line: function``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for each in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
                if each.arg == "config" and (
                    each.annotation is None or ast.unparse(each.annotation) == "Any"
                ):
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {node.name}")
    return found


def test_the_transports_hooks_are_given_the_configuration_typed():
    """The transports' hooks and services take a city's configuration as
    ``bot.sections.Sections`` (below them; ``Config`` above them would be a circle), never
    ``Any`` (46 parameters were, issue 103 point 5)."""
    found = [
        where
        for path in sorted((ROOT / "bot" / "transports").rglob("*.py"))
        for where in _config_parameters(path)
    ]
    assert found == []


def test_the_hook_rule_sees_an_untyped_configuration(tmp_path: Path):
    written = tmp_path / "hook.py"
    written.write_text(
        "def claims(config: Any): ...\n"
        "async def name(config, /): ...\n"
        "def service(config: Sections, ports: Ports): ...\n"
    )
    found = [where.split(": ", 1)[1] for where in _config_parameters_at(written, tmp_path)]
    assert found == ["claims", "name"]


def test_each_transports_section_hooks_are_typed_by_its_section():
    """A declaration is ``Transport[ItsSection, ItsMeter]``: mypy holds the hooks given its
    section (``checks``, ``city_checks``, ``budget``, ``completed``) to that class, as the
    hooks given the configuration to ``Sections``."""
    from typing import get_args

    from bot.transports.registry import TRANSPORTS

    for transport in TRANSPORTS:
        if transport.section and transport.__module__.startswith("bot.transports."):
            (base,) = transport.__orig_bases__  # type: ignore[attr-defined]
            assert get_args(base)[:1] == (transport.section_class(),), transport.platform


# The hooks of what a transport meters for the desk.
METERED = {"budget", "panel"}


def _named(annotation: object) -> str:
    """A type as a module with postponed annotations names it ("Budget")."""
    if isinstance(annotation, str):
        return annotation
    return str(getattr(annotation, "__forward_arg__", getattr(annotation, "__name__", "")))


def test_each_transports_meter_is_what_its_budget_gives_and_its_panel_takes():
    """The desk's ``budget`` and ``panel`` hooks are held to what the transport meters, the
    second class its declaration names (``Transport[SmsSection, Budget]``; ``None`` where it
    meters nothing) - not ``Any`` (issue 103, point 5: each transport typed its own, the
    base class took any)."""
    from typing import get_args

    from bot.transports.registry import TRANSPORTS

    for transport in TRANSPORTS:
        if transport.section and transport.__module__.startswith("bot.transports."):
            (base,) = transport.__orig_bases__  # type: ignore[attr-defined]
            meter = get_args(base)[1]
            own = METERED & set(vars(transport))
            if not own:
                assert meter is type(None), transport.platform
                continue
            assert own == METERED, transport.platform
            gives = inspect.signature(transport.budget).return_annotation
            takes = next(iter(inspect.signature(transport.panel).parameters.values()))
            assert _named(meter) == gives == takes.annotation, transport.platform
    hooks = ast.parse((ROOT / "bot" / "transports" / "hooks.py").read_text(encoding="utf-8"))
    base = next(
        node for node in hooks.body if isinstance(node, ast.ClassDef) and node.name == "Transport"
    )
    for hook in base.body:
        if isinstance(hook, ast.FunctionDef | ast.AsyncFunctionDef) and hook.name in METERED:
            typed = [each.annotation for each in hook.args.posonlyargs] + [hook.returns]
            assert "Any" not in " ".join(ast.unparse(each) for each in typed if each), hook.name


def _transport_base() -> ast.ClassDef:
    """The class ``Transport`` (bot/transports/hooks.py), as mypy reads it."""
    hooks = ast.parse((ROOT / "bot" / "transports" / "hooks.py").read_text(encoding="utf-8"))
    return next(
        node for node in hooks.body if isinstance(node, ast.ClassDef) and node.name == "Transport"
    )


def test_no_hook_of_a_declaration_takes_or_gives_any():
    """Every hook a declaration may define is typed: what it is given (a city's
    configuration, its section, its meter, its city's transport) and what it gives back -
    the handlers' part (``settings() -> Mapping[str, Any]``, spread into HandlerSettings by
    name) and ``attach(transport: Any)`` were untyped (issue 103, point 5)."""
    untyped = []
    for hook in _transport_base().body:
        if isinstance(hook, ast.FunctionDef | ast.AsyncFunctionDef):
            each = [*hook.args.posonlyargs, *hook.args.args, *hook.args.kwonlyargs]
            typed = [a.annotation for a in each if a.arg != "cls"] + [hook.returns]
            written = [ast.unparse(t) for t in typed if t is not None]
            if len(written) < len(typed) or any("Any" in t for t in written):
                untyped.append(f"{hook.name}: {written}")
    assert untyped == []
    # Nor what a city gives its transports when it attaches them (``Attachment``): the
    # module names no Any at all.
    hooks = ast.parse((ROOT / "bot" / "transports" / "hooks.py").read_text(encoding="utf-8"))
    names = {n.id for n in ast.walk(hooks) if isinstance(n, ast.Name)}
    assert "Any" not in names


def test_each_transports_attach_takes_the_transport_its_declaration_names():
    """``Transport[PhoneSection, CheckPool, PhoneTransport]``: mypy holds ``attach`` to the
    city's transport the declaration names third (any chat service where it names none)."""
    from typing import get_args

    for transport in TRANSPORTS:
        if transport.__module__.startswith("bot.transports.") and "attach" in vars(transport):
            (base,) = transport.__orig_bases__  # type: ignore[attr-defined]
            named = get_args(base)[2]
            takes = next(iter(inspect.signature(transport.attach).parameters.values()))
            assert _named(named) == takes.annotation, transport.platform


def test_a_declarations_section_class_is_named_once_on_its_base():
    """The section's class is the first the declaration is subclassed with; no second
    ``config = SmsSection`` beside it; a declaration with a section but no class named is
    refused when registered, not when a city is read."""
    from bot.transports import registry

    for transport in TRANSPORTS:
        assert "config" not in vars(transport), transport.platform

    class Unnamed(registry.Transport):
        platform = "unnamed"
        section = "unnamed"

    with pytest.raises(TypeError, match=r"Transport\[UnnamedSection, \.\.\.\]"):
        registry.register(Unnamed)
    assert "unnamed" not in registry.PLATFORMS


def test_the_handlers_settings_take_each_rules_type_whole_from_the_section_made_of_it():
    """``Config.handler_settings`` passes the sections the rules types are made of
    (``with_rules(self.help, self.bot, self.privacy, <the section made of DiallingRules>)``),
    typed by the rules types, not names spread from a dict (issue 103, point 5): every rules
    type the handlers' settings are made of is one ``with_rules`` takes."""
    from bot.config import PrivacySection
    from handlers.settings import RULES, Issuer, Rules

    assert set(RULES) == set(get_args(Rules)) == set(HandlerSettings.__bases__) - {Issuer}
    config = Config(
        bot=BotSection(city="Bochum", admins=(("telegram", "9"),)),
        privacy=PrivacySection(inactive_account_days=30),
        help=HelpSection(max_open_requests=2),
        phone=PhoneSection(call_countries=("AT",)),
    )
    settings = config.handler_settings()
    assert (settings.city, settings.admins) == ("Bochum", (("telegram", "9"),))
    assert settings.inactive_account_days == 30 and settings.max_open_requests == 2
    assert settings.call_countries == ("AT",)
    assert config.made_of(DiallingRules) is config.phone
    plain = Config()
    assert plain.made_of(OfferRules) is plain.help

    written = inspect.getsource(Config.handler_settings)
    spread = [
        ast.unparse(node)
        for node in ast.walk(ast.parse(inspect.cleandoc("\n" + written)))
        if isinstance(node, ast.keyword) and node.arg is None
    ]
    assert spread == [], "a setting spread into HandlerSettings by name: mypy sees none of it"


def test_two_sections_made_of_one_rules_type_are_refused():
    from bot.sections import Sections

    @dataclass(frozen=True)
    class Twice(Sections):
        again: HelpSection = field(default_factory=HelpSection)

    with pytest.raises(TypeError, match="two sections are made of RequestRules"):
        Twice().made_of(RequestRules)


def test_what_the_registry_asks_of_every_declaration_is_typed():
    """The registry's functions over every declaration take and give no ``Any``: a city's
    configuration as ``Sections``, a section as the sections' protocol, a meter as
    ``object`` (each transport's own type is held on its declaration, above)."""
    registry = ast.parse((ROOT / "bot" / "transports" / "registry.py").read_text(encoding="utf-8"))
    untyped = []
    for node in registry.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            each = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            written = [ast.unparse(t) for t in [*(a.annotation for a in each), node.returns] if t]
            if any("Any" in t for t in written):
                untyped.append(f"{node.name}: {written}")
    assert untyped == []
