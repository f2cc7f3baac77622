-- Local events (language café every Tuesday, neighbourhood festival …) and reminders.
CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    uid              TEXT NOT NULL UNIQUE,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    lang             TEXT NOT NULL DEFAULT 'de',
    place_id         INTEGER REFERENCES places (id) ON DELETE SET NULL,
    address          TEXT NOT NULL DEFAULT '',
    lat              REAL,
    lon              REAL,
    stadtbezirk      TEXT NOT NULL DEFAULT '',
    -- Local wall-clock start in Europe/Berlin ("2026-11-03T17:00:00"): recurrences keep
    -- their local time across daylight-saving changes.
    starts_local     TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL DEFAULT 120,
    rrule            TEXT NOT NULL DEFAULT '',
    exdates          TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL DEFAULT '',
    target_groups    TEXT NOT NULL DEFAULT '',
    free_of_charge   INTEGER,
    wheelchair       TEXT,
    organiser        TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'scheduled'
                     CHECK (status IN ('scheduled', 'changed', 'cancelled')),
    source           TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE INDEX events_place ON events (place_id);
CREATE INDEX events_stadtbezirk ON events (stadtbezirk);

CREATE TABLE event_texts (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    lang        TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, lang)
);

-- "Remind me": one occurrence (occurrence_local set) or all of them (NULL).
CREATE TABLE event_follows (
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id         INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    occurrence_local TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    PRIMARY KEY (user_id, event_id, occurrence_local)
);

-- Concrete reminders, materialised from follows for the coming weeks.
CREATE TABLE reminders (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_id         INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    occurrence_local TEXT NOT NULL,
    minutes_before   INTEGER NOT NULL,
    fire_at          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sent', 'skipped')),
    UNIQUE (user_id, event_id, occurrence_local, minutes_before)
);

CREATE INDEX reminders_due ON reminders (fire_at) WHERE state = 'pending';
CREATE INDEX reminders_event ON reminders (event_id, state);

-- New events at a place or in a district are announced to subscribers.
CREATE TABLE subscriptions (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('place', 'district')),
    target     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, target)
);

-- Minutes before an event a user wants reminders; '' means no reminders.
ALTER TABLE users ADD COLUMN reminder_offsets TEXT NOT NULL DEFAULT '1440,60';
