from __future__ import annotations

import re
import subprocess
from dataclasses import fields
from pathlib import Path

import pytest

from bot.config import Config, ConfigError, HelpSection, load_config
from tests.support.cli import ROOT, run_bot

EXAMPLE = ROOT / "deploy" / "nachbarbot.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file():
    config = load_config(None, env={})
    assert config.bot.city == "Dortmund"
    assert not config.telegram.enabled


def test_publishing_unreviewed_is_30_minutes_in_the_day_by_default_and_set_in_the_help_section(
    tmp_path,
):
    default = load_config(None, env={}).handler_settings()
    assert default.publish_unreviewed_after == 30
    assert default.publish_unreviewed_hours == (8, 22)
    path = write(
        tmp_path,
        "[help]\npublish_unreviewed_after = 0\npublish_unreviewed_from = 7\n"
        "publish_unreviewed_until = 20\n",
    )
    chosen = load_config(path, env={}).handler_settings()
    assert chosen.publish_unreviewed_after == 0
    assert chosen.publish_unreviewed_hours == (7, 20)


def test_the_offer_rules_come_from_the_help_section(tmp_path):
    assert load_config(None, env={}).handler_settings().offer_rules.offer_rule == "waves"
    path = write(tmp_path, '[help]\noffer_rule = "broadcast"\nwave_max = 5\nbudget = 40\n')
    rules = load_config(path, env={}).handler_settings().offer_rules
    assert (rules.offer_rule, rules.wave_max, rules.budget, rules.wave_min) == (
        "broadcast",
        5,
        40,
        3,
    )
    with pytest.raises(ConfigError, match="offer_rule"):
        load_config(write(tmp_path, '[help]\noffer_rule = "everyone"\n'), env={})
    # The floor is a share of the city's rate now: the old absolute setting is named.
    path = write(tmp_path, "[help]\nestimate_floor_share = 0.5\n")
    assert load_config(path, env={}).handler_settings().offer_rules.estimate_floor_share == 0.5
    with pytest.raises(ConfigError, match=r"replaced by help\.estimate_floor_share"):
        load_config(write(tmp_path, "[help]\nestimate_floor_percent = 2.0\n"), env={})
    # The pace of urgency and the hour, and the offers a week (issue 63, point 4).
    rules = load_config(None, env={}).handler_settings().offer_rules
    assert (rules.urgent_wave_max, rules.evening_wave_max, rules.offers_per_week) == (12, 6, 14)
    assert (rules.budget, rules.budget_share, rules.budget_least) == (18, 0.3, 15)
    # Waves sized and widened by expected takers (issue 81): as before unless a city sets them.
    assert (rules.wave_takers, rules.urgent_wave_takers, rules.widen_takers) == (1.0, 1.0, 0.0)
    path = write(
        tmp_path, "[help]\nwave_takers = 0.7\nurgent_wave_takers = 2\nwiden_takers = 1.5\n"
    )
    rules = load_config(path, env={}).handler_settings().offer_rules
    assert (rules.wave_takers, rules.urgent_wave_takers, rules.widen_takers) == (0.7, 2.0, 1.5)
    path = write(
        tmp_path,
        "[help]\nurgent_waves = 1\nurgent_wave_minutes = 20\nevening_from = 18\n"
        "evening_until = 23\nevening_wave_max = 12\noffers_per_week = 5\n",
    )
    rules = load_config(path, env={}).handler_settings().offer_rules
    assert (
        rules.urgent_waves,
        rules.urgent_wave_minutes,
        rules.evening_from,
        rules.evening_until,
        rules.evening_wave_max,
        rules.offers_per_week,
    ) == (1, 20, 18, 23, 12, 5)


def test_file_values_and_env_override(tmp_path):
    path = write(tmp_path, '[bot]\ncity = "Essen"\nmax_text_length = 1000\n')
    env = {"NACHBARBOT_BOT__MAX_TEXT_LENGTH": "1500", "NACHBARBOT_TELEGRAM__TOKEN": "1:x"}
    config = load_config(path, env=env)
    assert config.bot.city == "Essen"
    assert config.bot.max_text_length == 1500
    assert config.telegram.enabled


