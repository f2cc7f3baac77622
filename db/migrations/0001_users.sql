-- Users are known only by platform and platform id; we keep what is needed to answer them
-- in their language and nothing else (no names, no phone numbers).
CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    platform         TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    chat_id          TEXT NOT NULL,
    language         TEXT,
    consent_at       TEXT,
    created_at       TEXT NOT NULL,
    seen_at          TEXT NOT NULL,
    UNIQUE (platform, platform_user_id)
);

CREATE INDEX users_seen_at ON users (seen_at);

CREATE TABLE user_roles (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('resident', 'volunteer', 'coordinator', 'admin')),
    granted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- Where each user is in a conversation, so a restart continues instead of forgetting.
CREATE TABLE conversations (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
