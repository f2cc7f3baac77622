"""``privacy.backup_days`` and the nightly backups' rotation must agree: the first is the
privacy notice's figure for how long an erased person survives in a backup, and how long
the list of erased accounts (which ``db restore`` erases again) keeps each entry; the
second decides how old the oldest backup really is. Before, the defaults disagreed (30 days
against 14 backups, one a night) and nothing said so when an operator set one and not the
other. Now both default to 14, ``doctor`` fails where the rotation keeps more backups than
``privacy.backup_days`` has days (and warns where fewer), and ``db backup`` - run nightly by
the backup unit with the rotation's NACHBARBOT_BACKUP_KEEP - says it every night
(docs/operations.md, "Backup and restore")."""

from __future__ import annotations

import re

from bot.cli.checks import ROTATION_KEEP, backup_rotation_check
from bot.config import Config, PrivacySection, load_config
from db.data_rights import Limits
from tests.support.cli import ROOT, run_bot


def test_the_defaults_agree_everywhere_they_are_written():
    assert load_config(env={}).privacy.backup_days == ROTATION_KEEP
    assert Limits().backup_days == ROTATION_KEEP
    example = (ROOT / "deploy/nachbarbot.example.toml").read_text(encoding="utf-8")
    assert re.findall(r"^backup_days = (\d+)$", example, re.M) == [str(ROTATION_KEEP)]
    for script in ("nachbarbot-backup.sh", "nachbarbot-pg-backup.sh"):
        text = (ROOT / "deploy" / script).read_text(encoding="utf-8")
        assert f"keep=${{NACHBARBOT_BACKUP_KEEP:-{ROTATION_KEEP}}}" in text, script
    for unit in ("nachbarbot-backup.service", "nachbarbot-pg-backup.service"):
        text = (ROOT / "deploy" / unit).read_text(encoding="utf-8")
        assert f"Environment=NACHBARBOT_BACKUP_KEEP={ROTATION_KEEP}\n" in text, unit
    compose = (ROOT / "deploy/compose.postgresql.yaml").read_text(encoding="utf-8")
    assert f'NACHBARBOT_BACKUP_KEEP: "{ROTATION_KEEP}"' in compose


def _days(days: int) -> Config:
    return Config(privacy=PrivacySection(backup_days=days))


def test_the_rotation_may_keep_no_backup_longer_than_the_notice_says():
    assert backup_rotation_check(Config(), {})[1] == "ok"
    longer = backup_rotation_check(_days(7), {})
    assert longer[1] == "FAIL" and "14" in longer[2] and "(7)" in longer[2], longer
    assert backup_rotation_check(_days(30), {"NACHBARBOT_BACKUP_KEEP": "30"})[1] == "ok"
    set_alone = backup_rotation_check(Config(), {"NACHBARBOT_BACKUP_KEEP": "30"})
    assert set_alone[1] == "FAIL" and "NACHBARBOT_BACKUP_KEEP" in set_alone[2], set_alone
    assert backup_rotation_check(_days(30), {})[1] == "WARN"
    assert backup_rotation_check(Config(), {"NACHBARBOT_BACKUP_KEEP": "many"})[1] == "FAIL"


def test_doctor_and_db_backup_say_it(tmp_path):
    database = tmp_path / "nachbarbot.sqlite3"
    days = {"NACHBARBOT_PRIVACY__BACKUP_DAYS": "7"}
    doctor = run_bot("doctor", database=database, env=days)
    assert doctor.returncode == 1, doctor.stdout
    assert "FAIL  backups kept no longer than privacy.backup_days" in doctor.stdout, doctor.stdout
    fine = run_bot("doctor", database=database)
    assert "ok    backups kept no longer than privacy.backup_days" in fine.stdout, fine.stdout

    nightly = run_bot(
        "db",
        "backup",
        str(tmp_path / "b.sqlite3"),
        database=database,
        env={"NACHBARBOT_BACKUP_KEEP": "30"},
    )
    assert nightly.returncode == 0, nightly.stderr
    assert (tmp_path / "b.sqlite3").exists()
    assert "warning: dortmund: the nightly rotation keeps 30 backups" in nightly.stderr
    quiet = run_bot("db", "backup", str(tmp_path / "c.sqlite3"), database=database)
    assert quiet.returncode == 0 and "warning" not in quiet.stderr, quiet.stderr