def test_config_path_from_environment(tmp_path):
    path = write(tmp_path, '[bot]\ncity = "Bochum"\n')
    assert load_config(None, env={"NACHBARBOT_CONFIG": str(path)}).bot.city == "Bochum"


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ('[bot]\ncity = "X"\ncolour = 1\n', {}, "bot.colour: unknown setting"),
        ("[nonsense]\na = 1\n", {}, "nonsense: unknown section"),
        ('[telegram]\ntoken = "123:abc"\n', {}, "telegram.token: is a secret"),
        ('[telegram]\nmode = "pull"\n', {}, "telegram.mode: must be one of polling, webhook"),
        ("[bot]\nmax_text_length = 5\n", {}, "bot.max_text_length: must be at least 100"),
        ('[bot]\nmax_text_length = "many"\n', {}, "bot.max_text_length: must be a whole number"),
        (
            "",
            {"NACHBARBOT_PRIVACY__INACTIVE_ACCOUNT_DAYS": "soon"},
            "privacy.inactive_account_days (from NACHBARBOT_PRIVACY__INACTIVE_ACCOUNT_DAYS)",
        ),
        ('[bot]\nadmins = ["bob"]\n', {}, "bot.admins: 'bob' is not of the form"),
        (
            '[telegram]\nmode = "webhook"\n',
            {"NACHBARBOT_TELEGRAM__TOKEN": "1:x"},
            "telegram.webhook_url: required",
        ),
        ("[bot\n", {}, "not valid TOML"),
        ('[bot]\ndatabase = "sqlite:///var/x.db"\n', {}, "bot.database: the database must be"),
        ("", {"NACHBARBOT_BOT__DATABASE": "file:x.db"}, "bot.database: the database must be"),
        (
            "[help]\npublish_unreviewed_from = 22\npublish_unreviewed_until = 8\n",
            {},
            "help.publish_unreviewed_until: must be later than help.publish_unreviewed_from"
            " (22), got 8",
        ),
        (
            "[help]\nevening_from = 21\nevening_until = 20\n",
            {},
            "help.evening_until: must be later than help.evening_from (21), got 20",
        ),
        ("[help]\nurgent_wave_max = 0\n", {}, "help.urgent_wave_max: must be at least 1"),
        ('[help]\noffers_per_week = "many"\n', {}, "help.offers_per_week: must be a whole"),
        ("[help]\nevening_soon = 1\n", {}, "help.evening_soon: unknown setting"),
        (
            "[help]\npublish_unreviewed_after = -5\n",
            {},
            "help.publish_unreviewed_after: must be at least 0",
        ),
        (
            "[help]\npublish_unreviewed_after = 100000\n",
            {},
            "help.publish_unreviewed_after: must be at most 1440",
        ),
    ],
)
def test_invalid_settings_name_the_key(tmp_path, text, env, message):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env=env)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("entry", "what_was_wrong"),
    [
        ("bob", "no ':'"),
        ("signal:123", "'signal' is not a platform"),
        ("telegram: ", "empty"),
        ("telegram: 123", "spaces"),
        ("telegram:@anna", "@username"),
        ("matrix:anna", "@name:server"),
        ("matrix:@anna", "@name:server"),
    ],
)
def test_an_admin_account_not_of_its_transports_form_is_refused_saying_why(
    tmp_path, entry, what_was_wrong
):
    # bot.admins reads an account as roles and bans do (bot/transports/registry.py
    # ``account``): before, "telegram: ", "telegram:@anna" and "matrix:anna" were taken
    # and made admins nobody could ever be.
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, f"[bot]\nadmins = [{entry!r}]\n"), env={})
    said = str(err.value)
    assert said.startswith(f"bot.admins: {entry!r}") and what_was_wrong in said, said
    assert "\n" not in said


