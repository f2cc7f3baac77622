-- The bot's role and database on a PostgreSQL server (13 or newer), run once by an
-- administrator with psql (deploy/POSTGRESQL.md):
--
--   sudo -u postgres psql -v ON_ERROR_STOP=1 -f deploy/postgresql-setup.sql
--
-- Variables (psql -v NAME=VALUE), all optional:
--   role      the bot's login role            (default nachbarbot)
--   database  the bot's database, owned by it (default nachbarbot)
--   password  the role's password; without it the role logs in only where pg_hba.conf lets
--             it in without one (peer over the Unix socket). Set or change it later with
--             psql's \password ROLE, which never sends the password itself to the server.
--
-- Running it again changes nothing that is already right, and stops with an error when the
-- database exists with another collation, encoding or owner.
--
-- The schema comes from the bot: its migrations run at every start (`nachbarbot db migrate`),
-- as the role, under an advisory lock, and begin with CREATE EXTENSION IF NOT EXISTS cube.
-- cube is a trusted extension since PostgreSQL 13, so the database's owner may create it;
-- the server needs PostgreSQL's contrib extensions (Debian: postgresql-contrib; the official
-- postgres image has them).

\if :{?role}
\else
  \set role nachbarbot
\endif
\if :{?database}
\else
  \set database nachbarbot
\endif

SELECT format('DO $$BEGIN RAISE EXCEPTION %L; END$$',
              'PostgreSQL ' || current_setting('server_version') || ' is too old: 13 or newer')
 WHERE current_setting('server_version_num')::int < 130000 \gexec

SELECT format('DO $$BEGIN RAISE EXCEPTION %L; END$$',
              'the extension cube is not installed on this server:'
              ' install the contrib extensions (Debian: postgresql-contrib)')
 WHERE NOT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'cube') \gexec

-- An ordinary role: it owns its database and nothing else.
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec

\if :{?password}
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'password') \gexec
\endif

-- The C collation: text sorts and compares byte by byte, as on SQLite, so both backends give
-- the same order and the same uniqueness whatever the server's default locale. template0,
-- because template1 may carry another locale.
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' LC_COLLATE ''C'' LC_CTYPE ''C'''
              ' TEMPLATE template0', :'database', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec

SELECT format('DO $$BEGIN RAISE EXCEPTION %L; END$$',
              'database ' || datname || ' exists with ' || pg_encoding_to_char(encoding)
              || ', LC_COLLATE ' || datcollate || ', LC_CTYPE ' || datctype
              || ', owner ' || pg_get_userbyid(datdba) || '; the bot needs UTF8, C, C and owner '
              || :'role' || ' (create it anew, or move the data with pg_dump and pg_restore)')
  FROM pg_database
 WHERE datname = :'database'
   AND (pg_encoding_to_char(encoding) <> 'UTF8' OR datcollate <> 'C' OR datctype <> 'C'
        OR pg_get_userbyid(datdba) <> :'role') \gexec

-- The database holds personal data: nobody but its owner (and superusers) may connect.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'database') \gexec
