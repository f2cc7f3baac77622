#!/bin/sh
# A backup of the bot's PostgreSQL database while the bots keep running: pg_dump in its custom
# format (compressed; one consistent snapshot; pg_restore can restore all of it or single
# tables), written under a temporary name and renamed when complete, readable by its owner
# only. The newest NACHBARBOT_BACKUP_KEEP dumps are kept.
#
#   nachbarbot-pg-backup.sh [postgresql://…]      (default: $NACHBARBOT_BOT__DATABASE)
#
# Settings from the environment (the bot's own, so its env file serves as is):
#   NACHBARBOT_BOT__DATABASE            the database's URL, without a password
#   NACHBARBOT_BOT__DATABASE_PASSWORD   its password, or
#   NACHBARBOT_BOT__DATABASE_PASSWORD_FILE  a file holding it (a secret); else libpq's own
#                                       (~/.pgpass, PGPASSWORD, peer authentication)
#   NACHBARBOT_BACKUP_DIR               where the dumps go (default /var/backups/nachbarbot)
#   NACHBARBOT_BACKUP_KEEP              how many are kept (default 14)
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
keep=${NACHBARBOT_BACKUP_KEEP:-14}
case "$keep" in
    '' | *[!0-9]* | 0)
        echo "nachbarbot-pg-backup: NACHBARBOT_BACKUP_KEEP must be a number from 1" >&2
        exit 2
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
pg_dump --format=custom --compress=6 --file="$partial" --dbname="$url"
mv "$partial" "$folder/$name"
trap - EXIT
echo "nachbarbot-pg-backup: $folder/$name"

# The oldest go once there are more than $keep; names are UTC times, so they sort by age.
count=$(find "$folder" -maxdepth 1 -name 'nachbarbot-*.dump' | wc -l)
if [ "$count" -gt "$keep" ]; then
    find "$folder" -maxdepth 1 -name 'nachbarbot-*.dump' | sort | head -n "$((count - keep))" \
        | while IFS= read -r old; do rm -f -- "$old"; done
fi
