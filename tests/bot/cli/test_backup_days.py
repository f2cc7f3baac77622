"""``privacy.backup_days`` and the nightly backups' rotation must agree: the first is the
privacy notice's figure for how long an erased person survives in a backup, and how long
the list of erased accounts (which ``db restore`` erases again) keeps each entry; the
second decides how old the oldest backup really is. On SQLite the rotation (``db rotate``)
reads the setting itself; on PostgreSQL the nightly script deletes dumps after
NACHBARBOT_BACKUP_DAYS, both 14 by default: ``doctor`` fails where the script keeps dumps
longer than ``privacy.backup_days`` (and warns where shorter), and the script says the same
where its environment sets the privacy figure. NACHBARBOT_BACKUP_KEEP, the count of the
rotation of before, is read no more: ``doctor`` and ``db backup`` warn where it is still
set (docs/operations.md, "Backup and restore")."""

from __future__ import annotations

import os
import re

from bot.cli.checks import ROTATION_DAYS, backup_rotation_check
from bot.config import BotSection, Config, PrivacySection, load_config
from db.data_rights import Limits
from tests.support.cli import ROOT, run_bot, run_deploy_script

PG = "postgresql://nachbarbot@127.0.0.1:1/nachbarbot"


def test_the_defaults_agree_everywhere_they_are_written():
    assert load_config(env={}).privacy.backup_days == ROTATION_DAYS
    assert Limits().backup_days == ROTATION_DAYS
    example = (ROOT / "deploy/nachbarbot.example.toml").read_text(encoding="utf-8")
    assert re.findall(r"^backup_days = (\d+)$", example, re.M) == [str(ROTATION_DAYS)]
    script = (ROOT / "deploy/nachbarbot-pg-backup.sh").read_text(encoding="utf-8")
    assert f"days=${{NACHBARBOT_BACKUP_DAYS:-{ROTATION_DAYS}}}" in script
    unit = (ROOT / "deploy/nachbarbot-pg-backup.service").read_text(encoding="utf-8")
    assert f"Environment=NACHBARBOT_BACKUP_DAYS={ROTATION_DAYS}\n" in unit
    compose = (ROOT / "deploy/compose.postgresql.yaml").read_text(encoding="utf-8")
    assert f'NACHBARBOT_BACKUP_DAYS: "{ROTATION_DAYS}"' in compose
    sqlite = (ROOT / "deploy/nachbarbot-backup.sh").read_text(encoding="utf-8")
    assert '"$program" db rotate "$folder"' in sqlite
    for text in (script, unit, compose, sqlite):
        assert "keep=${NACHBARBOT_BACKUP_KEEP" not in text and "BACKUP_KEEP=" not in text


def _config(days: int, database: str = "nachbarbot.sqlite3") -> Config:
    return Config(bot=BotSection(database=database), privacy=PrivacySection(backup_days=days))


def test_the_rotation_may_keep_no_backup_longer_than_the_notice_says():
    # SQLite: db rotate reads privacy.backup_days itself.
    assert backup_rotation_check(_config(7), {})[1] == "ok"
    assert backup_rotation_check(_config(30), {"NACHBARBOT_BACKUP_DAYS": "3"})[1] == "ok"
    # PostgreSQL: the script's NACHBARBOT_BACKUP_DAYS (or its default, 14).
    assert backup_rotation_check(_config(14, PG), {})[1] == "ok"
    longer = backup_rotation_check(_config(7, PG), {})
    assert longer[1] == "FAIL" and "14" in longer[2] and "is 7" in longer[2], longer
    assert backup_rotation_check(_config(30, PG), {"NACHBARBOT_BACKUP_DAYS": "30"})[1] == "ok"
    set_alone = backup_rotation_check(_config(14, PG), {"NACHBARBOT_BACKUP_DAYS": "30"})
    assert set_alone[1] == "FAIL" and "NACHBARBOT_BACKUP_DAYS" in set_alone[2], set_alone
    assert backup_rotation_check(_config(30, PG), {})[1] == "WARN"
    assert backup_rotation_check(_config(14, PG), {"NACHBARBOT_BACKUP_DAYS": "x"})[1] == "FAIL"
    # A unit of before still setting the count: read by nothing, said on both backends.
    for database in ("nachbarbot.sqlite3", PG):
        old = backup_rotation_check(_config(14, database), {"NACHBARBOT_BACKUP_KEEP": "14"})
        assert old[1] == "WARN" and "no longer read" in old[2], old


def test_the_postgresql_script_warns_as_doctor_does(tmp_path):
    """Before, the nightly dump's script said nothing where its rotation and the privacy
    figure disagreed; doctor did. It warns in doctor's words and still makes the dump (here
    it cannot: no server - the warning comes first)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NACHBARBOT_", "PG"))}
    for days, privacy in (("30", "14"), ("7", "14")):
        env |= {
            "NACHBARBOT_BOT__DATABASE": PG,
            "NACHBARBOT_BACKUP_DAYS": days,
            "NACHBARBOT_PRIVACY__BACKUP_DAYS": privacy,
            "NACHBARBOT_BACKUP_DIR": str(tmp_path / "backups"),
        }
        run = run_deploy_script("nachbarbot-pg-backup.sh", env)
        _, verdict, detail = backup_rotation_check(
            _config(int(privacy), PG), {"NACHBARBOT_BACKUP_DAYS": days}
        )
        assert verdict in ("FAIL", "WARN")
        assert f"nachbarbot-pg-backup: warning: {detail}\n" in run.stderr, run.stderr
    env |= {"NACHBARBOT_BACKUP_DAYS": "14"}
    agreed = run_deploy_script("nachbarbot-pg-backup.sh", env)
    assert "warning" not in agreed.stderr, agreed.stderr


def test_doctor_and_db_backup_say_it(tmp_path):
    database = tmp_path / "nachbarbot.sqlite3"
    fine = run_bot("doctor", database=database)
    assert "ok    backups kept no longer than privacy.backup_days" in fine.stdout, fine.stdout
    old = {"NACHBARBOT_BACKUP_KEEP": "30"}
    doctor = run_bot("doctor", database=database, env=old)
    assert "WARN  backups kept no longer than privacy.backup_days" in doctor.stdout, doctor.stdout

    nightly = run_bot("db", "backup", str(tmp_path / "b.sqlite3"), database=database, env=old)
    assert nightly.returncode == 0, nightly.stderr
    assert (tmp_path / "b.sqlite3").exists()
    assert "warning: dortmund: NACHBARBOT_BACKUP_KEEP is set but no longer read" in nightly.stderr
    quiet = run_bot("db", "backup", str(tmp_path / "c.sqlite3"), database=database)
    assert quiet.returncode == 0 and "warning" not in quiet.stderr, quiet.stderr