def test_admin_accounts_of_each_transports_form_are_admins(tmp_path):
    admins = [
        "telegram:123456",
        "matrix:@anna:example.org:8448",
        "console:cora",
        "phone:+4923155599",
    ]
    config = load_config(write(tmp_path, f"[bot]\nadmins = {admins!r}\n"), env={})
    assert config.handler_settings().admins == (
        ("telegram", "123456"),
        ("matrix", "@anna:example.org:8448"),
        ("console", "cora"),
        ("phone", "+4923155599"),
    )


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_example_config_is_valid_and_documents_every_key():
    config = load_config(EXAMPLE, env={})
    assert isinstance(config, Config)
    text = EXAMPLE.read_text(encoding="utf-8")
    for section in fields(Config):
        assert f"[{section.name}]" in text
        for option in fields(
            section.type if isinstance(section.type, type) else type(getattr(config, section.name))
        ):
            # Secrets appear only as commented environment variables.
            assert re.search(rf"^#?\s*{option.name} =|__{option.name.upper()}", text, re.M), (
                f"{section.name}.{option.name} not documented"
            )


def test_cli_reports_config_error_in_one_line(tmp_path):
    path = write(tmp_path, '[telegram]\nmode = "pull"\n')
    result = run_bot("--config", str(path), "run")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "telegram.mode" in result.stderr


def test_a_database_url_of_another_scheme_is_refused_before_anything_is_made(tmp_path):
    """``sqlite:///...`` was once taken for a path and made a folder ``sqlite:`` (with the
    people of a test in it) wherever the bot was started."""
    result = run_bot(
        "db",
        "migrate",
        database=f"sqlite:///{tmp_path}/x.db",
        cwd=tmp_path,  # where a folder "sqlite:" was made
        env={"PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert "bot.database" in result.stderr and "sqlite:" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_run_without_chat_service_points_to_console(tmp_path):
    result = run_bot("run", database=tmp_path / "x.db")
    assert result.returncode == 2
    assert "no chat service is configured" in result.stderr
    assert "console" in result.stderr
    # Every chat service is named: a city may run on the phone line or texts alone
    # (the message named only Telegram and Matrix).
    assert "phone.enabled" in result.stderr and "sms.enabled" in result.stderr


def test_roles_command_grants_and_revokes(tmp_path):
    import asyncio

    from db import Database

    path = tmp_path / "r.sqlite3"

    async def seed() -> None:
        db = await Database.open(path)
        await db.users.seen("telegram", "42", "42")
        await db.close()

    asyncio.run(seed())

    def roles(*args: str) -> subprocess.CompletedProcess[str]:
        return run_bot("roles", *args, database=path)

    assert roles("grant", "telegram:42", "coordinator").returncode == 0
    assert roles("grant", "telegram:99", "coordinator").returncode == 1

    async def current() -> frozenset[str]:
        db = await Database.open(path)
        user = await db.users.find("telegram", "42")
        await db.close()
        return user.roles

    assert "coordinator" in asyncio.run(current())
    assert roles("revoke", "telegram:42", "coordinator").returncode == 0
    assert "coordinator" not in asyncio.run(current())


def test_a_dataclass_carried_from_a_section_takes_its_same_named_fields():
    from dataclasses import dataclass

    from bot.config_fields import carried

    @dataclass(frozen=True)
    class Target:
        a: int = 0
        b: str = ""
        c: float = 1.0

    @dataclass(frozen=True)
    class Section:
        a: int = 5
        b: str = "x"
        d: int = 9

    assert carried(Target, Section()) == Target(5, "x", 1.0)  # c not in the section
    assert carried(Target, Section(), b="y") == Target(5, "y", 1.0)


def test_the_offer_rules_keep_their_bounds_whatever_a_city_writes():
    rules = HelpSection(wave_min=6, wave_max=2, day_start=20, day_end=9).offer_rules()
    assert (rules.wave_min, rules.wave_max, rules.urgent_wave_max) == (6, 6, 12)
    assert (rules.day_start, rules.day_end) == (20, 21)
    assert rules.offers_per_week == 14 and rules.budget == HelpSection().budget
