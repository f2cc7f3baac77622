-- The web desk (issue 16): one-time login links and sessions of coordinators. Only hashes
-- of the secrets are stored, so a copy of the database opens no session.

-- A link sent by /desk in a private chat: single use, valid for ten minutes.
CREATE TABLE desk_logins (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX desk_logins_user ON desk_logins (user_id);

-- A browser logged in with such a link. ``csrf`` is the token every form must carry.
CREATE TABLE desk_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX desk_sessions_user ON desk_sessions (user_id);
CREATE INDEX desk_sessions_expires ON desk_sessions (expires_at);
