#!/bin/sh
# The container image's entry point: `nachbarbot ARGS…`, with the database password read from
# a file when NACHBARBOT_BOT__DATABASE_PASSWORD_FILE names one (a compose or Kubernetes
# secret, as the official postgres image reads POSTGRES_PASSWORD_FILE). The bot itself reads
# the password only from NACHBARBOT_BOT__DATABASE_PASSWORD; this way it is in neither the
# compose file, nor the image, nor `docker inspect`.
set -eu
secret=${NACHBARBOT_BOT__DATABASE_PASSWORD_FILE:-}
if [ -n "$secret" ]; then
    # The first line without its line break, as `openssl rand -base64 32 > FILE` writes it.
    NACHBARBOT_BOT__DATABASE_PASSWORD=
    IFS= read -r NACHBARBOT_BOT__DATABASE_PASSWORD < "$secret" || true
    if [ -z "$NACHBARBOT_BOT__DATABASE_PASSWORD" ]; then
        echo "nachbarbot: no database password in $secret (NACHBARBOT_BOT__DATABASE_PASSWORD_FILE)" >&2
        exit 2
    fi
    export NACHBARBOT_BOT__DATABASE_PASSWORD
    unset NACHBARBOT_BOT__DATABASE_PASSWORD_FILE
fi
exec nachbarbot "$@"
