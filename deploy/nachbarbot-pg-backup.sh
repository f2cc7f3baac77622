#!/bin/sh
# A backup of the bot's PostgreSQL database while the bots keep running: pg_dump in its custom
# format (compressed; one consistent snapshot; pg_restore can restore all of it or single
# tables), written under a temporary name and renamed when complete, readable by its owner
# only. Then every dump older than NACHBARBOT_BACKUP_DAYS (by the UTC time in its name, not
# the file's date) is deleted and named - the privacy notice's figure for how long an erased
# person survives in a backup, privacy.backup_days, which the bot's configuration holds:
# set NACHBARBOT_BACKUP_DAYS to it (`nachbarbot doctor` fails where it is larger, and this
# script warns as doctor does where the environment sets NACHBARBOT_PRIVACY__BACKUP_DAYS).
#
#   nachbarbot-pg-backup.sh [postgresql://…]      (default: $NACHBARBOT_BOT__DATABASE)
#
# Settings from the environment (the bot's own, so its env file serves as is):
#   NACHBARBOT_BOT__DATABASE            the database's URL, without a password
#   NACHBARBOT_BOT__DATABASE_PASSWORD   its password, or
#   NACHBARBOT_BOT__DATABASE_PASSWORD_FILE  a file holding it (a secret); else libpq's own
#                                       (~/.pgpass, PGPASSWORD, peer authentication)
#   NACHBARBOT_BACKUP_DIR               where the dumps go (default /var/backups/nachbarbot)
#   NACHBARBOT_BACKUP_DAYS              how many days a dump is kept (default 14, the
#                                       default of privacy.backup_days)
# Restore: nachbarbot db restore FILE (docs/postgresql.md, "Backup and restore").
set -eu
url=${1:-${NACHBARBOT_BOT__DATABASE:-}}
case "$url" in
    postgres://* | postgresql://*) ;;
    *)
        echo "nachbarbot-pg-backup: no PostgreSQL URL (argument or NACHBARBOT_BOT__DATABASE)" >&2
        exit 2
        ;;
esac
folder=${NACHBARBOT_BACKUP_DIR:-/var/backups/nachbarbot}
days=${NACHBARBOT_BACKUP_DAYS:-14}
case "$days" in
    '' | *[!0-9]* | 0)
        echo "nachbarbot-pg-backup: NACHBARBOT_BACKUP_DAYS must be a number from 1" >&2
        exit 2
        ;;
esac
if [ -n "${NACHBARBOT_BACKUP_KEEP:-}" ]; then
    echo "nachbarbot-pg-backup: warning: NACHBARBOT_BACKUP_KEEP is no longer read: dumps are" \
        "deleted by age (NACHBARBOT_BACKUP_DAYS) - remove it" >&2
fi

# doctor's check "backups kept no longer than privacy.backup_days" (bot/cli/checks.py), in
# the same words, where the bot's env file sets privacy.backup_days (the TOML file is the
# bot's to read: doctor sees it).
privacy=${NACHBARBOT_PRIVACY__BACKUP_DAYS:-}
case "$privacy" in
    '' | *[!0-9]*) ;;
    *)
        if [ -n "${NACHBARBOT_BACKUP_DAYS:-}" ]; then
            set_by="NACHBARBOT_BACKUP_DAYS"
        else
            set_by="its default; NACHBARBOT_BACKUP_DAYS unset"
        fi
        kept="the nightly dumps are deleted after $days days ($set_by), privacy.backup_days is $privacy"
        if [ "$days" -gt "$privacy" ]; then
            echo "nachbarbot-pg-backup: warning: $kept: an erased person stays in a dump longer" \
                "than the privacy notice says, and restoring it brings back whoever the list" \
                "of erased accounts no longer names - set NACHBARBOT_BACKUP_DAYS to" \
                "privacy.backup_days (docs/operations.md)" >&2
        elif [ "$days" -lt "$privacy" ]; then
            echo "nachbarbot-pg-backup: warning: $kept: the list of erased accounts and a" \
                "restore's copy of the database are kept longer than any dump - set" \
                "NACHBARBOT_BACKUP_DAYS to privacy.backup_days (docs/operations.md)" >&2
        fi
        ;;
esac

if [ -n "${NACHBARBOT_BOT__DATABASE_PASSWORD_FILE:-}" ]; then
    IFS= read -r NACHBARBOT_BOT__DATABASE_PASSWORD < "$NACHBARBOT_BOT__DATABASE_PASSWORD_FILE" || true
fi
if [ -n "${NACHBARBOT_BOT__DATABASE_PASSWORD:-}" ]; then
    PGPASSWORD=$NACHBARBOT_BOT__DATABASE_PASSWORD
    export PGPASSWORD
fi

# The dumps hold personal data: nobody else may read them, not even while being written.
umask 077
mkdir -p "$folder"
# UTC, so that the names sort in time order.
name="nachbarbot-$(date -u +%Y-%m-%dT%H%M%SZ).dump"
partial="$folder/.$name.partial"
trap 'rm -f "$partial"' EXIT
# A failed dump (the server away, a full disk) ends the run only after the rotation: the
# dumps past NACHBARBOT_BACKUP_DAYS go that night too, the newest there is kept instead.
status=0
if pg_dump --format=custom --compress=6 --file="$partial" --dbname="$url"; then
    mv "$partial" "$folder/$name"
    echo "nachbarbot-pg-backup: $folder/$name"
else
    status=$?
    rm -f "$partial"
    name=$(find "$folder" -maxdepth 1 -type f -name 'nachbarbot-*.dump' \
        ! -name '*.before-restore-*' -printf '%f\n' | sort | tail -n 1)
    echo "nachbarbot-pg-backup: the dump failed; the newest dump kept: ${name:-none}" >&2
fi
trap - EXIT

# Each dump that would be older than $days days by the next night's run goes now (the rule of
# `nachbarbot db rotate`, bot/cli/backup_rotation.py), the one just made never. Its age is the
# UTC time in its name (a restore's copy, ….dump.before-restore-<time>.dump, its own time):
# a file's date is the day it was last copied, not the day of its data.
now=$(date -u +%s)
limit=$(((days - 1) * 86400))
find "$folder" -maxdepth 1 -type f -name 'nachbarbot-*.dump' -printf '%f\n' | sort \
    | while IFS= read -r file; do
        [ "$file" = "$name" ] && continue
        stamp=$(printf '%s\n' "$file" | sed -n 's/.*\.before-restore-\([0-9-]*T[0-9]*Z\).*/\1/p')
        if [ -z "$stamp" ]; then
            stamp=$(printf '%s\n' "$file" \
                | sed -n 's/^nachbarbot-\([0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9]\{6\}Z\).*/\1/p')
        fi
        if [ -z "$stamp" ]; then
            echo "nachbarbot-pg-backup: warning: $folder/$file is left alone - no UTC time in" \
                "its name (nachbarbot-YYYY-MM-DDTHHMMSSZ…): delete it by hand once it is older" \
                "than privacy.backup_days" >&2
            continue
        fi
        made=$(date -u -d "$(printf '%s\n' "$stamp" | sed 's/T\(..\)\(..\)\(..\)Z$/ \1:\2:\3/')" +%s)
        if [ "$((now - made))" -gt "$limit" ]; then
            rm -f -- "$folder/$file"
            echo "nachbarbot-pg-backup: deleted $folder/$file - from $stamp," \
                "$(((now - made) / 86400)) days old; NACHBARBOT_BACKUP_DAYS $days"
        fi
    done
exit "$status"
