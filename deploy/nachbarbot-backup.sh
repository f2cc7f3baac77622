#!/bin/sh
# The nightly backup of a SQLite installation (deploy/nachbarbot-backup.timer starts it; on
# PostgreSQL, deploy/nachbarbot-pg-backup.sh instead): `nachbarbot db backup` of every city
# while the bots keep running, under a name with the UTC time, then `nachbarbot db rotate`:
# every backup older than privacy.backup_days (by the time in its name) deleted, each file
# named - the privacy notice's figure for how long an erased person survives in a backup
# (docs/operations.md, "Backup and restore").
#
#   nachbarbot-backup.sh
#
# Settings from the environment (the bot's own env file serves as is):
#   NACHBARBOT_CONFIG        the bot's configuration (the unit sets it as the bot's does)
#   NACHBARBOT_PROGRAM       the bot's command (default /opt/nachbarbot/.venv/bin/nachbarbot)
#   NACHBARBOT_BACKUP_DIR    where the backups go (default /var/lib/nachbarbot-backups)
# A backup is a set of files with one name before the first dot: nachbarbot-<time>.sqlite3
# (the main city), nachbarbot-<time>.unna.sqlite3 (each further city), and beside each its
# list of erased accounts (nachbarbot-<time>.erased, nachbarbot-<time>.unna.erased). The
# backups `db migrate --backup-into` takes before an upgrade (nachbarbot-<time>-before-NNNN…)
# are in the same folder and rotated with them. The rotation counts days, not backups: a
# night the machine was off leaves no backup, and the oldest still goes at its age.
# Restore: nachbarbot db restore /var/lib/nachbarbot-backups/nachbarbot-<time>.sqlite3
set -eu
program=${NACHBARBOT_PROGRAM:-/opt/nachbarbot/.venv/bin/nachbarbot}
folder=${NACHBARBOT_BACKUP_DIR:-/var/lib/nachbarbot-backups}

# The backups hold personal data: nobody else may read them (db backup makes each file
# owner-only as well).
umask 077
mkdir -p "$folder"
# UTC, so that the names sort in time order. A failed backup (a full disk) ends the run
# only after the rotation: the backups past privacy.backup_days go that night too.
status=0
"$program" db backup "$folder/nachbarbot-$(date -u +%Y-%m-%dT%H%M%SZ).sqlite3" || status=$?

# Each backup older than its city's privacy.backup_days goes, by the time in its name
# (bot/cli/backup_rotation.py); the newest never (the one just taken, or the last there is).
"$program" db rotate "$folder" || { rotated=$?; [ "$status" -ne 0 ] || status=$rotated; }
exit "$status"
