#!/bin/sh
# First start of the postgres container (/docker-entrypoint-initdb.d, run once while the data
# volume is empty): deploy/postgresql-setup.sql with the bot role's password from the secret.
# The names (and where the files are) may be changed with the variables below; the bots'
# NACHBARBOT_BOT__DATABASE must then name the same role and database.
set -eu
secret=${NACHBARBOT_DB_PASSWORD_FILE:-/run/secrets/database-password}
setup=${NACHBARBOT_DB_SETUP:-/nachbarbot/postgresql-setup.sql}
password=
IFS= read -r password < "$secret" || true
if [ -z "$password" ]; then
    echo "nachbarbot: no database password in $secret (deploy/secrets/database-password)" >&2
    exit 1
fi
psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password \
    --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v role="${NACHBARBOT_DB_ROLE:-nachbarbot}" -v database="${NACHBARBOT_DB_NAME:-nachbarbot}" \
    -v password="$password" -f "$setup"
