-- Several processes on one database: a handled update names the process that handled it (its
-- advisory-lock key, see bot/cluster.py), so that a process starting up sends only the kept
-- answers of processes that are gone, never those a live process is about to send.
-- BIGINT: PostgreSQL's 64-bit integer; SQLite reads it as INTEGER, 64-bit already.
ALTER TABLE processed_updates ADD COLUMN handled_by BIGINT;
