#!/bin/sh
# The nightly backup of a SQLite installation (deploy/nachbarbot-backup.timer starts it; on
# PostgreSQL, deploy/nachbarbot-pg-backup.sh instead): `nachbarbot db backup` of every city
# while the bots keep running, under a name with the UTC time, and the newest
# NACHBARBOT_BACKUP_KEEP backups kept, older ones deleted - which also bounds how long an
# erased person survives in a backup (docs/operations.md, "Backup and restore").
#
#   nachbarbot-backup.sh
#
# Settings from the environment (the bot's own env file serves as is):
#   NACHBARBOT_CONFIG        the bot's configuration (the unit sets it as the bot's does)
#   NACHBARBOT_PROGRAM       the bot's command (default /opt/nachbarbot/.venv/bin/nachbarbot)
#   NACHBARBOT_BACKUP_DIR    where the backups go (default /var/lib/nachbarbot-backups)
#   NACHBARBOT_BACKUP_KEEP   how many backups are kept (default 14)
# A backup is a set of files with one name before the first dot: nachbarbot-<time>.sqlite3
# (the main city), nachbarbot-<time>.unna.sqlite3 (each further city), and beside each its
# list of erased accounts (nachbarbot-<time>.erased, nachbarbot-<time>.unna.erased). The
# backups `db migrate --backup-into` takes before an upgrade (nachbarbot-<time>-before-NNNN…)
# are in the same folder, sort among these by their time and are rotated with them.
# Restore: nachbarbot db restore /var/lib/nachbarbot-backups/nachbarbot-<time>.sqlite3
set -eu
program=${NACHBARBOT_PROGRAM:-/opt/nachbarbot/.venv/bin/nachbarbot}
folder=${NACHBARBOT_BACKUP_DIR:-/var/lib/nachbarbot-backups}
keep=${NACHBARBOT_BACKUP_KEEP:-14}
case "$keep" in
    '' | *[!0-9]* | 0)
        echo "nachbarbot-backup: NACHBARBOT_BACKUP_KEEP must be a number from 1" >&2
        exit 2
        ;;
esac

# The backups hold personal data: nobody else may read them (db backup makes each file
# owner-only as well).
umask 077
mkdir -p "$folder"
# UTC, so that the names sort in time order.
"$program" db backup "$folder/nachbarbot-$(date -u +%Y-%m-%dT%H%M%SZ).sqlite3"

# The oldest sets go once there are more than $keep; a set's name is what comes before the
# first dot, which begins with its UTC time, so the names sort by age.
sets=$(find "$folder" -maxdepth 1 -type f -name 'nachbarbot-*' -printf '%f\n' \
    | sed 's/\..*//' | sort -u)
count=$(printf '%s\n' "$sets" | grep -c . || true)
if [ "$count" -gt "$keep" ]; then
    printf '%s\n' "$sets" | head -n "$((count - keep))" | while IFS= read -r old; do
        find "$folder" -maxdepth 1 -type f -name "$old.*" -delete
        echo "nachbarbot-backup: deleted $folder/$old.*"
    done
fi
