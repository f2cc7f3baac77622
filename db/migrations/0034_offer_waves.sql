-- Offer waves (issue 57, handlers/helping/waves.py): who was asked about which request,
-- when and in which wave, and what they answered, so the next wave, the caps (offers per
-- volunteer in 24 hours) and the estimate of who says yes can be worked out; times are the
-- offer rules' clock (a test's or the outcomes bench's), as stored text.
ALTER TABLE request_notifications ADD COLUMN offered_at TEXT;
ALTER TABLE request_notifications ADD COLUMN wave INTEGER NOT NULL DEFAULT 0;
ALTER TABLE request_notifications ADD COLUMN accepted_at TEXT;
ALTER TABLE request_notifications ADD COLUMN declined_at TEXT;
CREATE INDEX request_notifications_volunteer ON request_notifications (volunteer_id, offered_at);

-- The search for a helper of one open request: how many waves went, when it began (again,
-- after a hand-back) and when the last wave went, when the next wave or look is due (NULL:
-- none), how far it reaches (0 the volunteers' own areas, 1 neighbouring districts and a
-- larger radius, 2 also related kinds of help), and when the budget was spent and the
-- coordinators were given the request (the bot stops asking on its own).
CREATE TABLE request_waves (
    request_id     INTEGER PRIMARY KEY REFERENCES help_requests (id) ON DELETE CASCADE,
    waves          INTEGER NOT NULL DEFAULT 0,
    started_at     TEXT NOT NULL,
    last_at        TEXT,
    next_at        TEXT,
    reach          INTEGER NOT NULL DEFAULT 0,
    handed_over_at TEXT
);
CREATE INDEX request_waves_next ON request_waves (next_at);
