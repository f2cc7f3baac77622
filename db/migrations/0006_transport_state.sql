-- What a transport must remember across restarts: the Matrix sync token and device, so a
-- restart neither replays old events nor misses new ones.
CREATE TABLE transport_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Matrix has no buttons: messages show numbered choices. Which number (or emoji reaction)
-- means which button is remembered per message, and the latest per room for typed numbers.
CREATE TABLE matrix_buttons (
    event_id   TEXT PRIMARY KEY,
    room_id    TEXT NOT NULL,
    buttons    TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX matrix_buttons_room ON matrix_buttons (room_id, created_at);
